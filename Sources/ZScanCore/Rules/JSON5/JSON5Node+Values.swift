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
