/// The outcomes a condition may still have. Once everything it reads is read, exactly one of
/// true, false and unknown (Kleene's third value: a null field); while a partial evaluation leaves
/// some fields pending (`PartialReads`), several may remain possible. `&&`, `||` and `!` combine
/// the sets outcome by outcome, so a set never leaves out what reading the pending fields could give.
struct Truth: OptionSet, Sendable {
    let rawValue: UInt8

    static let yes = Truth(rawValue: 1)
    static let no = Truth(rawValue: 2)
    static let unknown = Truth(rawValue: 4)
    /// Anything: what a pending value may turn out to be.
    static let pending: Truth = [.yes, .no, .unknown]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ value: Bool) { self = value ? .yes : .no }

    /// One outcome, whatever is still to be read.
    var isDecided: Bool { self == .yes || self == .no || self == .unknown }

    /// The condition's value: a bool, null for unknown, pending while undecided.
    var value: ConditionValue {
        switch self {
        case .yes: .bool(true)
        case .no: .bool(false)
        case .unknown: .null
        default: .pending
        }
    }

    /// What a value means as a condition: only a bool is true or false.
    init(of value: ConditionValue) {
        switch value {
        case let .bool(b): self.init(b)
        case .pending: self = .pending
        default: self = .unknown
        }
    }

    var negated: Truth {
        var out: Truth = intersection(.unknown)
        if contains(.yes) { out.insert(.no) }
        if contains(.no) { out.insert(.yes) }
        return out
    }

    /// Kleene's `&&` for every pair of possible outcomes.
    func and(_ other: Truth) -> Truth {
        var out: Truth = []
        if contains(.no) || other.contains(.no) { out.insert(.no) }
        if contains(.yes) && other.contains(.yes) { out.insert(.yes) }
        let notFalse: Truth = [.yes, .unknown]
        if (contains(.unknown) && !other.isDisjoint(with: notFalse)) || (other.contains(.unknown) && !isDisjoint(with: notFalse)) {
            out.insert(.unknown)
        }
        return out
    }

    func or(_ other: Truth) -> Truth {
        negated.and(other.negated).negated
    }
}
