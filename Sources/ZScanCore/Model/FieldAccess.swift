/// One thing done to every stored key of a record: writing it to snapshot JSON, reading it back,
/// setting it from a rule example. A record's `CodingKeys.access` calls it with the key's key
/// path, one line per key; once specialized, each call reads or writes the property directly.
protocol FieldAccess<Record> {
    associatedtype Record
    associatedtype Failure: Error
    /// `required`: a snapshot that lacks the key is refused; otherwise the key is optional and a
    /// missing one leaves the record's default.
    mutating func callAsFunction<Value: SnapshotValue>(_ path: WritableKeyPath<Record, Value>, required: Bool) throws(Failure)
}

extension FieldAccess {
    @inline(__always)
    mutating func callAsFunction<Value: SnapshotValue>(_ path: WritableKeyPath<Record, Value>) throws(Failure) {
        try self(path, required: false)
    }
}

/// A record's snapshot JSON key, which hands the field it keeps to a `FieldAccess`.
protocol RecordKey: CodingKey, CaseIterable {
    associatedtype Record
    func access<Access: FieldAccess<Record>>(_ access: inout Access) throws(Access.Failure)
}

/// A record kept in snapshot JSON as one object, its keys in the order of `CodingKeys`.
protocol SnapshotRecord {
    associatedtype CodingKeys: RecordKey where CodingKeys.Record == Self
    /// What a key that is missing leaves in each field.
    static var blank: Self { get }
    /// `CodingKeys.allCases`, which would build a new array on every call; records walk this one.
    static var keys: [CodingKeys] { get }
}

extension SnapshotRecord {
    init(json c: JSONFields) throws(ScanError) {
        var reader = FieldReader(record: Self.blank, fields: c)
        for key in Self.keys {
            reader.key = key.stringValue
            try key.access(&reader)
        }
        self = reader.record
    }

    func write(to w: inout JSONWriter) {
        var writer = FieldWriter(record: self)
        // The writer works on `w`'s buffer itself: a copy would copy the bytes on the first append.
        swap(&writer.w, &w)
        writer.w.beginObject()
        for key in Self.keys {
            writer.w.key(key.stringValue)
            key.access(&writer)
        }
        writer.w.endObject()
        swap(&writer.w, &w)
    }
}

private struct FieldWriter<Record>: FieldAccess {
    let record: Record
    var w = JSONWriter(capacity: 0)

    @inline(__always)
    mutating func callAsFunction<Value: SnapshotValue>(_ path: WritableKeyPath<Record, Value>, required _: Bool) {
        record[keyPath: path].write(to: &w)
    }
}

private struct FieldReader<Record>: FieldAccess {
    var record: Record
    let fields: JSONFields
    var key = ""

    @inline(__always)
    mutating func callAsFunction<Value: SnapshotValue>(_ path: WritableKeyPath<Record, Value>, required: Bool) throws(ScanError) {
        if let value = fields.present(key) {
            let (fields, key) = (fields, key)
            record[keyPath: path] = try Value(json: value, in: fields, at: { fields.place(key) })
        } else if required {
            throw fields.missing(key)
        }
    }
}

/// Sets the field a key keeps from a rule example, read as the field's condition type says.
struct ExampleSetter<Record>: FieldAccess {
    var record: Record
    let node: JSON5Node
    let type: ValueType
    let field: String

    mutating func callAsFunction<Value: SnapshotValue>(_ path: WritableKeyPath<Record, Value>, required _: Bool) throws(ExampleError) {
        record[keyPath: path] = try Value(example: node, as: type, field: field)
    }
}
