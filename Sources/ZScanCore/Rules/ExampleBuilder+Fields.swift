/// How a rule example sets each field: processes and sockets through their field tables
/// (`ProcessField.entry`, `SocketField.entry`), PID files through one exhaustive switch.
extension ExampleBuilder {
    /// A process example as written, before the process joins the example's snapshot: what is not
    /// a stored field (samples, the baseline, relations) waits here until its pid is known.
    struct ProcessExample: RecordExample {
        var record: ProcessRecord
        var cpu: Double? = nil
        var stateBefore: String? = nil
        var new: Bool? = nil
        var tracked: Bool? = nil
        var parent: JSON5Node? = nil
        var children: [JSON5Node]? = nil
        var sockets: [JSON5Node]? = nil
    }

    /// A socket example as written; its owners join the example's processes once it is read.
    struct SocketExample: RecordExample {
        var record: SocketRecord
        var owner: JSON5Node? = nil
        var owners: [JSON5Node]? = nil
    }

    /// The example's fields in the order written; `members` refuses an unknown key with a suggestion.
    static func fields<Field: SubjectField>(_ node: JSON5Node, _: Field.Type, what: String) throws(ExampleError) -> [(Field, JSON5Node)] {
        try members(node, allowed: Field.allCases.map(\.rawValue), what: what).compactMap { entry in
            Field(rawValue: entry.key).map { ($0, entry.member.value) }
        }
    }

    /// A process written inline takes the file's pid when one came before it.
    static func set(_ field: PidFileField, _ v: JSON5Node, on file: inout PidFileRecord, adding builder: inout State) throws(ExampleError) {
        switch field {
        case .path: file.path = try string(v)
        case .pid: file.pid = v.value == .null ? nil : Int32(try integer(v))
        case .exists: file.exists = try bool(v)
        case .alive: file.alive = try bool(v)
        case .reused: file.reused = try bool(v)
        case .age: file.age = try seconds(v)
        case .locked: file.locked = try bool(v)
        case .process:
            let index = try builder.process(v, pid: file.pid, ppid: nil)
            file.pid = builder.processes[index].pid
        }
    }
}
