/// Text that the pyhf workspace commands print, shared by the `hepkit` CLI and the tests.
public enum CommandOutput {
    /// `json.dumps(value, indent=4, sort_keys=True)` as printed by `click.echo` (with a newline).
    public static func json(_ value: JSONValue) -> String {
        value.pythonJSON(indent: 4, sortKeys: true, ensureASCII: true) + "\n"
    }

    /// The content `json.dump(value, file, indent=4, sort_keys=True)` writes (no final newline).
    public static func jsonFile(_ value: JSONValue) -> String {
        value.pythonJSON(indent: 4, sortKeys: true, ensureASCII: true)
    }

    /// `pyhf digest`: `alg:hex` lines, or a JSON object with `--json`. Repeated algorithms are
    /// reported once, in first-mention order (a Python dict).
    public static func digests(_ document: WorkspaceDocument, algorithms: [HashAlgorithm], asJSON: Bool) -> String {
        var seen = Set<HashAlgorithm>()
        let unique = algorithms.filter { seen.insert($0).inserted }
        let pairs = unique.map { ($0.rawValue, document.digest($0)) }
        if asJSON { return json(.object(JSONObject(pairs.map { ($0.0, .string($0.1)) }))) }
        return pairs.map { "\($0.0):\($0.1)" }.joined(separator: "\n") + "\n"
    }

    /// `pyhf patchset inspect`.
    public static func patchSetListing(_ patchSet: PatchSet) -> String {
        "\n    \(patchSet.patches.count) patches found in Patchset\n---------------------------------\n\n"
            + patchSet.patches.map { $0.name + "\n" }.joined()
    }

    /// `pyhf patchset verify` on success.
    public static let verified = "All good.\n"
}
