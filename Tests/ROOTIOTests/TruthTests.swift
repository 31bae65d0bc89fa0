import Foundation
import Testing
@testable import ROOTIO

/// Every TTree branch and histogram of every fixture against the uproot-made truth files.
@Suite struct TruthTests {
    static let files: [String] = (try? Fixtures.truthFiles().map(\.name)) ?? []

    @Test(arguments: files)
    func fixtureMatchesTruth(_ name: String) throws {
        let truth = try #require(try Fixtures.truthFiles().first { $0.name == name }?.truth)
        let file = try ROOTFile(path: Fixtures.path(truth["file"] as! String))
        var checked = 0
        for object in truth["objects"] as? [[String: Any]] ?? [] {
            let path = (object["path"] as! String).split(separator: ";")[0]
            let className = object["class"] as? String ?? ""
            if let branches = object["branches"] as? [[String: Any]] {
                let tree = try file.tree(String(path))
                #expect(tree.entryCount == object["entries"] as? Int64 ?? Int64(object["entries"] as! Int))
                for branch in branches where ["scalar", "fixed", "jagged", "jagged2", "string", "record"].contains(branch["kind"] as? String) {
                    try checkBranch(tree, branch)
                    checked += 1
                }
            } else if className.hasPrefix("TH") || className.hasPrefix("TProfile"), object["values"] != nil {
                try checkHistogram(try file.histogram(String(path)), object)
                checked += 1
            }
        }
        if !(truth["objects"] as? [[String: Any]] ?? []).allSatisfy({ ($0["class"] as? String) == "ROOT::RNTuple" }) {
            #expect(checked > 0, "\(name): nothing checked")
        }
    }

    private func checkBranch(_ tree: ROOTTree, _ truth: [String: Any]) throws {
        let name = truth["name"] as! String
        let column = try tree.branch(name).column()
        #expect(column.entryCount == truth["entries"] as! Int, "\(name)")
        switch truth["kind"] as! String {
        case "string":
            guard case .string(let strings) = column.values else { Issue.record("\(name) is not strings"); return }
            #expect(stringsDigest(strings) == truth["sha256"] as? String, "\(name)")
        case "record":
            guard case .record(let fields) = column.values else { Issue.record("\(name) is not a record"); return }
            for fieldTruth in truth["fields"] as! [[String: Any]] {
                let field = try #require(fields.first { $0.name == fieldTruth["name"] as? String }, "\(name).\(fieldTruth["name"]!)")
                checkNumbers(field.column.flatDoubles, fieldTruth, "\(name).\(field.name)")
            }
        default:
            checkNumbers(column.flatDoubles, truth, name)
            checkSummary(column.summary(), truth, name)
            if truth["kind"] as? String == "jagged", let items = truth["count_sum"] as? Int {
                #expect(column.offsets?.last == items, "\(name) items")
            }
        }
    }

    private func checkNumbers(_ values: [Double], _ truth: [String: Any], _ label: String) {
        #expect(values.count == truth["n_values"] as? Int, "\(label) count")
        #expect(valuesDigest(values) == truth["sha256"] as? String, "\(label) sha256")
        if let sum = truth["sum"] as? Double {
            let ours = values.filter(\.isFinite).reduce(0, +)
            #expect(abs(ours - sum) <= 1e-9 * max(1, abs(sum)), "\(label) sum \(ours) vs \(sum)")
        }
    }

    /// `hepkit stats`' numbers against uproot's (lane-wise partial sums change the rounding, not the value).
    private func checkSummary(_ summary: Column.Summary, _ truth: [String: Any], _ label: String) {
        #expect(summary.items == truth["n_values"] as? Int, "\(label) summary items")
        guard truth["nan_count"] as? Int == 0, let sum = truth["sum"] as? Double,
              let minimum = truth["min"] as? Double, let maximum = truth["max"] as? Double else { return }
        #expect(abs(summary.sum - sum) <= 1e-9 * max(1, abs(sum)), "\(label) summary sum \(summary.sum) vs \(sum)")
        if summary.items > 0 {
            // the truth files print min and max with 16 significant digits
            #expect(abs(summary.min - minimum) <= 1e-13 * max(1, abs(minimum)) && abs(summary.max - maximum) <= 1e-13 * max(1, abs(maximum)),
                    "\(label) summary min/max \(summary.min) \(summary.max) vs \(minimum) \(maximum)")
        }
    }

    private func checkHistogram(_ histogram: Histogram, _ truth: [String: Any]) throws {
        let label = histogram.name
        let edges = truth["edges"] as! [[Double]]
        #expect(histogram.dimension == edges.count, "\(label) dimension")
        for (axis, expected) in zip(histogram.axes, edges) {
            #expect(close(axis.edges, expected), "\(label) edges")
        }
        if let values = truth["values"] as? [Double] { #expect(close(histogram.values, values), "\(label) values") }
        if truth["values"] == nil || truth["values"] is NSNull { #expect(truth["values_stats"] is [String: Any], "\(label) has values") }
        if let flow = truth["values_flow"] as? [Double] { #expect(close(histogram.valuesWithFlow, flow), "\(label) values_flow") }
        if let variances = truth["variances"] as? [Double] {
            #expect(close(histogram.sumw2WithFlow ?? [], variances), "\(label) variances")
        } else if truth["variances"] is NSNull, truth["variances_stats"] is NSNull {
            #expect(histogram.sumw2WithFlow == nil, "\(label) has no sumw2")
        }
        for (key, ours) in [("values", histogram.values), ("values_flow", histogram.valuesWithFlow), ("variances", histogram.sumw2WithFlow)] {
            guard let stats = truth[key + "_stats"] as? [String: Any] else { continue }
            #expect(ours.map(valuesDigest) == stats["sha256"] as? String, "\(label) \(key) sha256")
        }
    }

    private func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($0), abs($1)) }
    }
}
