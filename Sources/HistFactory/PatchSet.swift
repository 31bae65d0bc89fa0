// pyhf patchsets (schema 1.0.0): signal hypotheses published as JSON Patches against a
// background-only workspace, identified by name or by their point in a parameter space.

/// One patch of a patchset.
public struct Patch: Sendable, Equatable {
    /// The patch's metadata object (`name`, `values` and any extra members).
    public let metadata: JSONObject
    /// The JSON Patch document as written.
    public let patchJSON: JSONValue
    public let patch: JSONPatch

    public var name: String { metadata["name"]!.stringValue! }
    /// Coordinates of the patch in the patchset's label space (numbers or strings).
    public var values: [JSONValue] { metadata["values"]!.arrayValue! }
}

/// A validated patchset.
public struct PatchSet: Sendable, Equatable {
    public let json: JSONValue
    public let patches: [Patch]

    public var metadata: JSONObject { json["metadata"]!.objectValue! }
    public var labels: [String] { metadata["labels"]!.arrayValue!.map { $0.stringValue! } }
    public var description: String { metadata["description"]!.stringValue! }
    /// Recorded digests of the background-only workspace, in document order.
    public var digests: [(algorithm: String, digest: String)] {
        metadata["digests"]!.objectValue!.map { ($0.key, $0.value.stringValue!) }
    }

    /// Validates against `patchset.json`, then rejects duplicate names, duplicate values and
    /// values whose count differs from the number of labels (pyhf's `InvalidPatchSet`).
    public init(json: JSONValue, source: String? = nil) throws(WorkspaceError) {
        let issues = PyhfSchema.patchSet.validate(json)
        guard issues.isEmpty else { throw .invalidSpecification(source: source, schema: "patchset.json", issues: issues) }
        let labelCount = json["metadata"]!["labels"]!.arrayValue!.count
        var patches: [Patch] = []
        for (i, item) in json["patches"]!.arrayValue!.enumerated() {
            let patch: JSONPatch
            do throws(JSONPatchError) {
                patch = try JSONPatch(json: item["patch"]!)
            } catch {
                // Only pointer syntax can fail here: the schema checked the operation shapes.
                throw .invalidSpecification(
                    source: source, schema: "patchset.json",
                    issues: [ValidationIssue(JSONPath.root / "patches" / i / "patch", expected: "a valid JSON Patch", found: error.description)])
            }
            let p = Patch(metadata: item["metadata"]!.objectValue!, patchJSON: item["patch"]!, patch: patch)
            if patches.contains(where: { $0.name == p.name }) {
                throw .invalidPatchSet("Multiple patches were defined by name for '\(p.name)' (patches[\(i)]).")
            }
            if patches.contains(where: { $0.values == p.values }) {
                throw .invalidPatchSet("Multiple patches were defined by values for '\(p.name)' (patches[\(i)]).")
            }
            if p.values.count != labelCount {
                throw .invalidPatchSet(
                    "Incompatible number of values (\(p.values.count)) for '\(p.name)' (patches[\(i)]). Expected \(labelCount).")
            }
            patches.append(p)
        }
        self.json = json
        self.patches = patches
    }

    /// Parses and validates a patchset text.
    public init(parsing bytes: some Collection<UInt8>, source: String? = nil) throws(WorkspaceError) {
        let json: JSONValue
        do throws(JSONSyntaxError) {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw .invalidJSON(source: source, error)
        }
        try self.init(json: json, source: source)
    }

    /// The patch with this name.
    public func patch(named name: String) throws(WorkspaceError) -> Patch {
        guard let p = patches.first(where: { $0.name == name }) else { throw .patchNotFound("named '\(name)'") }
        return p
    }

    /// The patch at these coordinates (numbers compare numerically: `2100 == 2100.0`).
    public func patch(values: [JSONValue]) throws(WorkspaceError) -> Patch {
        guard let p = patches.first(where: { $0.values == values }) else {
            throw .patchNotFound("with values \(JSONValue.array(values).brief())")
        }
        return p
    }

    /// Checks every recorded digest against the workspace (exact, case-sensitive comparison of
    /// the lower-case hex digest, as pyhf does).
    public func verify(_ workspace: WorkspaceDocument) throws(WorkspaceError) {
        for (name, expected) in digests {
            guard let algorithm = HashAlgorithm(rawValue: name) else {
                throw .invalidPatchSet("unsupported digest algorithm '\(name)'")
            }
            let found = workspace.digest(algorithm)
            guard found == expected else { throw .digestMismatch(algorithm: name, expected: expected, found: found) }
        }
    }

    /// Verifies the digests, applies the patch to the whole workspace document and validates the
    /// result (pyhf's `PatchSet.apply`).
    public func apply(_ patch: Patch, to workspace: WorkspaceDocument) throws(WorkspaceError) -> WorkspaceDocument {
        try verify(workspace)
        return try workspace.applying(patch.patch)
    }

    /// The patch extracted for `pyhf patchset extract`: the operations, or with metadata
    /// `{"metadata": patch metadata updated with the patchset metadata, "patch": [...]}`.
    public func extract(_ patch: Patch, withMetadata: Bool) -> JSONValue {
        guard withMetadata else { return patch.patchJSON }
        var merged = patch.metadata
        for (key, value) in metadata { merged[key] = value }
        return .object(JSONObject([("metadata", .object(merged)), ("patch", patch.patchJSON)]))
    }
}

extension WorkspaceDocument {
    /// Applies a JSON Patch to the whole workspace document and validates the result.
    public func applying(_ patch: JSONPatch) throws(WorkspaceError) -> WorkspaceDocument {
        let patched: JSONValue
        do throws(JSONPatchError) {
            patched = try patch.apply(to: json)
        } catch {
            throw .patchFailed(error)
        }
        return try WorkspaceDocument(json: patched)
    }
}
