/// A value while a condition is evaluated. Processes, sockets and PID files are indices into the
/// evaluation context, so following `parent` or `children` copies nothing.
enum ConditionValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case duration(Double)
    case bytes(Int64)
    case list([ConditionValue])
    case process(Int)
    case socket(Int)
    case pidfile(Int)
    case map([String: String])
    /// Not read yet (a partial evaluation, `PartialReads`): it may turn out to be anything, null
    /// included, so whatever depends on it is pending too.
    case pending

    /// Numbers of either kind as a Double, for mixed int/float comparisons.
    var number: Double? {
        switch self {
        case let .int(value): Double(value)
        case let .float(value): value
        case let .duration(value): value
        case let .bytes(value): Double(value)
        default: nil
        }
    }

    /// Equality across int and float; everything else by case.
    func same(as other: ConditionValue) -> Bool {
        switch (self, other) {
        case (.int, .float), (.float, .int): number == other.number
        default: self == other
        }
    }
}
