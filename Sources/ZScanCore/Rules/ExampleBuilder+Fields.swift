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
    }

    /// The example's fields in the order written; `members` refuses an unknown key with a suggestion.
    static func fields<Field: SubjectField>(_ node: JSON5Node, _: Field.Type, what: String) throws(ExampleError) -> [(Field, JSON5Node)] {
        try members(node, allowed: Field.allCases.map(\.rawValue), what: what).compactMap { entry in
            Field(rawValue: entry.key).map { ($0, entry.member.value) }
        }
    }
}

extension ExampleBuilder.State {
    func set(_ field: ProcessField, _ v: JSON5Node, on example: inout ExampleBuilder.ProcessExample) throws(ExampleError) {
        typealias B = ExampleBuilder
        switch field {
        case .pid: example.record.pid = Int32(try B.integer(v))
        case .ppid:
            example.record.ppid = Int32(try B.integer(v))
            example.ppidGiven = true
        case .pgid: example.record.pgid = Int32(try B.integer(v))
        case .sid: example.record.sid = Int32(try B.integer(v))
        case .tty: example.record.tty = try B.optionalString(v)
        case .state: example.record.state = try B.string(v)
        case .name: example.record.name = try B.string(v)
        case .exe: example.record.exe = try B.optionalString(v)
        case .cmdline: example.record.cmdline = try B.optionalString(v)
        case .args: example.record.args = try B.array(v).map { (item: JSON5Node) throws(ExampleError) -> String in try B.string(item) }
        case .cwd: example.record.cwd = try B.optionalString(v)
        case .user: example.record.user = try B.optionalString(v)
        case .uid: example.record.uid = v.value == .null ? nil : UInt32(try B.integer(v))
        case .startTicks: example.record.startTicks = UInt64(try B.integer(v))
        case .startedAt: example.record.startedAt = try B.number(v)
        case .age: example.record.age = try B.seconds(v)
        case .cpu: example.cpu = try B.number(v)
        case .stateBefore: example.stateBefore = try B.string(v)
        case .cpuTime: example.record.cpuTime = try B.seconds(v)
        case .rss: example.record.rss = UInt64(try B.size(v))
        case .threads: example.record.threads = Int(try B.integer(v))
        case .fds: example.record.fds = v.value == .null ? nil : Int(try B.integer(v))
        case .ports: example.record.ports = try B.array(v).map { (item: JSON5Node) throws(ExampleError) -> Int in Int(try B.integer(item)) }
        case .listening: example.record.listening = try B.optionalBool(v)
        case .connections: example.record.connections = v.value == .null ? nil : Int(try B.integer(v))
        case .sockets: example.sockets = try B.array(v)
        case .children: example.children = try B.array(v)
        case .parent: example.parent = v
        case .env:
            var env: [String: String] = [:]
            for entry in try B.members(v, allowed: [], what: "env") { env[entry.key] = try B.string(entry.member.value) }
            example.record.env = env
        case .cgroup: example.record.cgroup = try B.optionalString(v)
        case .kernelThread: example.record.kernelThread = try B.bool(v)
        case .reparented: example.record.reparented = try B.optionalBool(v)
        case .sessionAlive: example.record.sessionAlive = try B.optionalBool(v)
        case .orphaned: example.record.orphaned = try B.bool(v)
        case .new: example.new = try B.bool(v)
        case .tracked: example.tracked = try B.bool(v)
        }
    }

    /// Owners written inline are added to the processes.
    mutating func set(_ field: SocketField, _ v: JSON5Node, on socket: inout SocketRecord) throws(ExampleError) {
        typealias B = ExampleBuilder
        switch field {
        case .proto:
            guard let proto = SocketRecord.Proto(rawValue: try B.string(v)) else { throw ExampleError(message: "proto must be tcp, tcp6, udp or udp6", location: v.location) }
            socket.proto = proto
        case .localAddress: socket.localAddress = try B.string(v)
        case .localPort: socket.localPort = Int(try B.integer(v))
        case .remoteAddress: socket.remoteAddress = try B.string(v)
        case .remotePort: socket.remotePort = Int(try B.integer(v))
        case .state: socket.state = try B.string(v)
        case .inode: socket.inode = UInt64(try B.integer(v))
        case .uid: socket.uid = UInt32(try B.integer(v))
        case .ownerKnown: socket.ownerKnown = try B.bool(v)
        case .owner: socket.owners = [processes[try process(v, pid: nil, ppid: nil)].pid]
        case .owners:
            socket.owners = try B.array(v).map { (item: JSON5Node) throws(ExampleError) -> Int32 in processes[try process(item, pid: nil, ppid: nil)].pid }
        }
    }

    /// A process written inline takes the file's pid when one came before it.
    mutating func set(_ field: PidFileField, _ v: JSON5Node, on file: inout PidFileRecord) throws(ExampleError) {
        typealias B = ExampleBuilder
        switch field {
        case .path: file.path = try B.string(v)
        case .pid: file.pid = v.value == .null ? nil : Int32(try B.integer(v))
        case .exists: file.exists = try B.bool(v)
        case .alive: file.alive = try B.bool(v)
        case .reused: file.reused = try B.bool(v)
        case .age: file.age = try B.seconds(v)
        case .locked: file.locked = try B.bool(v)
        case .process:
            let index = try process(v, pid: file.pid, ppid: nil)
            file.pid = processes[index].pid
        }
    }
}
