// pyhf patchsets (schema `patchset.json` 1.0.0): signal hypotheses stored as JSON Patches against a
// background-only workspace, identified by name or by their values, with the workspace's digests.

import HEPKitSupport

/// A validated pyhf patchset.
public struct PatchSet: Sendable, Equatable {
    /// One patch: its metadata (`name`, `values`, anything else) and its JSON Patch.
    public struct Patch: Sendable, Equatable {
        public let metadata: JSONObject
        public let patch: JSONPatch
        /// The patch operations as written in the file.
        public let json: JSONValue

        public var name: String { metadata["name"]?.stringValue ?? "" }
        /// The values of the patchset's labels for this patch (numbers or strings).
        public var values: [JSONValue] { metadata["values"]?.arrayValue ?? [] }
    }

    /// The document as read.
    public let json: JSONValue
    public let patches: [Patch]

    /// Validates `json` against `patchset.json`, then rejects duplicate names, duplicate values and
    /// values whose count differs from the labels (pyhf `InvalidPatchSet`).
    public init(_ json: JSONValue, source: String? = nil) throws(WorkspaceError) {
        let issues = PyhfSchema.patchSet.validate(json)
        guard issues.isEmpty else { throw .invalidSpecification(source: source, schema: "patchset.json", issues: issues) }
        let labels = json["metadata"]?["labels"]?.arrayValue ?? []
        var patches: [Patch] = []
        for (i, item) in (json["patches"]?.arrayValue ?? []).enumerated() {
            let ops = item["patch"] ?? []
            let patch: JSONPatch
            do { patch = try JSONPatch(ops) } catch {
                throw .invalidSpecification(
                    source: source, schema: "patchset.json",
                    issues: [ValidationIssue(JSONPath.root / "patches" / i / "patch", expected: "a JSON Patch", found: error.description)])
            }
            let p = Patch(metadata: item["metadata"]?.objectValue ?? JSONObject(), patch: patch, json: ops)
            if patches.contains(where: { $0.name == p.name }) {
                throw .invalidPatchSet("multiple patches are named '\(p.name)'")
            }
            if patches.contains(where: { $0.values == p.values }) {
                throw .invalidPatchSet("multiple patches have the values \(JSONValue.array(p.values).brief()) (patch '\(p.name)')")
            }
            if p.values.count != labels.count {
                throw .invalidPatchSet("patch '\(p.name)' has \(p.values.count) values; the patchset has \(labels.count) labels")
            }
            patches.append(p)
        }
        self.json = json
        self.patches = patches
    }

    /// Parses and validates a JSON text.
    public init(parsing bytes: some Collection<UInt8>, source: String? = nil) throws(WorkspaceError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .invalidJSON(source: source, error) }
        try self.init(json, source: source)
    }

    public var metadata: JSONObject { json["metadata"]?.objectValue ?? JSONObject() }
    public var labels: [String] { (metadata["labels"]?.arrayValue ?? []).compactMap(\.stringValue) }
    public var description: String { metadata["description"]?.stringValue ?? "" }
    /// Digests of the background-only workspace, by algorithm name (`md5`, `sha256`).
    public var digests: [(algorithm: String, digest: String)] {
        (metadata["digests"]?.objectValue ?? JSONObject()).map { ($0.key, $0.value.stringValue ?? "") }
    }

    /// The patch called `name`.
    public func patch(named name: String) throws(WorkspaceError) -> Patch {
        guard let p = patches.first(where: { $0.name == name }) else { throw .patchNotFound("\"\(name)\"") }
        return p
    }

    /// The patch with these values (numbers compare numerically: `2100 == 2100.0`).
    public func patch(values: [JSONValue]) throws(WorkspaceError) -> Patch {
        guard let p = patches.first(where: { $0.values == values }) else { throw .patchNotFound(JSONValue.array(values).brief()) }
        return p
    }

    /// pyhf `PatchSet.verify`: every recorded digest must match the workspace's.
    public func verify(_ workspace: WorkspaceDocument) throws(WorkspaceError) {
        for (algorithm, expected) in digests {
            guard let hash = HashAlgorithm(rawValue: algorithm) else {
                throw .invalidPatchSet("unknown digest algorithm '\(algorithm)'")
            }
            let found = workspace.digest(hash)
            guard found == expected else { throw .digestMismatch(algorithm: algorithm, expected: expected, found: found) }
        }
    }

    /// pyhf `PatchSet.apply`: verifies the digests, applies the patch to the whole workspace document
    /// and validates the result.
    public func apply(_ patch: Patch, to workspace: WorkspaceDocument) throws(WorkspaceError) -> WorkspaceDocument {
        try verify(workspace)
        let patched: JSONValue
        do { patched = try patch.patch.apply(to: workspace.json) } catch { throw .patchFailed(error) }
        return try WorkspaceDocument(patched)
    }

    /// `pyhf patchset extract`: the patch operations, or with metadata
    /// `{"metadata": patch metadata updated by the patchset metadata, "patch": [...]}`.
    public func extract(_ patch: Patch, withMetadata: Bool) -> JSONValue {
        guard withMetadata else { return patch.json }
        var merged = patch.metadata
        for (key, value) in metadata { merged[key] = value }
        return ["metadata": .object(merged), "patch": patch.json]
    }

    /// `pyhf patchset inspect` output (without the final newline).
    public var inspection: String {
        (["", "    \(patches.count) patches found in Patchset", "---------------------------------", ""] + patches.map(\.name))
            .joined(separator: "\n")
    }
}
