import Foundation
import Testing
@testable import HistFactory

/// The invalid-workspace corpus (`fixtures/invalid/*.json`, made by tools/make_invalid_workspaces.py
/// from Example 3 and checked against pyhf 0.7.6): each case must fail with its specific problem.
@Suite struct WorkspaceValidationTests {
    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("invalid").path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Every problem HEPKit reports for `json`: schema and structure at construction, then the models.
    static func issues(_ json: JSONValue) -> [ValidationIssue] {
        switch Result(catching: { () throws(WorkspaceError) in try WorkspaceDocument(json) }) {
        case .success(let document): return document.modelIssues()
        case .failure(.invalidSpecification(_, _, let issues)): return issues
        case .failure(let error): return [ValidationIssue(.root, expected: "a workspace", found: "\(error)")]
        }
    }

    static func rule(_ name: String) -> ValidationIssue.Rule? {
        switch name {
        case "schema": return .schema
        case "invalidModel": return .model(.invalidModel)
        case "invalidModifier": return .model(.invalidModifier)
        case "invalidNameReuse": return .model(.invalidNameReuse)
        case "invalidPdfData": return .model(.invalidPdfData)
        default: return nil
        }
    }

    @Test func corpusIsPresent() {
        #expect(Self.cases.count >= 60)
    }

    @Test(arguments: cases)
    func invalidWorkspaceIsRejectedWithItsProblem(name: String) throws {
        let file = try JSONValue(parsing: Array(try Fixtures.data("invalid/\(name).json")))
        let workspace = try #require(file["workspace"])
        let issues = Self.issues(workspace)
        let expected = try #require(file["expect"]?.arrayValue)
        #expect(!issues.isEmpty, "\(name) was accepted")
        for e in expected {
            let path = try #require(e["path"]?.stringValue), fragment = try #require(e["contains"]?.stringValue)
            let ruleName = try #require(e["rule"]?.stringValue)
            let rule = try #require(Self.rule(ruleName))
            let match = issues.contains {
                $0.path == path && $0.rule == rule && $0.message.lowercased().contains(fragment.lowercased())
            }
            #expect(match, "\(name): expected \(rule) at \(path) mentioning \(fragment); got \(issues)")
        }
    }

    /// Schema problems are all reported at once, with expected vs found.
    @Test func schemaIssuesAreCollected() throws {
        let file = try JSONValue(parsing: Array(try Fixtures.data("invalid/several_schema_errors.json")))
        let issues = Self.issues(try #require(file["workspace"]))
        #expect(issues.count == 3)
        #expect(issues.allSatisfy { $0.rule == .schema && $0.message.hasPrefix("expected ") && $0.message.contains(", found ") })
    }

    @Test(arguments: Fixtures.pyhfWorkspaces + ["../workspace/inputs/example3.json"])
    func validWorkspaceHasNoIssues(name: String) throws {
        let json = try JSONValue(parsing: Array(try Fixtures.data("pyhf/" + name)))
        #expect(Self.issues(json) == [])
    }

    @Test func syntaxErrorNamesLineAndColumn() {
        #expect(throws: WorkspaceError.self) { try WorkspaceDocument(parsing: Array("{\n  \"channels\": [1,]\n}".utf8), source: "ws.json") }
        do {
            _ = try WorkspaceDocument(parsing: Array("{\n  \"channels\": [1,]\n}".utf8), source: "ws.json")
        } catch {
            #expect(error.description.hasPrefix("ws.json: invalid JSON at line 2, column 18"))
        }
    }
}
