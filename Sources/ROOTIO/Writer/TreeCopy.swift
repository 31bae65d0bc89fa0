extension WritableTree {
    /// A branch of a tree that ``copying(_:name:entriesPerBasket:)`` could not copy, and why.
    public struct SkippedBranch: Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    /// The numeric branches of `tree` (numbers, fixed arrays, variable-length arrays with their
    /// counter branches) as a tree to write; counter branches are written with the arrays they
    /// count, and branches of other kinds (objects, strings, split parents) are skipped and listed.
    public static func copying(
        _ tree: ROOTTree, name: String, entriesPerBasket: Int
    ) throws -> (tree: WritableTree, skipped: [SkippedBranch]) {
        var copy = WritableTree(name: name, title: tree.title, entriesPerBasket: entriesPerBasket)
        var skipped: [SkippedBranch] = []
        let counters = Set(tree.branches.compactMap(counterName))
        for branch in tree.branches where !counters.contains(branch.name) {
            let path = "\(tree.path)/\(branch.name)"
            guard branch.typeName != nil, branch.branches.isEmpty else {
                skipped.append(SkippedBranch(path: path, reason: "not a numeric leaf"))
                continue
            }
            do {
                try copy.add(branch.name, column: try branch.column(), counter: counterName(of: branch) ?? "n\(branch.name)")
            } catch let error as ROOTWriteError {
                skipped.append(SkippedBranch(path: path, reason: error.description))
            }
        }
        return (copy, skipped)
    }

    /// `n` of a leaf-list title `x[n]/F`; nil for fixed sizes or no brackets.
    private static func counterName(of branch: ROOTBranch) -> String? {
        guard let open = branch.title.firstIndex(of: "["), let close = branch.title[open...].firstIndex(of: "]") else { return nil }
        let inside = String(branch.title[branch.title.index(after: open) ..< close])
        return Int(inside) == nil && !inside.isEmpty ? inside : nil
    }
}
