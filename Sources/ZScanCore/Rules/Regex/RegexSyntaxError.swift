/// Why a `LinearRegex` pattern was rejected and where: rule files are written by hand (and are
/// untrusted input), so their authors need the exact spot and a reason, not just "invalid".
public struct RegexSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, in lowercase: "unbalanced parenthesis", "bad escape \q", ….
    public var message: String
    /// 0-based index in the pattern, counted in Unicode scalars, where the problem is.
    public var offset: Int

    public var description: String { message }

    init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }
}
