/// A point in a source file as 1-based line and column plus 0-based byte offset, so any error,
/// even one found later inside a string value, can be reported as `file:line:col`.
///
/// Lines end at LF, CR or CRLF. Columns count Unicode scalars (a tab is one column); a UTF-8 byte
/// order mark at the very start of the file is not counted, so the first character is at 1:1.
public struct SourceLocation: Equatable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// Orders by position in the file (offset first; line and column only break ties between
    /// locations that were not made from the same text).
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.offset, lhs.line, lhs.column) < (rhs.offset, rhs.line, rhs.column)
    }

    /// `line:column`, the way diagnostics name a place.
    public var description: String { "\(line):\(column)" }
}
