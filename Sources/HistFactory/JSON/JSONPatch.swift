// JSON Pointer (RFC 6901) and JSON Patch (RFC 6902) on `JSONValue`, with the failure classes of
// Python's `jsonpointer`/`jsonpatch` packages, which pyhf uses for patchsets and `--patch`.

/// Why a JSON Patch could not be applied (the classes of Python's `jsonpatch`).
public struct JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The patch document is malformed (`InvalidJsonPatch`).
        case invalidPatch
        /// A pointer is malformed or runs through a missing or scalar value (`JsonPointerException`).
        case invalidPointer
        /// The target location cannot take the operation (`JsonPatchConflict`).
        case conflict
        /// A `test` operation did not match (`JsonPatchTestFailed`).
        case testFailed
    }

    public var kind: Kind
    /// Position of the failing operation in the patch, when known.
    public var operationIndex: Int?
    public var message: String

    public init(_ kind: Kind, _ message: String, operationIndex: Int? = nil) {
        self.kind = kind
        self.message = message
        self.operationIndex = operationIndex
    }

    public var description: String {
        (operationIndex.map { "patch operation \($0): " } ?? "") + message
    }
}

/// A JSON Pointer: the unescaped reference tokens (`~1` → `/`, `~0` → `~`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public var tokens: [String]

    /// The pointer to the whole document (`""`).
    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses the string form (`""` or `/a/0/b~1c`).
    public init(parsing text: String) throws(JSONPatchError) {
        guard !text.isEmpty else {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPatchError(.invalidPointer, "JSON pointer '\(text)' must be empty or start with '/'")
        }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
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
                default: throw JSONPatchError(.invalidPointer, "JSON pointer '\(text)' has an invalid '~' escape")
                }
            }
            result.append(token)
        }
        tokens = result
    }

    /// The escaped string form.
    public var description: String {
        tokens.map { "/" + $0.replacingAll("~", with: "~0").replacingAll("/", with: "~1") }.joined()
    }

    /// Whether `self` is `other` or lies inside it.
    func isInside(_ other: JSONPointer) -> Bool { tokens.starts(with: other.tokens) }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

/// An array index token: `0` or digits without a leading zero (`-` is handled by the callers).
private func arrayIndex(_ token: String, _ pointer: JSONPointer) throws(JSONPatchError) -> Int {
    let digits = Array(token.utf8)
    guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
        digits.count == 1 || digits[0] != UInt8(ascii: "0"), let i = Int(token)
    else {
        throw JSONPatchError(.invalidPointer, "'\(token)' is not a valid array index in \(pointer)")
    }
    return i
}

extension JSONValue {
    /// The value at `pointer`, or `nil` if there is none.
    public subscript(pointer pointer: JSONPointer) -> JSONValue? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let o):
                guard let v = o[token] else { return nil }
                current = v
            case .array(let a):
                guard let i = try? arrayIndex(token, pointer), i < a.count else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// Runs `body` on the container holding the last token of `pointer` (in place, without copying
    /// the document). Walking errors are `invalidPointer`, as in Python's `jsonpointer`.
    fileprivate mutating func withParent<R>(
        of pointer: JSONPointer, depth: Int = 0, _ body: (inout JSONValue, String) throws(JSONPatchError) -> R
    ) throws(JSONPatchError) -> R {
        if depth == pointer.tokens.count - 1 { return try body(&self, pointer.tokens[depth]) }
        let token = pointer.tokens[depth]
        switch self {
        case .object(var o):
            guard let i = o.index(forKey: token) else {
                throw JSONPatchError(.invalidPointer, "member '\(token)' of \(pointer) not found")
            }
            self = .null
            defer { self = .object(o) }
            return try o.entries[i].value.withParent(of: pointer, depth: depth + 1, body)
        case .array(var a):
            let i = try arrayIndex(token, pointer)
            guard i < a.count else {
                throw JSONPatchError(.invalidPointer, "index \(i) of \(pointer) is out of bounds")
            }
            self = .null
            defer { self = .array(a) }
            return try a[i].withParent(of: pointer, depth: depth + 1, body)
        default:
            throw JSONPatchError(.invalidPointer, "\(pointer) runs through a \(typeName), which has no members")
        }
    }

    /// Checks that a pointer's last token can address an element of this container.
    fileprivate func requireContainer(_ token: String, _ pointer: JSONPointer) throws(JSONPatchError) {
        switch self {
        case .object, .array: return
        // Python treats a str as a sequence here, so the operation (not the pointer) fails.
        case .string: throw JSONPatchError(.conflict, "\(pointer) points into a string")
        default: throw JSONPatchError(.invalidPointer, "\(pointer) points into a \(typeName)")
        }
    }

    /// RFC 6902 `add`.
    fileprivate mutating func add(_ value: JSONValue, at pointer: JSONPointer) throws(JSONPatchError) {
        guard !pointer.tokens.isEmpty else { return self = value }
        try withParent(of: pointer) { (parent, token) throws(JSONPatchError) in
            try parent.requireContainer(token, pointer)
            switch parent {
            case .object(var o):
                parent = .null
                o[token] = value
                parent = .object(o)
            case .array(var a):
                let i = token == "-" ? a.count : try arrayIndex(token, pointer)
                guard i <= a.count else {
                    throw JSONPatchError(.conflict, "cannot insert at \(pointer): the array has \(a.count) elements")
                }
                parent = .null
                a.insert(value, at: i)
                parent = .array(a)
            default: break
            }
        }
    }

    /// RFC 6902 `remove`; returns the removed value.
    @discardableResult
    fileprivate mutating func remove(at pointer: JSONPointer) throws(JSONPatchError) -> JSONValue {
        guard !pointer.tokens.isEmpty else { throw JSONPatchError(.conflict, "cannot remove the whole document") }
        return try withParent(of: pointer) { (parent, token) throws(JSONPatchError) -> JSONValue in
            try parent.requireContainer(token, pointer)
            switch parent {
            case .object(var o):
                guard let old = o[token] else { throw JSONPatchError(.conflict, "cannot remove \(pointer): no such member") }
                parent = .null
                o[token] = nil
                parent = .object(o)
                return old
            case .array(var a):
                guard token != "-" else { throw JSONPatchError(.invalidPointer, "'-' does not name an element in \(pointer)") }
                let i = try arrayIndex(token, pointer)
                guard i < a.count else { throw JSONPatchError(.conflict, "cannot remove \(pointer): index out of range") }
                parent = .null
                let old = a.remove(at: i)
                parent = .array(a)
                return old
            default:
                return .null
            }
        }
    }

    /// RFC 6902 `replace`.
    fileprivate mutating func replace(with value: JSONValue, at pointer: JSONPointer) throws(JSONPatchError) {
        guard !pointer.tokens.isEmpty else { return self = value }
        try withParent(of: pointer) { (parent, token) throws(JSONPatchError) in
            try parent.requireContainer(token, pointer)
            switch parent {
            case .object(var o):
                guard o[token] != nil else { throw JSONPatchError(.conflict, "cannot replace \(pointer): no such member") }
                parent = .null
                o[token] = value
                parent = .object(o)
            case .array(var a):
                let i = token == "-" ? a.count : try arrayIndex(token, pointer)
                guard i < a.count else { throw JSONPatchError(.conflict, "cannot replace \(pointer): index out of range") }
                parent = .null
                a[i] = value
                parent = .array(a)
            default: break
            }
        }
    }

    /// The value a `move`/`copy` takes from `pointer` (a missing one is a conflict, as in `jsonpatch`).
    fileprivate func source(_ pointer: JSONPointer) throws(JSONPatchError) -> JSONValue {
        // `jsonpatch` looks the root up as a member named `None` of the document: a conflict.
        guard !pointer.tokens.isEmpty else { throw JSONPatchError(.conflict, "cannot take the whole document") }
        var copy = self
        return try copy.withParent(of: pointer) { (parent, token) throws(JSONPatchError) -> JSONValue in
            try parent.requireContainer(token, pointer)
            switch parent {
            case .object(let o):
                if let v = o[token] { return v }
            case .array(let a):
                if token != "-", let i = try? arrayIndex(token, pointer), i < a.count { return a[i] }
            default: break
            }
            throw JSONPatchError(.conflict, "nothing at \(pointer) to take")
        }
    }
}

/// An RFC 6902 JSON Patch: a list of operations applied in order.
public struct JSONPatch: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        case add(JSONPointer, JSONValue)
        case remove(JSONPointer)
        case replace(JSONPointer, JSONValue)
        case move(from: JSONPointer, to: JSONPointer)
        case copy(from: JSONPointer, to: JSONPointer)
        case test(JSONPointer, JSONValue)
    }

    public var operations: [Operation]

    public init(_ operations: [Operation]) { self.operations = operations }

    /// Reads a patch document (an array of operation objects).
    public init(_ json: JSONValue) throws(JSONPatchError) {
        guard let items = json.arrayValue else {
            throw JSONPatchError(.invalidPatch, "a JSON Patch must be an array of operations, found \(json.typeName)")
        }
        var operations: [Operation] = []
        for (index, item) in items.enumerated() {
            func fail(_ message: String) -> JSONPatchError { JSONPatchError(.invalidPatch, message, operationIndex: index) }
            func pointer(_ key: String) throws(JSONPatchError) -> JSONPointer {
                guard let text = item[key]?.stringValue else { throw fail("operation needs a string '\(key)'") }
                do { return try JSONPointer(parsing: text) } catch {
                    throw JSONPatchError(error.kind, error.message, operationIndex: index)
                }
            }
            func value() throws(JSONPatchError) -> JSONValue {
                guard let v = item["value"] else { throw fail("operation needs a 'value'") }
                return v
            }
            guard let op = item["op"]?.stringValue else { throw fail("operation needs a string 'op'") }
            switch op {
            case "add": operations.append(.add(try pointer("path"), try value()))
            case "remove": operations.append(.remove(try pointer("path")))
            case "replace": operations.append(.replace(try pointer("path"), try value()))
            case "move": operations.append(.move(from: try pointer("from"), to: try pointer("path")))
            case "copy": operations.append(.copy(from: try pointer("from"), to: try pointer("path")))
            case "test": operations.append(.test(try pointer("path"), try value()))
            default: throw fail("unknown operation '\(op)'")
            }
        }
        self.operations = operations
    }

    /// The patch as a JSON document.
    public var json: JSONValue {
        .array(
            operations.map { op in
                switch op {
                case .add(let p, let v): return ["op": "add", "path": .string(p.description), "value": v]
                case .remove(let p): return ["op": "remove", "path": .string(p.description)]
                case .replace(let p, let v): return ["op": "replace", "path": .string(p.description), "value": v]
                case .move(let f, let p): return ["op": "move", "from": .string(f.description), "path": .string(p.description)]
                case .copy(let f, let p): return ["op": "copy", "from": .string(f.description), "path": .string(p.description)]
                case .test(let p, let v): return ["op": "test", "path": .string(p.description), "value": v]
                }
            })
    }

    /// Applies every operation in order; the document is left unchanged if one fails.
    public func apply(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var doc = document
        for (index, op) in operations.enumerated() {
            do {
                try Self.apply(op, to: &doc)
            } catch {
                throw JSONPatchError(error.kind, error.message, operationIndex: index)
            }
        }
        return doc
    }

    private static func apply(_ op: Operation, to doc: inout JSONValue) throws(JSONPatchError) {
        switch op {
        case .add(let p, let v):
            try doc.add(v, at: p)
        case .remove(let p):
            try doc.remove(at: p)
        case .replace(let p, let v):
            try doc.replace(with: v, at: p)
        case .move(let from, let to):
            let value = try doc.source(from)
            if from == to { return }
            if to.isInside(from), to != from, from.tokens.count > 0,
                case .object? = doc[pointer: JSONPointer(tokens: Array(from.tokens.dropLast()))]
            {
                throw JSONPatchError(.conflict, "cannot move \(from) into its own child \(to)")
            }
            try doc.remove(at: from)
            try doc.add(value, at: to)
        case .copy(let from, let to):
            try doc.add(try doc.source(from), at: to)
        case .test(let p, let expected):
            guard let actual = doc[pointer: p] else { throw JSONPatchError(.testFailed, "test failed: nothing at \(p)") }
            guard actual == expected else {
                throw JSONPatchError(.testFailed, "test failed: \(p) is \(actual.brief()), not \(expected.brief())")
            }
        }
    }
}
