import Foundation
@testable import ROOTIO

/// Locates the package's fixtures/ folder from this source file.
enum Fixtures {
    static let package: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The shared fixtures (copied from ../shared/fixtures/root).
    static let root = package.appendingPathComponent("fixtures/root")
    /// More files from scikit-hep-testdata (see fixtures/root-extra/NOTICE).
    static let extra = package.appendingPathComponent("fixtures/root-extra")

    static func path(_ name: String) -> String {
        let shared = root.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: shared.path) ? shared.path : extra.appendingPathComponent(name).path
    }

    /// Every `*.truth.json` of both folders with its parsed JSON, sorted by name.
    static func truthFiles() throws -> [(name: String, truth: [String: Any])] {
        try [root, extra].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".truth.json") }
                .map { name in
                    let data = try Data(contentsOf: folder.appendingPathComponent(name))
                    return (name, try JSONSerialization.jsonObject(with: data) as! [String: Any])
                }
        }.sorted { $0.name < $1.name }
    }

    /// ROOT files of object-valued branches (fixtures/root-objects, with uproot's values).
    static func objectFiles() throws -> [String] {
        let folder = package.appendingPathComponent("fixtures/root-objects")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".root") }.sorted()
            .map { folder.appendingPathComponent($0).path }
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
