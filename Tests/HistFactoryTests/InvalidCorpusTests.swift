import Foundation
import Testing
@testable import HistFactory

/// Every file of `fixtures/invalid` (made by `tools/make_invalid_corpus.py`, one broken rule each,
/// with pyhf 0.7.6's verdict recorded) must be rejected with an error naming the JSON path of the
/// problem and the rule that caught it.
@Suite struct InvalidCorpusTests {
    struct Case: CustomStringConvertible, Sendable {
        let file: String
        let path: String
        let rule: String
        let contains: String
        let pyhfVerdict: String
        var description: String { file }
    }

    static let cases: [Case] = {
        guard let json = try? JSONValue(parsing: Fixtures.data("invalid/cases.json")), let items = json.arrayValue else { return [] }
        return items.map { item in
            Case(
                file: item["file"]!.stringValue!, path: item["path"]!.stringValue!, rule: item["rule"]!.stringValue!,
                contains: item["contains"]!.stringValue!, pyhfVerdict: item["pyhf"]!["exception"]!.stringValue!)
        }
    }()

    static func ruleName(_ rule: ValidationIssue.Rule) -> String {
        switch rule {
        case .schema: return "schema"
        case .model(let kind): return kind.rawValue
        }
    }

    @Test func corpusCoversSchemaAndModelRules() {
        #expect(Self.cases.count >= 80)
        #expect(Self.cases.filter { $0.rule == "schema" }.count >= 50)
        #expect(Set(Self.cases.map(\.rule)).isSuperset(of: ["json", "schema", "invalidModel", "invalidModifier", "invalidNameReuse"]))
    }

    @Test(arguments: cases)
    func rejectedWithPathAndRule(_ c: Case) throws {
        let bytes = try Fixtures.data("invalid/" + c.file)
        do {
            _ = try WorkspaceDocument.validated(parsing: bytes, source: c.file)
            Issue.record("\(c.file) was accepted (pyhf 0.7.6: \(c.pyhfVerdict))")
        } catch .invalidJSON(let source, let error) {
            #expect(c.rule == "json", "\(c.file): unexpected JSON syntax error \(error)")
            #expect(source == c.file)
            #expect(error.line >= 1 && error.column >= 1)
        } catch .invalidSpecification(let source, _, let issues) {
            #expect(source == c.file)
            let match = issues.first { $0.path == c.path }
            #expect(match != nil, "\(c.file): expected an issue at \(c.path), got \(issues)")
            if let match {
                #expect(Self.ruleName(match.rule) == c.rule, "\(c.file): \(match)")
                #expect(match.message.lowercased().contains(c.contains.lowercased()), "\(c.file): \(match)")
            }
        } catch {
            Issue.record("\(c.file): unexpected error \(error)")
        }
    }

    /// Schema problems are all reported at once, not just the first.
    @Test func collectsEverySchemaViolation() throws {
        var json = try JSONValue(parsing: Fixtures.data("invalid/sample_data_string.json"))
        guard case .object(var root) = json else { return }
        root["version"] = "2.0"
        root["extra"] = 1
        json = .object(root)
        #expect(throws: WorkspaceError.self) { _ = try WorkspaceDocument(json) }
        do {
            _ = try WorkspaceDocument(json)
        } catch .invalidSpecification(_, _, let issues) {
            #expect(Set(issues.map(\.path)).isSuperset(of: ["version", "extra", "channels[0].samples[1].data[1]"]))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
