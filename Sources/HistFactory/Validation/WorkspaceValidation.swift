// Full validation of a workspace: pyhf's JSON schema, then the model-building checks of every
// measurement. The checks themselves live in the `Model` builder; this file only collects them.

extension WorkspaceDocument {
    /// Problems pyhf would raise when building the model of each measurement (or when reading its
    /// observed data), one per measurement at most, as the builder stops at the first.
    public func modelIssues() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        var checkedObservations = false
        var checked: Set<String> = []
        for (index, name) in measurementNames.enumerated() where checked.insert(name).inserted {
            do {
                let model = try model(of: name)
                if !checkedObservations {
                    // Every measurement has the same channels, so one check covers them all.
                    checkedObservations = true
                    _ = try model.observedData(workspace, includeAuxdata: false)
                }
            } catch let error as ModelError {
                let issue = ValidationIssue(error)
                if !issues.contains(issue) { issues.append(issue) }
            } catch {
                issues.append(ValidationIssue(JSONPath.root / "measurements" / index, expected: "a model", found: "\(error)"))
            }
        }
        return issues
    }

    /// Throws `invalidSpecification` listing every model-building problem, if any.
    public func validateModels(source: String? = nil) throws(WorkspaceError) {
        let issues = modelIssues()
        guard issues.isEmpty else { throw .invalidSpecification(source: source, schema: "workspace.json", issues: issues) }
    }

    /// Parses, validates against the schema, decodes and checks every measurement's model: the
    /// complete validation of a workspace file.
    public static func validated(parsing bytes: some Collection<UInt8>, source: String? = nil) throws(WorkspaceError) -> WorkspaceDocument {
        let document = try WorkspaceDocument(parsing: bytes, source: source)
        try document.validateModels(source: source)
        return document
    }
}
