import Foundation
@testable import ROOTIO

/// Locates the package's fixtures/ folder from this source file.
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/root")

    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Every `*.truth.json` with its parsed JSON, sorted by name.
    static func truthFiles() throws -> [(name: String, truth: [String: Any])] {
        try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { $0.hasSuffix(".truth.json") }.sorted()
            .map { name in
                let data = try Data(contentsOf: root.appendingPathComponent(name))
                return (name, try JSONSerialization.jsonObject(with: data) as! [String: Any])
            }
    }

    /// ROOT files that have a truth file and hold TTrees or histograms (RNTuple files excluded).
    static func classicFiles() throws -> [String] {
        try truthFiles().compactMap { entry in
            let objects = entry.truth["objects"] as? [[String: Any]] ?? []
            guard objects.contains(where: { ($0["class"] as? String) != "ROOT::RNTuple" }) else { return nil }
            return path(entry.truth["file"] as? String ?? entry.name.replacingOccurrences(of: ".truth.json", with: ".root"))
        }
    }
}

extension Column {
    /// All values flattened to Double (bool → 0/1), in entry order.
    var flatDoubles: [Double] { (0 ..< values.count).map(values.double(at:)) }
}
