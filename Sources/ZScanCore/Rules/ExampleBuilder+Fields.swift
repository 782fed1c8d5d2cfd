/// How a rule example sets each field: one exhaustive switch per subject, so a field that an
/// example cannot set does not compile.
extension ExampleBuilder {
    /// A process example as written, before the process joins the example's snapshot: what is not
    /// a stored field (samples, the baseline, relations) waits here until its pid is known.
    struct ProcessExample {
        var record: ProcessRecord
        var ppidGiven = false
        var cpu: Double? = nil
        var stateBefore: String? = nil
        var new: Bool? = nil
        var tracked = false
        var parent: JSON5Node? = nil
        var children: [JSON5Node] = []
        var sockets: [JSON5Node] = []

        mutating func set(_ field: ProcessField, _ v: JSON5Node) throws(ExampleError) {
            switch field {
            case .pid: record.pid = Int32(try integer(v))
            case .ppid:
                record.ppid = Int32(try integer(v))
                ppidGiven = true
            case .pgid: record.pgid = Int32(try integer(v))
            case .sid: record.sid = Int32(try integer(v))
            case .tty: record.tty = try optionalString(v)
            case .state: record.state = try string(v)
            case .name: record.name = try string(v)
            case .exe: record.exe = try optionalString(v)
            case .cmdline: record.cmdline = try optionalString(v)
            case .args: record.args = try array(v).map { (item: JSON5Node) throws(ExampleError) -> String in try string(item) }
            case .cwd: record.cwd = try optionalString(v)
            case .user: record.user = try optionalString(v)
            case .uid: record.uid = v.value == .null ? nil : UInt32(try integer(v))
            case .startTicks: record.startTicks = UInt64(try integer(v))
            case .startedAt: record.startedAt = try number(v)
            case .age: record.age = try seconds(v)
            case .cpu: cpu = try number(v)
            case .stateBefore: stateBefore = try string(v)
            case .cpuTime: record.cpuTime = try seconds(v)
            case .rss: record.rss = UInt64(try size(v))
            case .threads: record.threads = Int(try integer(v))
            case .fds: record.fds = v.value == .null ? nil : Int(try integer(v))
            case .ports: record.ports = try array(v).map { (item: JSON5Node) throws(ExampleError) -> Int in Int(try integer(item)) }
            case .listening: record.listening = try optionalBool(v)
            case .connections: record.connections = v.value == .null ? nil : Int(try integer(v))
            case .sockets: sockets = try array(v)
            case .children: children = try array(v)
            case .parent: parent = v
            case .env:
                var env: [String: String] = [:]
                for entry in try members(v, allowed: [], what: "env") { env[entry.key] = try string(entry.member.value) }
                record.env = env
            case .cgroup: record.cgroup = try optionalString(v)
            case .kernelThread: record.kernelThread = try bool(v)
            case .reparented: record.reparented = try optionalBool(v)
            case .sessionAlive: record.sessionAlive = try optionalBool(v)
            case .orphaned: record.orphaned = try bool(v)
            case .new: new = try bool(v)
            case .tracked: tracked = try bool(v)
            }
        }
    }

    /// The example's fields in the order written; `members` refuses an unknown key with a suggestion.
    static func fields<Field: SubjectField>(_ node: JSON5Node, _: Field.Type, what: String) throws(ExampleError) -> [(Field, JSON5Node)] {
        try members(node, allowed: Field.allCases.map(\.rawValue), what: what).compactMap { entry in
            Field(rawValue: entry.key).map { ($0, entry.member.value) }
        }
    }

    /// Owners written inline are added to the builder's processes.
    static func set(_ field: SocketField, _ v: JSON5Node, on socket: inout SocketRecord, adding builder: inout State) throws(ExampleError) {
        switch field {
        case .proto:
            guard let proto = SocketRecord.Proto(rawValue: try string(v)) else { throw ExampleError(message: "proto must be tcp, tcp6, udp or udp6", location: v.location) }
            socket.proto = proto
        case .localAddress: socket.localAddress = try string(v)
        case .localPort: socket.localPort = Int(try integer(v))
        case .remoteAddress: socket.remoteAddress = try string(v)
        case .remotePort: socket.remotePort = Int(try integer(v))
        case .state: socket.state = try string(v)
        case .inode: socket.inode = UInt64(try integer(v))
        case .uid: socket.uid = UInt32(try integer(v))
        case .ownerKnown: socket.ownerKnown = try bool(v)
        case .owner: socket.owners = [builder.processes[try builder.process(v, pid: nil, ppid: nil)].pid]
        case .owners:
            socket.owners = try array(v).map { (item: JSON5Node) throws(ExampleError) -> Int32 in builder.processes[try builder.process(item, pid: nil, ppid: nil)].pid }
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
