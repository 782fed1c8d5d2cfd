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
                        problems.append(
                            RuleDiagnostic(
                                file: rule.origin.file, location: node.location, code: .exampleMismatch,
                                message: "rule '\(rule.id)': this example should \(expected ? "" : "not ")match, but it does\(expected ? " not" : "")"))
                    }
                } catch {
                    problems.append(
                        RuleDiagnostic(file: rule.origin.file, location: error.location, code: error.code, message: "rule '\(rule.id)': \(error.message)"))
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
    static func build(_ node: JSON5Node, subject: Subject) throws(ExampleError) -> (EvaluationContext, FindingRef) {
        var builder = State()
        switch subject {
        case .process:
            let index = try builder.process(node, pid: nil, ppid: nil)
            return (builder.context(), .process(index))
        case .socket:
            let socket = try builder.socket(node)
            builder.sockets.append(socket)
            return (builder.context(), .socket(builder.sockets.count - 1))
        case .pidfile:
            var file = PidFileRecord(path: "/run/example.pid", pid: nil, alive: false)
            for (field, value) in try fields(node, PidFileField.self, what: "a PID file") { try set(field, value, on: &file, adding: &builder) }
            builder.pidfiles.append(file)
            return (builder.context(), .pidfile(0))
        }
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
            var example = ProcessExample(record: ProcessRecord(pid: 0, ppid: forcedPpid ?? 1, state: "S"))
            let written = try fields(node, ProcessField.self, what: "a process")
            for (field, value) in written { try field.entry.setExample(&example, value) }
            let index = add(example, pid: forcedPid)
            if let parent = example.parent { try addParent(parent, of: index, ppidGiven: written.contains { $0.0 == .ppid }) }
            for child in example.children ?? [] { _ = try process(child, pid: nil, ppid: processes[index].pid) }
            for socket in example.sockets ?? [] { try addSockets(socket, heldBy: index) }
            return index
        }

        /// Fills in what the example left out (a pid, `listening`, a name from the cmdline), records
        /// its samples, baseline and tracking, and appends the process; returns its index.
        private mutating func add(_ example: ProcessExample, pid forcedPid: Int32?) -> Int {
            var p = example.record
            if let forcedPid { p.pid = forcedPid }
            if p.pid == 0 {
                p.pid = nextPid
                nextPid += 1
            }
            if p.ports != nil && p.listening == nil { p.listening = !(p.ports ?? []).isEmpty }
            if p.name.isEmpty, let first = p.cmdline?.split(separator: " ").first {
                p.name = String(first.split(separator: "/").last ?? first)
            }
            if example.tracked == true { tracked.insert(p.pid) }
            if let cpu = example.cpu {
                samples[p.pid] = (cpu, example.stateBefore ?? p.state)
            } else if let stateBefore = example.stateBefore {
                samples[p.pid] = (0, stateBefore)
            }
            if let new = example.new {
                var known = baseline ?? []
                if !new { known.insert(p.identity) }
                baseline = known
            }
            processes.append(p)
            return processes.count - 1
        }

        /// The parent written inline takes its own `pid`, else the example's `ppid`, else a fresh pid.
        private mutating func addParent(_ node: JSON5Node, of index: Int, ppidGiven: Bool) throws(ExampleError) {
            var parentPid: Int32? = ppidGiven ? processes[index].ppid : nil
            if case let .object(list) = node.value, let given = list.first(where: { $0.key == "pid" }) {
                parentPid = Int32(try integer(given.value))
            }
            let pid = parentPid ?? nextPid
            if parentPid == nil { nextPid += 1 }
            processes[index].ppid = pid
            _ = try process(node, pid: pid, ppid: nil)
        }

        /// A socket written inline, held by the process at `index`; `repeat: N` (examples only)
        /// stands for N such sockets.
        private mutating func addSockets(_ node: JSON5Node, heldBy index: Int) throws(ExampleError) {
            var copies = 1
            var withoutRepeat = node
            if case let .object(list) = node.value, let repeatMember = list.first(where: { $0.key == "repeat" }) {
                copies = Int(try integer(repeatMember.value))
                withoutRepeat.value = .object(list.filter { $0.key != "repeat" })
            }
            var socket = try socket(withoutRepeat)
            socket.owners = [processes[index].pid]
            for _ in 0..<max(0, copies) {
                socket.inode = UInt64(sockets.count + 1)
                sockets.append(socket)
            }
            processes[index].fds = (processes[index].fds ?? 0) + copies
        }

        /// A socket example; owners written inline are added to the processes.
        mutating func socket(_ node: JSON5Node) throws(ExampleError) -> SocketRecord {
            var example = SocketExample(record: SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8000, state: "LISTEN", inode: 1))
            for (field, value) in try fields(node, SocketField.self, what: "a socket") { try field.entry.setExample(&example, value) }
            if let owner = example.owner { example.record.owners = [processes[try process(owner, pid: nil, ppid: nil)].pid] }
            if let owners = example.owners {
                example.record.owners = try owners.map { (item: JSON5Node) throws(ExampleError) -> Int32 in
                    processes[try process(item, pid: nil, ppid: nil)].pid
                }
            }
            return example.record
        }
    }

    /// The object's members in order, refusing a key written twice and keys not in `allowed` (empty: any key).
    static func members(_ node: JSON5Node, allowed: [String], what: String) throws(ExampleError) -> [(key: String, member: JSON5Member)] {
        let object: JSON5Object
        do {
            object = try JSON5Object(
                node, allowed: allowed.isEmpty ? nil : allowed, what: what, unknown: .unknownField,
                notAnObject: "an example of \(what) is an object of its fields")
        } catch {
            throw ExampleError(error)
        }
        if let first = object.problems.first { throw ExampleError(first) }
        return object.members.map { ($0.key, $0) }
    }

    // The typed readers below are never inlined: Swift 6.3.1's ownership verifier rejects their
    // borrow of `node` once they are inlined into the example initializers specialized for the
    // record's keys (`SnapshotInteger` for `UInt64`, `Optional` for `Bool`), and the release build
    // stops with "Found outside of lifetime use". Examples are read once per rule check.
    @inline(never)
    static func string(_ node: JSON5Node) throws(ExampleError) -> String {
        try typed(node.stringValue, node, "expected a string")
    }

    static func optionalString(_ node: JSON5Node) throws(ExampleError) -> String? {
        node.isNull ? nil : try string(node)
    }

    @inline(never)
    static func bool(_ node: JSON5Node) throws(ExampleError) -> Bool {
        try typed(node.boolValue, node, "expected true or false")
    }

    static func optionalBool(_ node: JSON5Node) throws(ExampleError) -> Bool? {
        node.isNull ? nil : try bool(node)
    }

    @inline(never)
    static func integer(_ node: JSON5Node) throws(ExampleError) -> Int64 {
        try typed(node.integerValue, node, "expected an integer")
    }

    @inline(never)
    static func number(_ node: JSON5Node) throws(ExampleError) -> Double {
        try typed(node.numberValue, node, "expected a number")
    }

    @inline(never)
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
