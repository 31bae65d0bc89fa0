/// A parsed expression of the analysis language: arithmetic, comparisons, logic, math functions,
/// branch and parameter names, and jagged-array reductions and indexing.
///
/// The grammar, loosest binding first:
/// ```
/// or      := and ('||' and)*
/// and     := compare ('&&' compare)*
/// compare := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
/// sum     := product (('+' | '-') product)*
/// product := unary (('*' | '/') unary)*
/// unary   := ('-' | '!') unary | postfix
/// postfix := primary ('[' (integer | or) ']')*
/// primary := number | name | name '(' or (',' or)* ')' | '(' or ')'
/// ```
///
/// Sources are at most ``maximumLength`` characters and trees at most ``maximumDepth`` levels
/// deep, so parsing, type checking and evaluation (all recursive) stay within a thread's stack.
public struct Expression: Sendable, Equatable {
    /// The longest source accepted, in unicode scalars.
    public static let maximumLength = 10_000
    /// The deepest tree accepted. Each operator of a chain like `a + b + c` is a level, as are
    /// parentheses, unary operators, calls and indexing around their operands.
    public static let maximumDepth = 256

    /// What the expression is.
    public indirect enum Node: Sendable, Equatable {
        /// A numeric literal.
        case number(Double)
        /// A branch or parameter name.
        case name(String)
        /// `-x` or `!x`.
        case unary(UnaryOperator, Expression)
        /// `a op b`.
        case binary(BinaryOperator, Expression, Expression)
        /// `f(a, b, ...)`.
        case call(String, [Expression])
        /// `x[i]`: element `i` of each event's array.
        case index(Expression, Int)
        /// `x[m]`: `x` masked by a jagged boolean `m`, or `x[argmax(y)]`: the element a selector picks.
        case select(Expression, Expression)
    }

    /// The node.
    public let node: Node
    /// Where it is in the source: unicode-scalar offsets, half-open.
    public var span: Range<Int>
    /// The number of levels of the tree: 1 for a number or a name.
    public let depth: Int

    /// An expression node covering `span` of the source.
    public init(_ node: Node, span: Range<Int>) {
        self.node = node
        self.span = span
        switch node {
        case .number, .name: depth = 1
        case .unary(_, let operand), .index(let operand, _): depth = operand.depth + 1
        case .binary(_, let lhs, let rhs), .select(let lhs, let rhs): depth = max(lhs.depth, rhs.depth) + 1
        case .call(_, let arguments): depth = (arguments.map(\.depth).max() ?? 0) + 1
        }
    }
}

/// Prefix operators.
public enum UnaryOperator: String, Sendable {
    case negate = "-"
    case not = "!"
}

/// Infix operators.
public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">=", equal = "==", notEqual = "!="
    case and = "&&", or = "||"

    /// The comparison with its operands swapped (`a < b` is `b > a`); other operators unchanged.
    var mirrored: BinaryOperator {
        switch self {
        case .less: .greater
        case .lessEqual: .greaterEqual
        case .greater: .less
        case .greaterEqual: .lessEqual
        default: self
        }
    }

    var isComparison: Bool {
        switch self {
        case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual: true
        default: false
        }
    }
}

/// A problem with an expression, located in its source.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The text is not a well-formed expression.
        case syntax
        /// The parts do not fit together (e.g. `&&` on numbers, `len` of a scalar).
        case type
        /// A name that is neither a branch nor a parameter, or an unknown function.
        case unknownName
        /// The data do not fit the expression (e.g. jagged branches of different lengths).
        case data
    }

    /// The kind of problem.
    public var kind: Kind
    /// The whole expression.
    public var source: String
    /// The offending part (unicode-scalar offsets into `source`).
    public var span: Range<Int>
    /// What is wrong with it.
    public var message: String

    /// 1-based column of the offending part.
    public var column: Int { span.lowerBound + 1 }

    /// The offending part's text.
    public var excerpt: String { source.excerpt(span) }

    public var description: String {
        let part = excerpt.isEmpty ? "" : " at '\(Self.abbreviated(excerpt))'"
        return "expression '\(Self.abbreviated(source))', column \(column)\(part): \(message)"
    }

    /// Long sources (up to ``Expression/maximumLength``, or a rejected longer one) are cut in
    /// messages so the cause stays readable.
    static func abbreviated(_ text: String) -> String {
        let limit = 60
        guard text.unicodeScalars.count > limit else { return text }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.unicodeScalars.prefix(limit))
        return String(view) + "…"
    }
}

extension String {
    /// The text at unicode-scalar offsets `span` (clamped to the string).
    func excerpt(_ span: Range<Int>) -> String {
        let scalars = Array(unicodeScalars)
        let range = min(span.lowerBound, scalars.count)..<min(span.upperBound, scalars.count)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[range])
        return String(text)
    }
}
