/// A parsed pattern (the syntax tree `RegexParser` builds and `RegexCompiler` turns into a
/// `RegexProgram`). Groups carry no capture number: rules only ask "does it match?".
indirect enum RegexNode: Equatable, Sendable {
    /// Matches the empty string: the empty pattern, an empty alternative, `()`.
    case empty
    case scalar(UInt32)
    /// `.`: any scalar except `\n`.
    case anyExceptNewline
    case characterClass(RegexCharacterClass)
    /// Zero-width: `^ $ \A \Z \b \B`.
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    case group(RegexNode)
    /// `max` nil: unbounded. `offset` is where the quantifier starts, for "pattern too large".
    case repetition(RegexNode, min: Int, max: Int?, offset: Int)
}

/// The zero-width tests a program can make between two scalars of the text.
enum RegexAssertion: UInt8, Hashable, Sendable {
    /// `^`, `\A`: the start of the whole text.
    case textStart
    /// `$`, `\Z`: the end of the whole text (no multiline mode, no "before a final newline").
    case textEnd
    /// `\b`: `\w` on exactly one side (ASCII `\w`; the text's ends count as non-word).
    case wordBoundary
    /// `\B`.
    case notWordBoundary
}

/// A bracket class or a class escape (`[a-z\d]`, `[^x]`, `\W`) as parsed: `literals` (single
/// scalars and ranges) follow case-insensitivity, `categories` (`\d \w \s` and their negations)
/// do not, as in Python; `negated` applies last.
struct RegexCharacterClass: Hashable, Sendable {
    var literals = RegexScalarSet()
    var categories = RegexScalarSet()
    var negated = false
}
