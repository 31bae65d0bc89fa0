extension Expression {
    /// Parses `source`.
    ///
    /// - Throws: ``ExpressionError`` of kind `.syntax` with the column of the first problem, also
    ///   for a source longer than ``maximumLength`` or a tree deeper than ``maximumDepth``.
    public static func parse(_ source: String) throws(ExpressionError) -> Expression {
        let length = source.unicodeScalars.count
        guard length <= maximumLength else {
            throw ExpressionError(
                kind: .syntax, source: source, span: maximumLength..<length,
                message: "expression longer than \(maximumLength) characters (\(length))")
        }
        var parser = try Parser(source)
        let expression = try parser.parseOr()
        guard parser.current.kind == .end else {
            throw parser.error("unexpected '\(parser.current.text)' after a complete expression", parser.current.span)
        }
        return expression
    }
}

/// A lexical token.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name
        case symbol
        case end
    }
    var kind: Kind
    var text: String
    var span: Range<Int>
}

/// Splits the source into tokens.
struct Lexer {
    let source: String
    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ source: String) {
        self.source = source
        self.scalars = Array(source.unicodeScalars)
    }

    static let symbols = ["<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "<", ">", "!", "(", ")", "[", "]", ","]

    mutating func next() throws(ExpressionError) -> Token {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
        let start = position
        guard position < scalars.count else { return Token(kind: .end, text: "end of expression", span: start..<start) }
        let c = scalars[position]
        if c.isDigit || (c == "." && position + 1 < scalars.count && scalars[position + 1].isDigit) {
            return try number(from: start)
        }
        if c.isNameStart {
            while position < scalars.count, scalars[position].isNamePart { position += 1 }
            return Token(kind: .name, text: text(start..<position), span: start..<position)
        }
        for symbol in Self.symbols where matches(symbol, at: start) {
            position += symbol.unicodeScalars.count
            return Token(kind: .symbol, text: symbol, span: start..<position)
        }
        let hint = c == "=" ? " (did you mean '=='?)" : c == "&" ? " (did you mean '&&'?)" : c == "|" ? " (did you mean '||'?)" : ""
        throw ExpressionError(
            kind: .syntax, source: source, span: start..<start + 1, message: "unexpected character '\(c)'\(hint)")
    }

    private mutating func number(from start: Int) throws(ExpressionError) -> Token {
        while position < scalars.count, scalars[position].isDigit || scalars[position] == "." { position += 1 }
        if position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
            var end = position + 1
            if end < scalars.count, scalars[end] == "+" || scalars[end] == "-" { end += 1 }
            if end < scalars.count, scalars[end].isDigit {
                position = end
                while position < scalars.count, scalars[position].isDigit { position += 1 }
            }
        }
        let literal = text(start..<position)
        guard position >= scalars.count || !scalars[position].isNamePart, let value = Double(literal) else {
            while position < scalars.count, scalars[position].isNamePart { position += 1 }
            throw ExpressionError(
                kind: .syntax, source: source, span: start..<position,
                message: "malformed number '\(text(start..<position))'")
        }
        return Token(kind: .number(value), text: literal, span: start..<position)
    }

    private func matches(_ symbol: String, at start: Int) -> Bool {
        let s = Array(symbol.unicodeScalars)
        return start + s.count <= scalars.count && Array(scalars[start..<start + s.count]) == s
    }

    private func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }
}

extension Unicode.Scalar {
    var isDigit: Bool { ("0"..."9").contains(self) }
    var isNameStart: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) || self == "_" }
    /// Branch names may contain dots (`Jet.pt`) as ROOT's split branches do.
    var isNamePart: Bool { isNameStart || isDigit || self == "." }
}

/// Recursive-descent parser over the token stream (grammar in ``Expression``).
struct Parser {
    var lexer: Lexer
    var current: Token
    /// How many recursive calls (parentheses, arguments, unary operators) are open; bounded by
    /// ``Expression/maximumDepth`` before recursing, as the tree they build would be.
    var nesting = 0

    init(_ source: String) throws(ExpressionError) {
        lexer = Lexer(source)
        current = Token(kind: .end, text: "", span: 0..<0)
        current = try lexer.next()
    }

    func error(_ message: String, _ span: Range<Int>) -> ExpressionError {
        ExpressionError(kind: .syntax, source: lexer.source, span: span, message: message)
    }

    mutating func advance() throws(ExpressionError) -> Token {
        let token = current
        current = try lexer.next()
        return token
    }

    func tooDeep(_ span: Range<Int>) -> ExpressionError {
        error("expression nested deeper than \(Expression.maximumDepth) levels", span)
    }

    /// Runs `body` one recursion level deeper, failing at `token` past the limit.
    mutating func nested<T>(at token: Token, _ body: (inout Parser) throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        guard nesting < Expression.maximumDepth else { throw tooDeep(token.span) }
        nesting += 1
        defer { nesting -= 1 }
        return try body(&self)
    }

    /// The node, unless its tree is deeper than the limit (long chains like `a + b + ...` grow
    /// the tree without recursing in the parser).
    func node(_ node: Expression.Node, span: Range<Int>) throws(ExpressionError) -> Expression {
        let e = Expression(node, span: span)
        guard e.depth <= Expression.maximumDepth else { throw tooDeep(span) }
        return e
    }

    func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol && current.text == symbol }

    mutating func expect(_ symbol: String, closing open: Token? = nil) throws(ExpressionError) {
        guard isSymbol(symbol) else {
            let found = current.kind == .end ? "end of expression" : "'\(current.text)'"
            let context = open.map { " to close '\($0.text)' at column \($0.span.lowerBound + 1)" } ?? ""
            throw error("expected '\(symbol)'\(context), found \(found)", current.span)
        }
        _ = try advance()
    }

    mutating func parseOr() throws(ExpressionError) -> Expression {
        try parseLeftAssociative([.or]) { (p: inout Parser) throws(ExpressionError) in try p.parseAnd() }
    }

    mutating func parseAnd() throws(ExpressionError) -> Expression {
        try parseLeftAssociative([.and]) { (p: inout Parser) throws(ExpressionError) in try p.parseComparison() }
    }

    mutating func parseComparison() throws(ExpressionError) -> Expression {
        let lhs = try parseSum()
        guard current.kind == .symbol, let op = BinaryOperator(rawValue: current.text), op.isComparison else {
            return lhs
        }
        _ = try advance()
        let rhs = try parseSum()
        if current.kind == .symbol, let next = BinaryOperator(rawValue: current.text), next.isComparison {
            throw error("comparisons cannot be chained; combine them with '&&'", current.span)
        }
        return try node(.binary(op, lhs, rhs), span: lhs.span.lowerBound..<rhs.span.upperBound)
    }

    mutating func parseSum() throws(ExpressionError) -> Expression {
        try parseLeftAssociative([.add, .subtract]) { (p: inout Parser) throws(ExpressionError) in try p.parseProduct() }
    }

    mutating func parseProduct() throws(ExpressionError) -> Expression {
        try parseLeftAssociative([.multiply, .divide]) { (p: inout Parser) throws(ExpressionError) in try p.parseUnary() }
    }

    mutating func parseLeftAssociative(
        _ operators: [BinaryOperator], operand: (inout Parser) throws(ExpressionError) -> Expression
    ) throws(ExpressionError) -> Expression {
        var lhs = try operand(&self)
        while current.kind == .symbol, let op = BinaryOperator(rawValue: current.text), operators.contains(op) {
            _ = try advance()
            let rhs = try operand(&self)
            lhs = try node(.binary(op, lhs, rhs), span: lhs.span.lowerBound..<rhs.span.upperBound)
        }
        return lhs
    }

    mutating func parseUnary() throws(ExpressionError) -> Expression {
        if current.kind == .symbol, let op = UnaryOperator(rawValue: current.text) {
            let token = try advance()
            let operand = try nested(at: token) { (p: inout Parser) throws(ExpressionError) in try p.parseUnary() }
            return try node(.unary(op, operand), span: token.span.lowerBound..<operand.span.upperBound)
        }
        return try parsePostfix()
    }

    mutating func parsePostfix() throws(ExpressionError) -> Expression {
        var base = try parsePrimary()
        while isSymbol("[") {
            let open = try advance()
            let indexToken = current
            // A number or a sign starts an integer index; anything else is a mask or a selector.
            guard case .number(let value) = indexToken.kind else {
                guard !isSymbol("-") else {
                    throw error("an index must be a non-negative integer literal, found '\(indexToken.text)'", indexToken.span)
                }
                let selector = try nested(at: open) { (p: inout Parser) throws(ExpressionError) in try p.parseOr() }
                let close = current
                try expect("]", closing: open)
                base = try node(.select(base, selector), span: base.span.lowerBound..<close.span.upperBound)
                continue
            }
            guard value >= 0, value == value.rounded(), value < Double(Int32.max) else {
                throw error("an index must be a non-negative integer literal, found '\(indexToken.text)'", indexToken.span)
            }
            _ = try advance()
            let close = current
            try expect("]", closing: open)
            base = try node(.index(base, Int(value)), span: base.span.lowerBound..<close.span.upperBound)
        }
        return base
    }

    mutating func parsePrimary() throws(ExpressionError) -> Expression {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = try advance()
            return Expression(.number(value), span: token.span)
        case .name:
            _ = try advance()
            guard isSymbol("(") else { return Expression(.name(token.text), span: token.span) }
            let open = try advance()
            var arguments: [Expression] = []
            if !isSymbol(")") {
                arguments.append(try nested(at: open) { (p: inout Parser) throws(ExpressionError) in try p.parseOr() })
                while isSymbol(",") {
                    let comma = try advance()
                    arguments.append(try nested(at: comma) { (p: inout Parser) throws(ExpressionError) in try p.parseOr() })
                }
            }
            let close = current
            try expect(")", closing: open)
            return try node(.call(token.text, arguments), span: token.span.lowerBound..<close.span.upperBound)
        case .symbol where token.text == "(":
            let open = try advance()
            let inner = try nested(at: open) { (p: inout Parser) throws(ExpressionError) in try p.parseOr() }
            let close = current
            try expect(")", closing: open)
            return Expression(inner.node, span: open.span.lowerBound..<close.span.upperBound)
        case .symbol, .end:
            let found = token.kind == .end ? "end of expression" : "'\(token.text)'"
            throw error("expected a number, a name or '(', found \(found)", token.span)
        }
    }
}
