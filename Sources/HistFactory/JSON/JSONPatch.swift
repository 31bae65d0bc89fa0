// RFC 6901 JSON Pointer and RFC 6902 JSON Patch on `JSONValue`, with the failure classes and
// edge cases of Python's `jsonpointer`/`jsonpatch` packages that pyhf uses.

/// A JSON Pointer (RFC 6901): `""` is the whole document, `/a/0/b~1c` addresses
/// `doc["a"][0]["b/c"]` (`~0` escapes `~`, `~1` escapes `/`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public let tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses a pointer string.
    public init(_ text: String) throws(JSONPatchError) {
        guard !text.isEmpty else {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPatchError(.invalidPointer, "location must start with '/': \(JSONValue.string(text).brief())")
        }
        var result: [String] = []
        for raw in text.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            var token = ""
            var scalars = raw.unicodeScalars.makeIterator()
            while let c = scalars.next() {
                guard c == "~" else {
                    token.unicodeScalars.append(c)
                    continue
                }
                switch scalars.next() {
                case "0": token += "~"
                case "1": token += "/"
                default: throw JSONPatchError(.invalidPointer, "found stray '~' in pointer \(JSONValue.string(text).brief())")
                }
            }
            result.append(token)
        }
        tokens = result
    }

    public var description: String {
        tokens.map { "/" + $0.replacingAll("~", with: "~0").replacingAll("/", with: "~1") }.joined()
    }

    /// Whether `self` lies strictly inside `other`.
    func isStrictlyInside(_ other: JSONPointer) -> Bool {
        tokens.count > other.tokens.count && Array(tokens.prefix(other.tokens.count)) == other.tokens
    }

    /// An array index token: `0` or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        guard let first = token.utf8.first, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
            first != 48 || token.utf8.count == 1
        else { return nil }
        return Int(token)
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// A failed JSON Pointer resolution or JSON Patch operation.
public struct JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failure class (the Python exception `jsonpatch` raises).
    public enum Kind: String, Sendable {
        /// `JsonPointerException`: malformed pointer or a path that does not resolve.
        case invalidPointer = "JsonPointerException"
        /// `JsonPatchConflict`: the operation's target is missing or out of range.
        case conflict = "JsonPatchConflict"
        /// `JsonPatchTestFailed`: a `test` operation did not match.
        case testFailed = "JsonPatchTestFailed"
        /// `InvalidJsonPatch`: the operation object itself is malformed.
        case invalidPatch = "InvalidJsonPatch"
    }

    public let kind: Kind
    public let message: String
    /// Position of the failing operation in its patch, when applying a patch.
    public var operationIndex: Int?

    public init(_ kind: Kind, _ message: String, operationIndex: Int? = nil) {
        self.kind = kind
        self.message = message
        self.operationIndex = operationIndex
    }

    public var description: String {
        (operationIndex.map { "patch operation \($0): " } ?? "") + message
    }
}

/// One JSON Patch operation.
public enum JSONPatchOperation: Sendable, Equatable {
    case add(JSONPointer, JSONValue)
    case remove(JSONPointer)
    case replace(JSONPointer, JSONValue)
    case move(from: JSONPointer, to: JSONPointer)
    case copy(from: JSONPointer, to: JSONPointer)
    case test(JSONPointer, JSONValue)

    /// Reads an operation object (`{"op": ..., "path": ..., ...}`).
    public init(json: JSONValue) throws(JSONPatchError) {
        guard let object = json.objectValue else {
            throw JSONPatchError(.invalidPatch, "operation must be an object, found \(json.brief())")
        }
        guard let op = object["op"]?.stringValue else { throw JSONPatchError(.invalidPatch, "operation has no string 'op'") }
        guard let pathText = object["path"]?.stringValue else {
            throw JSONPatchError(.invalidPatch, "operation '\(op)' has no string 'path'")
        }
        let path = try JSONPointer(pathText)
        func value() throws(JSONPatchError) -> JSONValue {
            guard let v = object["value"] else { throw JSONPatchError(.invalidPatch, "operation '\(op)' has no 'value'") }
            return v
        }
        func from() throws(JSONPatchError) -> JSONPointer {
            guard let f = object["from"]?.stringValue else {
                throw JSONPatchError(.invalidPatch, "operation '\(op)' has no string 'from'")
            }
            return try JSONPointer(f)
        }
        switch op {
        case "add": self = .add(path, try value())
        case "remove": self = .remove(path)
        case "replace": self = .replace(path, try value())
        case "move": self = .move(from: try from(), to: path)
        case "copy": self = .copy(from: try from(), to: path)
        case "test": self = .test(path, try value())
        default: throw JSONPatchError(.invalidPatch, "unknown operation '\(op)'")
        }
    }

    /// The operation as its JSON object.
    public var json: JSONValue {
        switch self {
        case .add(let p, let v): return ["op": "add", "path": .string(p.description), "value": v]
        case .remove(let p): return ["op": "remove", "path": .string(p.description)]
        case .replace(let p, let v): return ["op": "replace", "path": .string(p.description), "value": v]
        case .move(let f, let p): return ["op": "move", "from": .string(f.description), "path": .string(p.description)]
        case .copy(let f, let p): return ["op": "copy", "from": .string(f.description), "path": .string(p.description)]
        case .test(let p, let v): return ["op": "test", "path": .string(p.description), "value": v]
        }
    }

    /// Short label for messages, e.g. `replace /channels/0/samples/1/data`.
    public var summary: String {
        switch self {
        case .add(let p, _): return "add \(p)"
        case .remove(let p): return "remove \(p)"
        case .replace(let p, _): return "replace \(p)"
        case .move(let f, let p): return "move \(f) to \(p)"
        case .copy(let f, let p): return "copy \(f) to \(p)"
        case .test(let p, _): return "test \(p)"
        }
    }
}

/// An RFC 6902 patch: operations applied in order; the first failure aborts.
public struct JSONPatch: Sendable, Equatable {
    public var operations: [JSONPatchOperation]

    public init(_ operations: [JSONPatchOperation]) { self.operations = operations }

    /// Reads a patch document (an array of operation objects).
    public init(json: JSONValue) throws(JSONPatchError) {
        guard let items = json.arrayValue else { throw JSONPatchError(.invalidPatch, "a patch must be an array of operations") }
        var operations: [JSONPatchOperation] = []
        for (i, item) in items.enumerated() {
            do throws(JSONPatchError) {
                operations.append(try JSONPatchOperation(json: item))
            } catch {
                var e = error
                e.operationIndex = i
                throw e
            }
        }
        self.operations = operations
    }

    public var json: JSONValue { .array(operations.map(\.json)) }

    /// Applies every operation to `document`.
    public func apply(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var doc = document
        for (i, operation) in operations.enumerated() {
            do throws(JSONPatchError) {
                try operation.apply(to: &doc)
            } catch {
                var e = error
                e.operationIndex = i
                throw e
            }
        }
        return doc
    }
}

extension JSONPatchOperation {
    func apply(to doc: inout JSONValue) throws(JSONPatchError) {
        switch self {
        case .add(let path, let value):
            try doc.add(value, at: path)
        case .remove(let path):
            _ = try doc.remove(at: path)
        case .replace(let path, let value):
            try doc.replace(at: path, with: value)
        case .move(let from, let to):
            guard from != to else {
                _ = try doc.value(at: from, missing: .conflict)
                return
            }
            let parentIsObject = (try? doc.value(at: JSONPointer(tokens: from.tokens.dropLast())))?.objectValue != nil
            let value = try doc.value(at: from, missing: .conflict)
            if parentIsObject && to.isStrictlyInside(from) {
                throw JSONPatchError(.conflict, "cannot move values into their own children")
            }
            _ = try doc.remove(at: from)
            try doc.add(value, at: to)
        case .copy(let from, let to):
            try doc.add(try doc.value(at: from, missing: .conflict), at: to)
        case .test(let path, let expected):
            let actual: JSONValue
            do throws(JSONPatchError) {
                actual = try doc.value(at: path)
            } catch {
                throw JSONPatchError(.testFailed, "test of \(path) failed: \(error.message)")
            }
            guard actual == expected else {
                throw JSONPatchError(.testFailed, "test of \(path) failed: \(actual.brief()) is not equal to \(expected.brief())")
            }
        }
    }
}

extension JSONValue {
    /// The value a pointer designates; `missing` says which failure class a missing final member is.
    public func value(at pointer: JSONPointer, missing: JSONPatchError.Kind = .invalidPointer) throws(JSONPatchError) -> JSONValue {
        var current = self
        for (i, token) in pointer.tokens.enumerated() {
            let kind: JSONPatchError.Kind = i == pointer.tokens.count - 1 ? missing : .invalidPointer
            current = try current.child(token, missing: kind)
        }
        return current
    }

    private func child(_ token: String, missing: JSONPatchError.Kind) throws(JSONPatchError) -> JSONValue {
        switch self {
        case .object(let object):
            guard let v = object[token] else { throw JSONPatchError(missing, "member '\(token)' not found") }
            return v
        case .array(let items):
            guard let i = JSONPointer.arrayIndex(token) else {
                throw JSONPatchError(.invalidPointer, "'\(token)' is not a valid array index")
            }
            guard i < items.count else { throw JSONPatchError(missing, "index \(i) is out of bounds (array of \(items.count))") }
            return items[i]
        default:
            throw JSONPatchError(.invalidPointer, "cannot index \(typeName) with '\(token)'")
        }
    }

    /// Runs `body` on the container that holds the pointer's last token.
    private mutating func withParent<R>(
        of pointer: JSONPointer, _ body: (inout JSONValue, String) throws(JSONPatchError) -> R
    ) throws(JSONPatchError) -> R {
        try withNode(Array(pointer.tokens.dropLast())[...]) { (parent: inout JSONValue) throws(JSONPatchError) -> R in
            try body(&parent, pointer.tokens.last!)
        }
    }

    private mutating func withNode<R>(
        _ tokens: ArraySlice<String>, _ body: (inout JSONValue) throws(JSONPatchError) -> R
    ) throws(JSONPatchError) -> R {
        guard let token = tokens.first else { return try body(&self) }
        switch self {
        case .object(var object):
            guard var child = object[token] else { throw JSONPatchError(.invalidPointer, "member '\(token)' not found") }
            self = .null  // release the reference so the child is mutated in place
            defer {
                object[token] = child
                self = .object(object)
            }
            object[token] = .null
            return try child.withNode(tokens.dropFirst(), body)
        case .array(var items):
            guard let i = JSONPointer.arrayIndex(token) else {
                throw JSONPatchError(.invalidPointer, "'\(token)' is not a valid array index")
            }
            guard i < items.count else { throw JSONPatchError(.invalidPointer, "index \(i) is out of bounds (array of \(items.count))") }
            var child = items[i]
            self = .null
            items[i] = .null
            defer {
                items[i] = child
                self = .array(items)
            }
            return try child.withNode(tokens.dropFirst(), body)
        default:
            throw JSONPatchError(.invalidPointer, "cannot index \(typeName) with '\(token)'")
        }
    }

    /// The failure for an operation whose parent is not a container: `jsonpointer` treats a string
    /// as a sequence (a valid index token gets as far as the operation, a conflict), anything else
    /// cannot be indexed at all.
    fileprivate static func unresolvable(_ parent: JSONValue, _ pointer: JSONPointer, _ token: String) -> JSONPatchError {
        if case .string = parent, token == "-" || JSONPointer.arrayIndex(token) != nil {
            return JSONPatchError(.conflict, "unable to fully resolve json pointer \(pointer), part \(token)")
        }
        return JSONPatchError(.invalidPointer, "cannot index \(parent.typeName) at \(pointer)")
    }

    mutating func add(_ value: JSONValue, at pointer: JSONPointer) throws(JSONPatchError) {
        guard !pointer.tokens.isEmpty else {
            self = value
            return
        }
        try withParent(of: pointer) { (parent: inout JSONValue, token: String) throws(JSONPatchError) in
            switch parent {
            case .object(var object):
                object[token] = value
                parent = .object(object)
            case .array(var items):
                if token == "-" {
                    items.append(value)
                } else {
                    guard let i = JSONPointer.arrayIndex(token) else {
                        throw JSONPatchError(.invalidPointer, "'\(token)' is not a valid array index")
                    }
                    guard i <= items.count else { throw JSONPatchError(.conflict, "can't insert outside of list") }
                    items.insert(value, at: i)
                }
                parent = .array(items)
            default:
                throw JSONValue.unresolvable(parent, pointer, token)
            }
        }
    }

    mutating func remove(at pointer: JSONPointer) throws(JSONPatchError) -> JSONValue {
        guard !pointer.tokens.isEmpty else { throw JSONPatchError(.conflict, "cannot remove the whole document") }
        return try withParent(of: pointer) { (parent: inout JSONValue, token: String) throws(JSONPatchError) -> JSONValue in
            switch parent {
            case .object(var object):
                guard let old = object[token] else { throw JSONPatchError(.conflict, "can't remove a non-existent object '\(token)'") }
                object[token] = nil
                parent = .object(object)
                return old
            case .array(var items):
                guard let i = JSONPointer.arrayIndex(token) else {
                    throw JSONPatchError(.invalidPointer, "invalid array index '\(token)'")
                }
                guard i < items.count else { throw JSONPatchError(.conflict, "can't remove a non-existent index \(i)") }
                let old = items.remove(at: i)
                parent = .array(items)
                return old
            default:
                throw JSONValue.unresolvable(parent, pointer, token)
            }
        }
    }

    mutating func replace(at pointer: JSONPointer, with value: JSONValue) throws(JSONPatchError) {
        guard !pointer.tokens.isEmpty else {
            self = value
            return
        }
        try withParent(of: pointer) { (parent: inout JSONValue, token: String) throws(JSONPatchError) in
            switch parent {
            case .object(var object):
                guard object[token] != nil else { throw JSONPatchError(.conflict, "can't replace a non-existent object '\(token)'") }
                object[token] = value
                parent = .object(object)
            case .array(var items):
                guard let i = JSONPointer.arrayIndex(token) else {
                    throw JSONPatchError(.invalidPointer, "'\(token)' is not a valid array index")
                }
                guard i < items.count else { throw JSONPatchError(.conflict, "can't replace outside of list") }
                items[i] = value
                parent = .array(items)
            default:
                throw JSONValue.unresolvable(parent, pointer, token)
            }
        }
    }
}
