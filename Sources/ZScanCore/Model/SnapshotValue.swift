/// A value a rule example can write: an example field is read by its value's type, given the
/// field's condition type (durations are seconds or "30s", sizes bytes or "50MB") and its name.
protocol ExampleValue {
    init(example: JSON5Node, as type: ValueType, field: String) throws(ExampleError)
}

/// A value a record keeps under one snapshot JSON key: how it is written and read back. The
/// `FieldAccess` a key is handed to reads, writes or sets it through these.
protocol SnapshotValue: ExampleValue {
    /// Writes the value; nil writes `null`.
    func write(to w: inout JSONWriter)
    /// Reads a JSON value that is present and not null; `path` names it in errors
    /// (`processes[3].pid`) and is built only then.
    init(json: JSONValue, in record: JSONFields, at path: () -> String) throws(ScanError)
}

/// Integers are written as digits and read back exactly; an example sets one as a number, or as a
/// size such as "50MB" where the field is bytes.
protocol SnapshotInteger: SnapshotValue, FixedWidthInteger {}

extension SnapshotInteger {
    func write(to w: inout JSONWriter) { w.int(self) }

    init(json: JSONValue, in _: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .number(text) = json, let value = Self(text) else { throw .invalidSnapshot("expected an integer at \(path())") }
        self = value
    }

    /// A value the type cannot hold (a negative pid namespace, a pid past Int32) is the example's
    /// error, not a trap.
    init(example: JSON5Node, as type: ValueType, field: String) throws(ExampleError) {
        let value: Int64
        if type == .bytes {
            value = try ExampleBuilder.size(example)
        } else {
            value = try ExampleBuilder.integer(example)
        }
        guard let exact = Self(exactly: value) else {
            throw ExampleError(message: "\(value) is out of range for \(field)", location: example.location)
        }
        self = exact
    }
}

extension Int: SnapshotInteger {}
extension Int32: SnapshotInteger {}
extension UInt32: SnapshotInteger {}
extension UInt64: SnapshotInteger {}

extension Double: SnapshotValue {
    func write(to w: inout JSONWriter) { w.double(self) }

    init(json: JSONValue, in _: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .number(text) = json, let value = Double(text) else { throw .invalidSnapshot("expected a number at \(path())") }
        self = value
    }

    init(example: JSON5Node, as type: ValueType, field _: String) throws(ExampleError) {
        self = type == .duration ? try ExampleBuilder.seconds(example) : try ExampleBuilder.number(example)
    }
}

extension String: SnapshotValue {
    func write(to w: inout JSONWriter) { w.string(self) }

    init(json: JSONValue, in _: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .string(text) = json else { throw .invalidSnapshot("expected a string at \(path())") }
        self = text
    }

    init(example: JSON5Node, as _: ValueType, field _: String) throws(ExampleError) {
        self = try ExampleBuilder.string(example)
    }
}

extension Bool: SnapshotValue {
    func write(to w: inout JSONWriter) { w.bool(self) }

    init(json: JSONValue, in _: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .bool(value) = json else { throw .invalidSnapshot("expected true or false at \(path())") }
        self = value
    }

    init(example: JSON5Node, as _: ValueType, field _: String) throws(ExampleError) {
        self = try ExampleBuilder.bool(example)
    }
}

/// nil is written as `null`; an absent key and `null` read as nil, and so does `null` in an example.
extension Optional: ExampleValue where Wrapped: ExampleValue {
    init(example: JSON5Node, as type: ValueType, field: String) throws(ExampleError) {
        self = example.isNull ? nil : try Wrapped(example: example, as: type, field: field)
    }
}

extension Optional: SnapshotValue where Wrapped: SnapshotValue {
    func write(to w: inout JSONWriter) {
        if let self { self.write(to: &w) } else { w.null() }
    }

    init(json: JSONValue, in record: JSONFields, at path: () -> String) throws(ScanError) {
        self = try Wrapped(json: json, in: record, at: path)
    }
}

/// Each element has its own path (`ports[1]`); a list field's elements take its element type.
extension Array: ExampleValue where Element: ExampleValue {
    init(example: JSON5Node, as type: ValueType, field: String) throws(ExampleError) {
        var element = type
        if case let .list(inner) = type { element = inner }
        self = try ExampleBuilder.array(example).map { (item: JSON5Node) throws(ExampleError) -> Element in
            try Element(example: item, as: element, field: field)
        }
    }
}

extension Array: SnapshotValue where Element: SnapshotValue {
    func write(to w: inout JSONWriter) {
        w.beginArray()
        for element in self { element.write(to: &w) }
        w.endArray()
    }

    init(json: JSONValue, in record: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .array(elements) = json else { throw .invalidSnapshot("expected an array at \(path())") }
        self = []
        reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            append(try Element(json: element, in: record, at: { "\(path())[\(index)]" }))
        }
    }
}

/// A map (`env`) is written with its keys sorted, so the same map always gives the same bytes.
extension Dictionary: ExampleValue where Key == String, Value: ExampleValue {
    init(example: JSON5Node, as _: ValueType, field: String) throws(ExampleError) {
        self = [:]
        for entry in try ExampleBuilder.members(example, allowed: [], what: field) {
            self[entry.key] = try Value(example: entry.member.value, as: .string, field: field)
        }
    }
}

extension Dictionary: SnapshotValue where Key == String, Value: SnapshotValue {
    func write(to w: inout JSONWriter) {
        w.beginObject()
        for key in keys.sorted() {
            w.key(key)
            self[key]!.write(to: &w)
        }
        w.endObject()
    }

    init(json: JSONValue, in record: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .object(members) = json else { throw .invalidSnapshot("expected an object at \(path())") }
        self = [:]
        for (name, value) in members {
            self[name] = try Value(json: value, in: record, at: { "\(path()).\(name)" })
        }
    }
}

/// A field an example writes as inline objects (a parent, children, owners) is kept as written
/// until the example's other fields are read.
extension JSON5Node: ExampleValue {
    init(example: JSON5Node, as _: ValueType, field _: String) throws(ExampleError) {
        self = example
    }
}
