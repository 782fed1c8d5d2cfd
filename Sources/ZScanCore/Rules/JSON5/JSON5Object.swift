/// A JSON5 object read by key, the one way rule files, the config and examples read their objects:
/// a key written twice is a `duplicate_key` error at the second, a key not in `allowed` an
/// `unknown_key` (or `unknown_field`) error with a "did you mean"; both are collected in
/// `problems` and left out of `members`.
public struct JSON5Object: Sendable {
    /// Where the object starts (its `{`).
    public var location: SourceLocation
    /// The members kept, one per key, in source order.
    public var members: [JSON5Member]
    /// Duplicate and unknown keys, in source order.
    public var problems: [JSON5Problem]
    private var indexByKey: [String: Int]

    /// Refuses a value that is not an object (`wrong_type`, "`what` must be an object" unless
    /// `notAnObject` says otherwise). `allowed` nil: any key. `unknown` picks how an unknown key
    /// is named: `unknown key 'k' in what` or `unknown field 'k' of what`.
    public init(_ node: JSON5Node, allowed: [String]?, what: String, unknown: DiagnosticCode = .unknownKey,
                notAnObject: String? = nil) throws(JSON5Problem) {
        guard case let .object(list) = node.value else {
            throw JSON5Problem(.wrongType, notAnObject ?? "\(what) must be an object", at: node.location)
        }
        location = node.location
        members = []
        problems = []
        indexByKey = [:]
        members.reserveCapacity(list.count)
        for member in list {
            if let first = indexByKey[member.key] {
                problems.append(JSON5Problem(
                    .duplicateKey, "duplicate key '\(member.key)' (first at \(members[first].keyLocation))", at: member.keyLocation))
                continue
            }
            if let allowed, !allowed.contains(member.key) {
                let named = unknown == .unknownField ? "unknown field '\(member.key)' of \(what)" : "unknown key '\(member.key)' in \(what)"
                problems.append(JSON5Problem(unknown, named + Suggestion.hint(for: member.key, in: allowed), at: member.keyLocation))
                // A later duplicate of an unknown key is reported as unknown again, not as a duplicate.
                continue
            }
            indexByKey[member.key] = members.count
            members.append(member)
        }
    }

    public subscript(key: String) -> JSON5Member? {
        indexByKey[key].map { members[$0] }
    }
}

/// What a reader of JSON5 values found wrong, and where; the caller adds the file.
public struct JSON5Problem: Error, Sendable, Equatable {
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation

    public init(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        self.code = code
        self.message = message
        self.location = location
    }

    public init(_ error: JSON5Error) {
        self.init(error.code, error.message, at: error.location)
    }

    public func diagnostic(file: String) -> RuleDiagnostic {
        RuleDiagnostic(file: file, location: location, code: code, message: message)
    }
}

/// Typed views of a value: nil when it has another type, so each reader words its own
/// `wrong_type` message ("'tags' must be an array of strings").
extension JSON5Node {
    public var isNull: Bool { value == .null }

    public var stringValue: String? {
        if case let .string(text) = value { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(flag) = value { return flag }
        return nil
    }

    /// A number written as an integer that fits in 64 bits.
    public var integerValue: Int64? {
        if case let .integer(number) = value { return number }
        return nil
    }

    /// Any number, integers included.
    public var numberValue: Double? {
        switch value {
        case let .integer(number): return Double(number)
        case let .number(number): return number
        default: return nil
        }
    }

    public var arrayValue: [JSON5Node]? {
        if case let .array(items) = value { return items }
        return nil
    }

    /// An array whose items are all strings.
    public var stringsValue: [String]? {
        guard case let .array(items) = value else { return nil }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let text = item.stringValue else { return nil }
            out.append(text)
        }
        return out
    }

    /// The value, or a `wrong_type` problem at this node.
    public func expect<T>(_ value: T?, _ message: @autoclosure () -> String) throws(JSON5Problem) -> T {
        guard let value else { throw JSON5Problem(.wrongType, message(), at: location) }
        return value
    }
}
