/// An error in a condition, found when rules are loaded, never at scan time. `offset` and
/// `length` count Unicode scalars of the condition text; the rule loader maps them into the file.
public struct ConditionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var length: Int
    /// Which text the offsets are in: the condition itself, a macro, or one item of a list.
    public var origin: Origin
    /// `invalid_condition` unless the problem has a code of its own (an unknown field, a bad regex).
    public var code: DiagnosticCode

    public enum Origin: Equatable, Sendable {
        case condition
        case macro(String)
        case listItem(list: String, index: Int)
    }

    public init(_ message: String, offset: Int, length: Int = 1, origin: Origin = .condition, code: DiagnosticCode = .invalidCondition) {
        self.message = message
        self.code = code
        self.offset = offset
        self.length = max(1, length)
        self.origin = origin
    }

    public var description: String { message }
}
