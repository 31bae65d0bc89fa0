/// One word of a generated shell script — literal text with shell variables spliced in — written
/// so that `sh` and `bash` read back exactly that word: no splitting, globbing, tilde, command or
/// variable expansion of the literal text, whatever it holds (spaces, quotes, `$(...)`, newlines).
public struct ShellWord: Sendable, Hashable, CustomStringConvertible {
    /// A run of literal text, or the value of a shell variable set by the script itself.
    public enum Piece: Sendable, Hashable {
        case text(String)
        case variable(String)
    }

    public var pieces: [Piece]

    public init(pieces: [Piece]) {
        self.pieces = pieces
    }

    /// A word of literal text only.
    public init(_ text: String) {
        self.init(pieces: [.text(text)])
    }

    /// The word as shell source: literal runs single-quoted (bare if they hold only characters
    /// that are never special), variables as `"${name}"`.
    public var quoted: String {
        if pieces.isEmpty { return "''" }
        return pieces.map { piece in
            switch piece {
            case .text(let text): Self.quote(text)
            case .variable(let name): "\"${\(name)}\""
            }
        }.joined()
    }

    public var description: String { quoted }

    /// `text` as one shell word. Inside single quotes every character is literal except `'`
    /// itself, which is written as `'\''` (close, escaped quote, reopen).
    public static func quote(_ text: String) -> String {
        if !text.isEmpty, text.unicodeScalars.allSatisfy(isPlain) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// Characters that are never special to the shell anywhere in a word (`=` and `~` are
    /// special only at a word's start, `:` in assignments: both left out to keep the rule simple).
    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ",", "+", "@", "%": true
        default: false
        }
    }
}

extension Array where Element == ShellWord {
    /// A command line of words, each quoted.
    public var commandLine: String { map(\.quoted).joined(separator: " ") }
}
