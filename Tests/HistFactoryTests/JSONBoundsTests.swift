import Foundation
import Testing

@testable import HistFactory

/// Hostile JSON: repeated keys, deep nesting, huge integers and huge objects give clear errors
/// (issue 9) instead of a silent last-wins value, a stack overflow or quadratic time.
@Suite struct JSONBoundsTests {
    static let workspaceWithTwoData = """
        {"channels": [{"name": "c", "samples": [{"name": "s", "data": [5.0],
          "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
         "observations": [{"name": "c", "data": [5.0], "data": [50.0]}],
         "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
         "version": "1.0.0"}
        """

    @Test func repeatedKeyIsAnErrorNamingKeyAndPath() throws {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: Self.workspaceWithTwoData) }
        do {
            _ = try WorkspaceDocument(parsing: Array(Self.workspaceWithTwoData.utf8), source: "ws.json")
            Issue.record("a repeated key was accepted")
        } catch {
            guard case .invalidJSON(let source, let syntax) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(source == "ws.json")
            #expect(syntax.path.description == "observations[0].data")
            #expect(syntax.line == 3)
            #expect(syntax.message == "duplicate key \"data\" in object")
            #expect(
                error.description
                    == "ws.json: invalid JSON at line 3, column 48 (observations[0].data): duplicate key \"data\" in object")
        }
    }

    @Test func repeatedKeyInALargeObjectIsFound() throws {
        let members = (0..<20_000).map { "\"k\($0)\": \($0)" } + ["\"k17\": 0"]
        let text = "{\"outer\": [{" + members.joined(separator: ", ") + "}]}"
        let error = try #require(throws: JSONSyntaxError.self) { try JSONValue(parsing: text) }
        #expect(error.path.description == "outer[0].k17")
        // Distinct keys keep their order.
        let fine = try JSONValue(parsing: "{" + members.dropLast().joined(separator: ", ") + "}")
        #expect(fine.objectValue?.count == 20_000)
        #expect(fine.objectValue?.keys.last == "k19999")
    }

    @Test func syntaxErrorsNameTheirPath() throws {
        let error = try #require(throws: JSONSyntaxError.self) {
            try JSONValue(parsing: "{\"channels\": [{\"name\": \"a\"}, {\"name\": tru}]}")
        }
        #expect(error.path.description == "channels[1].name")
        #expect(error.message == "invalid literal")
    }

    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
        for depth in [513, 200_000] {
            let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let error = try #require(throws: JSONSyntaxError.self) { try JSONValue(parsing: deep) }
            #expect(error.message == "nesting deeper than 512 levels")
            #expect(error.offset == 512)
        }
        let objects = String(repeating: "{\"a\":", count: 100_000)
        let error = try #require(throws: JSONSyntaxError.self) { try JSONValue(parsing: objects) }
        #expect(error.message == "nesting deeper than 512 levels")
    }

    /// Python's `json.loads` refuses integers of more than 4300 digits (`int` conversion limit).
    @Test func integerDigitsAreBounded() throws {
        let limit = String(repeating: "7", count: 4300)
        #expect(try JSONValue(parsing: "[\(limit)]")[0]?.numberValue?.integerText == limit)
        let error = try #require(throws: JSONSyntaxError.self) {
            try JSONValue(parsing: "[1, " + String(repeating: "7", count: 4301) + "]")
        }
        #expect(error.message == "integer of 4301 digits exceeds the limit of 4300 digits")
        #expect(error.path.description == "[1]")
    }
}

extension JSONValue {
    fileprivate subscript(index: Int) -> JSONValue? { arrayValue.flatMap { $0.indices.contains(index) ? $0[index] : nil } }
}
