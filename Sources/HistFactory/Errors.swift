/// Errors of the workspace layer (documents, operations, patchsets). Each names the document when
/// known and the JSON path of the problem.
public enum WorkspaceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not JSON.
    case invalidJSON(source: String?, JSONSyntaxError)
    /// The document violates pyhf's schema or a model-building rule; `schema` names the schema
    /// of the document kind (`workspace.json`, `patchset.json`, `model.json`). Every problem found
    /// is listed.
    case invalidSpecification(source: String?, schema: String, issues: [ValidationIssue])
    /// A workspace operation (prune, rename, combine, measurement lookup) cannot be done
    /// (pyhf `InvalidWorkspaceOperation`).
    case invalidOperation(String)
    /// A JSON Patch failed.
    case patchFailed(JSONPatchError)
    /// No patch in the patchset has this name or these values (pyhf `InvalidPatchLookup`).
    case patchNotFound(String)
    /// The patchset's recorded digest does not match the workspace (pyhf `PatchSetVerificationError`).
    case digestMismatch(algorithm: String, expected: String, found: String)
    /// The patchset is inconsistent: duplicate names or values, wrong number of values, unknown
    /// digest algorithm (pyhf `InvalidPatchSet`).
    case invalidPatchSet(String)

    public var description: String {
        switch self {
        case .invalidJSON(let source, let error):
            return (source.map { "\($0): " } ?? "") + error.description
        case .invalidSpecification(let source, let schema, let issues):
            let head = (source.map { "\($0): " } ?? "")
                + "invalid \(schema.hasSuffix(".json") ? String(schema.dropLast(5)) : schema) (\(issues.count) problem\(issues.count == 1 ? "" : "s"))"
            return ([head] + issues.map { "  " + $0.description }).joined(separator: "\n")
        case .invalidOperation(let message):
            return message
        case .patchFailed(let error):
            return "JSON Patch failed: \(error)"
        case .patchNotFound(let key):
            return "no patch associated with \(key) is defined in the patchset"
        case .digestMismatch(let algorithm, let expected, let found):
            return "the digest verification failed for hash algorithm '\(algorithm)': expected \(expected), got \(found)"
        case .invalidPatchSet(let message):
            return "invalid patchset: \(message)"
        }
    }
}
