/// One row of a subject's field table: what conditions may say about the field, and how a rule
/// example sets it.
struct FieldEntry<Example> {
    var spec: FieldSpec
    var setExample: (inout Example, JSON5Node) throws(ExampleError) -> Void
}

/// A rule example's record, with what the example writes besides (samples, relations) until it
/// joins the example's snapshot.
protocol RecordExample {
    associatedtype Record
    var record: Record { get set }
}

/// A subject whose table entries also say how an example sets each field: a stored field through
/// its snapshot JSON key, any other into the example's own property, so a field has one entry.
protocol ExampleField: SubjectField {
    associatedtype Example: RecordExample
    var entry: FieldEntry<Example> { get }
}

extension ExampleField {
    var spec: FieldSpec { entry.spec }

    /// A field kept under `key` in snapshot JSON; an example sets it as snapshots store it.
    func stored<Key: RecordKey>(_ key: Key, _ type: ValueType, _ needs: FieldSet = []) -> FieldEntry<Example> where Key.Record == Example.Record {
        let name = rawValue
        return FieldEntry(spec: field(type, needs, json: key)) { (example: inout Example, node: JSON5Node) throws(ExampleError) in
            var setter = ExampleSetter(record: example.record, node: node, type: type, field: name)
            try key.access(&setter)
            example.record = setter.record
        }
    }

    /// A field kept under `key` in snapshot JSON that an example writes otherwise (children as
    /// processes, where snapshots store their pids), into the example's `path`.
    func stored<Key: RecordKey, Value: ExampleValue>(_ key: Key, _ type: ValueType, _ needs: FieldSet = [], example path: WritableKeyPath<Example, Value?>)
        -> FieldEntry<Example> where Key.Record == Example.Record
    {
        FieldEntry(spec: field(type, needs, json: key), setExample: setter(path, type))
    }

    /// A field snapshots do not store; an example writes it into its `path`.
    func field<Value: ExampleValue>(
        _ type: ValueType, _ needs: FieldSet = [], sampled: Bool = false, baseline: Bool = false, example path: WritableKeyPath<Example, Value?>
    ) -> FieldEntry<Example> {
        FieldEntry(spec: field(type, needs, sampled: sampled, baseline: baseline), setExample: setter(path, type))
    }

    private func setter<Value: ExampleValue>(_ path: WritableKeyPath<Example, Value?>, _ type: ValueType) -> (inout Example, JSON5Node) throws(ExampleError) ->
        Void
    {
        let name = rawValue
        return { (example: inout Example, node: JSON5Node) throws(ExampleError) in
            example[keyPath: path] = try Value(example: node, as: type, field: name)
        }
    }
}
