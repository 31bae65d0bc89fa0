import Foundation

/// Locates the package's `fixtures/` directory from this source file.
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func data(_ relative: String) throws -> Data { try Data(contentsOf: url(relative)) }

    /// The pyhf workspaces (`fixtures/pyhf/*.json` without the `.truth.json` files), sorted.
    static var pyhfWorkspaces: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url("pyhf").path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".truth.json") }.sorted()
    }
}
