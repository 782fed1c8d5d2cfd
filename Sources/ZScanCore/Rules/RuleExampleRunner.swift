/// Runs the examples written in rule files. Each example is an object with the subject's fields
/// (`{pid: 4242, ppid: 1, orphaned: true, cmdline: "python3 -m uvicorn app:app", age: 120}`) plus
/// relations written inline: `parent: {…}` and `children: [{…}]` for a process, `owner: {…}` or
/// `owners: [{…}]` for a socket, `process: {…}` for a PID file. Durations are seconds or `"30s"`,
/// sizes bytes or `"50MB"`. `cpu` and `state_before` act as samples, `new` as a baseline.
public enum RuleExampleRunner {
    /// Every example that does not behave as written, and every example that cannot be read.
    public static func run(_ set: RuleSet) -> [RuleDiagnostic] {
        var problems: [RuleDiagnostic] = []
        for rule in set.rules {
            for (node, expected) in rule.examples.match.map({ ($0, true) }) + rule.examples.noMatch.map({ ($0, false) }) {
                do {
                    let (context, subject) = try ExampleBuilder.build(node, subject: Subject(rawValue: rule.summary.subject)!)
                    let matched = context.matches(rule.condition, subject)
                    if matched != expected {
                        problems.append(RuleDiagnostic(
                            file: rule.origin.file, location: node.location, code: .exampleMismatch,
                            message: "rule '\(rule.id)': this example should \(expected ? "" : "not ")match, but it does\(expected ? " not" : "")"))
                    }
                } catch {
                    problems.append(RuleDiagnostic(file: rule.origin.file, location: error.location, code: error.code, message: "rule '\(rule.id)': \(error.message)"))
                }
            }
        }
        return problems
    }
}

/// An example that cannot be turned into a subject.
struct ExampleError: Error {
    var message: String
    var location: SourceLocation
    var code: DiagnosticCode = .invalidExample
}

extension ExampleError {
    init(_ problem: JSON5Problem) {
        self.init(message: problem.message, location: problem.location, code: problem.code)
    }
}

/// Builds the small snapshot an example describes.
enum ExampleBuilder {
    static let processRelations = ["parent", "children", "sockets"]
    static let socketRelations = ["owner", "owners"]
    static let pidfileRelations = ["process"]

    static func build(_ node: JSON5Node, subject: Subject) throws(ExampleError) -> (EvaluationContext, FindingRef) {
        var builder = State()
        switch subject {
        case .process:
            let index = try builder.process(node, pid: nil, ppid: nil)
            return (builder.context(), .process(index))
        case .socket:
            let socket = try ExampleBuilder.socket(node, builder: &builder)
            builder.sockets.append(socket)
            return (builder.context(), .socket(builder.sockets.count - 1))
        case .pidfile:
            let fields = try members(node, allowed: FieldSchema.pidfile.map(\.name) + pidfileRelations, what: "a PID file")
            var file = PidFileRecord(path: "/run/example.pid", pid: nil, alive: false)
            for (key, member) in fields {
                let v = member.value
                switch key {
                case "path": file.path = try string(v)
                case "pid": file.pid = v.value == .null ? nil : Int32(try integer(v))
                case "exists": file.exists = try bool(v)
                case "alive": file.alive = try bool(v)
                case "reused": file.reused = try bool(v)
                case "age": file.age = try seconds(v)
                case "locked": file.locked = try bool(v)
                case "process":
                    let index = try builder.process(v, pid: file.pid, ppid: nil)
                    file.pid = builder.processes[index].pid
                default: throw ExampleError(message: "'\(key)' cannot be set in an example", location: member.keyLocation)
                }
            }
            builder.pidfiles.append(file)
            return (builder.context(), .pidfile(0))
        }
    }

    /// A socket example; owners written inline are added to the builder's processes.
    static func socket(_ node: JSON5Node, builder: inout State) throws(ExampleError) -> SocketRecord {
        let fields = try members(node, allowed: FieldSchema.socket.map(\.name) + socketRelations, what: "a socket")
        var socket = SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8000, state: "LISTEN", inode: 1)
        for (key, member) in fields {
            let v = member.value
            switch key {
            case "proto":
                guard let proto = SocketRecord.Proto(rawValue: try string(v)) else { throw ExampleError(message: "proto must be tcp, tcp6, udp or udp6", location: v.location) }
                socket.proto = proto
            case "local_address": socket.localAddress = try string(v)
            case "local_port": socket.localPort = Int(try integer(v))
            case "remote_address": socket.remoteAddress = try string(v)
            case "remote_port": socket.remotePort = Int(try integer(v))
            case "state": socket.state = try string(v)
            case "inode": socket.inode = UInt64(try integer(v))
            case "uid": socket.uid = UInt32(try integer(v))
            case "owner_known": socket.ownerKnown = try bool(v)
            case "owner": socket.owners = [builder.processes[try builder.process(v, pid: nil, ppid: nil)].pid]
            case "owners":
                socket.owners = try array(v).map { (item: JSON5Node) throws(ExampleError) -> Int32 in builder.processes[try builder.process(item, pid: nil, ppid: nil)].pid }
            default: throw ExampleError(message: "'\(key)' cannot be set in an example", location: member.keyLocation)
            }
        }
        return socket
    }

    struct State {
        var processes: [ProcessRecord] = []
        var sockets: [SocketRecord] = []
        var pidfiles: [PidFileRecord] = []
        var samples: [Int32: (cpu: Double, stateBefore: String)] = [:]
        var baseline: Set<ProcessIdentity>? = nil
        var tracked: Set<Int32> = []
        var nextPid: Int32 = 1000

        func context() -> EvaluationContext {
            var snapshot = Snapshot(host: HostInfo(), processes: processes, sockets: sockets)
            var children: [Int32: [Int32]] = [:]
            for p in processes { children[p.ppid, default: []].append(p.pid) }
            for i in snapshot.processes.indices { snapshot.processes[i].children = children[snapshot.processes[i].pid] ?? [] }
            return EvaluationContext(
                snapshot: snapshot, pidfiles: pidfiles, baseline: baseline, samples: samples.isEmpty ? nil : samples, trackedPids: tracked)
        }

        /// Adds the process an example object describes (and its relations); returns its index.
        mutating func process(_ node: JSON5Node, pid forcedPid: Int32?, ppid forcedPpid: Int32?) throws(ExampleError) -> Int {
            let fields = try members(node, allowed: FieldSchema.process.map(\.name) + processRelations, what: "a process")
            var p = ProcessRecord(pid: 0, ppid: forcedPpid ?? 1, state: "S")
            var parentNode: JSON5Node? = nil
            var childNodes: [JSON5Node] = []
            var socketNodes: [JSON5Node] = []
            var newValue: Bool? = nil
            var ppidGiven = false
            var cpu: Double? = nil
            var stateBefore: String? = nil
            for (key, member) in fields {
                let v = member.value
                switch key {
                case "pid": p.pid = Int32(try integer(v))
                case "ppid":
                    p.ppid = Int32(try integer(v))
                    ppidGiven = true
                case "pgid": p.pgid = Int32(try integer(v))
                case "sid": p.sid = Int32(try integer(v))
                case "tty": p.tty = try optionalString(v)
                case "state": p.state = try string(v)
                case "name": p.name = try string(v)
                case "exe": p.exe = try optionalString(v)
                case "cmdline": p.cmdline = try optionalString(v)
                case "args": p.args = try array(v).map { (item: JSON5Node) throws(ExampleError) -> String in try string(item) }
                case "cwd": p.cwd = try optionalString(v)
                case "user": p.user = try optionalString(v)
                case "uid": p.uid = v.value == .null ? nil : UInt32(try integer(v))
                case "start_ticks": p.startTicks = UInt64(try integer(v))
                case "started_at": p.startedAt = try number(v)
                case "age": p.age = try seconds(v)
                case "cpu": cpu = try number(v)
                case "state_before": stateBefore = try string(v)
                case "cpu_time": p.cpuTime = try seconds(v)
                case "rss": p.rss = UInt64(try size(v))
                case "threads": p.threads = Int(try integer(v))
                case "fds": p.fds = v.value == .null ? nil : Int(try integer(v))
                case "ports": p.ports = try array(v).map { (item: JSON5Node) throws(ExampleError) -> Int in Int(try integer(item)) }
                case "listening": p.listening = try optionalBool(v)
                case "connections": p.connections = v.value == .null ? nil : Int(try integer(v))
                case "env":
                    var env: [String: String] = [:]
                    for entry in try members(v, allowed: [], what: "env") { env[entry.key] = try string(entry.member.value) }
                    p.env = env
                case "cgroup": p.cgroup = try optionalString(v)
                case "kernel_thread": p.kernelThread = try bool(v)
                case "reparented": p.reparented = try optionalBool(v)
                case "session_alive": p.sessionAlive = try optionalBool(v)
                case "orphaned": p.orphaned = try bool(v)
                case "new": newValue = try bool(v)
                case "tracked": if try bool(v) { tracked.insert(-1) }
                case "parent": parentNode = v
                case "children": childNodes = try array(v)
                case "sockets": socketNodes = try array(v)
                default: throw ExampleError(message: "'\(key)' cannot be set in an example", location: member.keyLocation)
                }
            }
            if let forcedPid { p.pid = forcedPid }
            if p.pid == 0 {
                p.pid = nextPid
                nextPid += 1
            }
            if p.ports != nil && p.listening == nil { p.listening = !(p.ports ?? []).isEmpty }
            if p.name.isEmpty, let first = p.cmdline?.split(separator: " ").first {
                p.name = String(first.split(separator: "/").last ?? first)
            }
            if tracked.remove(-1) != nil { tracked.insert(p.pid) }
            if let cpu { samples[p.pid] = (cpu, stateBefore ?? p.state) } else if let stateBefore { samples[p.pid] = (0, stateBefore) }
            if let newValue {
                var known = baseline ?? []
                if !newValue { known.insert(p.identity) }
                baseline = known
            }
            let index = processes.count
            processes.append(p)
            if let parentNode {
                // The parent's own `pid`, else the example's `ppid`, else a fresh pid.
                var parentPid: Int32? = ppidGiven ? p.ppid : nil
                if case let .object(list) = parentNode.value, let given = list.first(where: { $0.key == "pid" }) {
                    parentPid = Int32(try integer(given.value))
                }
                let pid = parentPid ?? nextPid
                if parentPid == nil { nextPid += 1 }
                processes[index].ppid = pid
                _ = try process(parentNode, pid: pid, ppid: nil)
            }
            for child in childNodes { _ = try process(child, pid: nil, ppid: p.pid) }
            for node in socketNodes {
                // `repeat: N` (examples only) stands for N such sockets.
                var copies = 1
                var withoutRepeat = node
                if case let .object(list) = node.value, let repeatMember = list.first(where: { $0.key == "repeat" }) {
                    copies = Int(try integer(repeatMember.value))
                    withoutRepeat.value = .object(list.filter { $0.key != "repeat" })
                }
                var socket = try ExampleBuilder.socket(withoutRepeat, builder: &self)
                socket.owners = [p.pid]
                for _ in 0..<max(0, copies) {
                    socket.inode = UInt64(sockets.count + 1)
                    sockets.append(socket)
                }
                processes[index].fds = (processes[index].fds ?? 0) + copies
            }
            return index
        }
    }

    /// The object's members in order, refusing a key written twice and keys not in `allowed` (empty: any key).
    static func members(_ node: JSON5Node, allowed: [String], what: String) throws(ExampleError) -> [(key: String, member: JSON5Member)] {
        let object: JSON5Object
        do {
            object = try JSON5Object(node, allowed: allowed.isEmpty ? nil : allowed, what: what, unknown: .unknownField,
                                     notAnObject: "an example of \(what) is an object of its fields")
        } catch {
            throw ExampleError(error)
        }
        if let first = object.problems.first { throw ExampleError(first) }
        return object.members.map { ($0.key, $0) }
    }

    static func string(_ node: JSON5Node) throws(ExampleError) -> String {
        try typed(node.stringValue, node, "expected a string")
    }

    static func optionalString(_ node: JSON5Node) throws(ExampleError) -> String? {
        node.isNull ? nil : try string(node)
    }

    static func bool(_ node: JSON5Node) throws(ExampleError) -> Bool {
        try typed(node.boolValue, node, "expected true or false")
    }

    static func optionalBool(_ node: JSON5Node) throws(ExampleError) -> Bool? {
        node.isNull ? nil : try bool(node)
    }

    static func integer(_ node: JSON5Node) throws(ExampleError) -> Int64 {
        try typed(node.integerValue, node, "expected an integer")
    }

    static func number(_ node: JSON5Node) throws(ExampleError) -> Double {
        try typed(node.numberValue, node, "expected a number")
    }

    static func array(_ node: JSON5Node) throws(ExampleError) -> [JSON5Node] {
        try typed(node.arrayValue, node, "expected an array")
    }

    private static func typed<T>(_ value: T?, _ node: JSON5Node, _ message: String) throws(ExampleError) -> T {
        do { return try node.expect(value, message) } catch { throw ExampleError(error) }
    }

    /// Seconds as a number, or a duration literal such as "30s".
    static func seconds(_ node: JSON5Node) throws(ExampleError) -> Double {
        if case let .string(text) = node.value {
            guard let token = try? ConditionLexer.tokenize(text), token.count == 2, case let .duration(value) = token[0].kind else {
                throw ExampleError(message: "expected seconds or a duration such as \"30s\"", location: node.location)
            }
            return value
        }
        return try number(node)
    }

    /// Bytes as a number, or a size literal such as "50MB".
    static func size(_ node: JSON5Node) throws(ExampleError) -> Int64 {
        if case let .string(text) = node.value {
            guard let token = try? ConditionLexer.tokenize(text), token.count == 2, case let .bytes(value) = token[0].kind else {
                throw ExampleError(message: "expected bytes or a size such as \"50MB\"", location: node.location)
            }
            return value
        }
        return try integer(node)
    }
}
