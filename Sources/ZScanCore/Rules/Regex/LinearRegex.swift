/// A regular expression for rule files' `matches` operator and pattern lists, matched in time
/// O(pattern size × text length), always: rule files are untrusted input and command lines run to
/// 100 KB, so a backtracking engine (Swift `Regex`, `NSRegularExpression`), which goes
/// exponential on patterns like `(a+)+$`, is not an option. The pattern compiles to a Thompson
/// NFA that a Pike VM runs over the text's Unicode scalars in one pass.
///
/// Syntax (Python `re` flavour, ASCII classes): literals, `.` (any scalar but `\n`), escapes
/// (`\t \n \r \f \v \a \0`, `\xHH`, `\uHHHH`, `\u{H…}`, `\UHHHHHHHH`, any escaped punctuation),
/// `\d \D \w \W \s \S` (ASCII, like `re.ASCII`), `\b \B`, `^ $ \A \Z` (whole text; no multiline
/// mode), bracket classes with ranges, groups `( )`, `(?: )`, `(?P<name> )`, `(?<name> )` (no
/// captures), alternation, `* + ? {n} {n,} {,m} {n,m}` and their lazy forms, a leading `(?i)`.
///
/// Rejected with a `RegexSyntaxError`, because they cannot be matched in linear time or would
/// silently mean something else: backreferences (`\1`, `\k<n>`, `(?P=n)`), lookahead and
/// lookbehind, atomic groups and possessive quantifiers, conditionals, recursion, other inline
/// flags, unknown escapes, POSIX `[:classes:]`. Patterns are limited to 4,096 scalars and 20,000
/// compiled instructions (counted repetition is expanded), which bounds the work per text scalar.
public struct LinearRegex: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let caseInsensitive: Bool
    let program: RegexProgram

    /// Compiles `pattern`. Throws for invalid or unsupported syntax, with the offset (in
    /// scalars) of the problem.
    public init(_ pattern: String, caseInsensitive: Bool = false) throws(RegexSyntaxError) {
        var parser = RegexParser(pattern)
        let root = try parser.parse()
        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        self.program = try RegexCompiler.compile(root, caseInsensitive: caseInsensitive || parser.caseInsensitive)
    }

    /// Unanchored search (like Python's `re.search`): true if any substring of `text` matches;
    /// `^` and `$` anchor to the start and end of the whole text.
    public func matches(_ text: String) -> Bool {
        PikeVM.search(program, in: text)
    }

    public var description: String { pattern }

    /// The same pattern and options compile to the same program.
    public static func == (lhs: LinearRegex, rhs: LinearRegex) -> Bool {
        lhs.pattern == rhs.pattern && lhs.caseInsensitive == rhs.caseInsensitive
    }
}
