/// Every field a condition can name, per subject: its type, and what the snapshot must read for it
/// (so a rule set that never mentions ports reads no descriptors).
public struct FieldSpec: Sendable {
    public var name: String
    public var type: ValueType
    public var needs: FieldSet
    /// Needs two reads a `--sample` apart (`cpu`, `state_before`).
    public var sampled: Bool
    /// Needs a `--baseline` snapshot (`new`).
    public var baseline: Bool

    init(_ name: String, _ type: ValueType, _ needs: FieldSet = [], sampled: Bool = false, baseline: Bool = false) {
        self.name = name
        self.type = type
        self.needs = needs
        self.sampled = sampled
        self.baseline = baseline
    }
}

public enum FieldSchema {
    public static let process: [FieldSpec] = [
        FieldSpec("pid", .int), FieldSpec("ppid", .int), FieldSpec("pgid", .int), FieldSpec("sid", .int),
        FieldSpec("tty", .string), FieldSpec("state", .string), FieldSpec("name", .string),
        FieldSpec("exe", .string, .exe), FieldSpec("cmdline", .string, .cmdline), FieldSpec("args", .list(.string), [.cmdline, .args]),
        FieldSpec("cwd", .string, .cwd), FieldSpec("user", .string, .status), FieldSpec("uid", .int, .status),
        FieldSpec("start_ticks", .int), FieldSpec("started_at", .float), FieldSpec("age", .duration),
        FieldSpec("cpu", .float, sampled: true), FieldSpec("state_before", .string, sampled: true),
        FieldSpec("cpu_time", .duration), FieldSpec("rss", .bytes), FieldSpec("threads", .int),
        FieldSpec("fds", .int, .fds), FieldSpec("ports", .list(.int), .listeners), FieldSpec("listening", .bool, .listeners),
        FieldSpec("connections", .int, .sockets), FieldSpec("sockets", .list(.socket), [.fds, .sockets]),
        FieldSpec("children", .list(.process)), FieldSpec("parent", .process),
        FieldSpec("env", .map, .env), FieldSpec("cgroup", .string, .cgroup), FieldSpec("kernel_thread", .bool),
        FieldSpec("reparented", .bool), FieldSpec("session_alive", .bool), FieldSpec("orphaned", .bool),
        // `tracked` needs no environments read: `zscan run` knows its descendants and reads the
        // cookie itself; elsewhere an unread environment leaves it unknown.
        FieldSpec("new", .bool, baseline: true), FieldSpec("tracked", .bool),
    ]

    public static let socket: [FieldSpec] = [
        FieldSpec("proto", .string), FieldSpec("local_address", .string), FieldSpec("local_port", .int),
        FieldSpec("remote_address", .string), FieldSpec("remote_port", .int), FieldSpec("state", .string),
        FieldSpec("inode", .int), FieldSpec("uid", .int), FieldSpec("owners", .list(.process)),
        FieldSpec("owner", .process), FieldSpec("owner_known", .bool),
    ]

    public static let pidfile: [FieldSpec] = [
        FieldSpec("path", .string), FieldSpec("pid", .int), FieldSpec("exists", .bool), FieldSpec("process", .process),
        FieldSpec("alive", .bool), FieldSpec("reused", .bool), FieldSpec("age", .duration), FieldSpec("locked", .bool),
    ]

    public static func fields(of subject: Subject) -> [FieldSpec] {
        switch subject {
        case .process: process
        case .socket: socket
        case .pidfile: pidfile
        }
    }

    static func field(_ name: String, of subject: Subject) -> FieldSpec? {
        fields(of: subject).first { $0.name == name }
    }

    /// What reading a subject at all requires.
    static func needs(_ subject: Subject) -> FieldSet {
        subject == .socket ? [.fds, .sockets] : []
    }
}

/// Fields resolved when rules load, so evaluation switches on an enum, never on a name.
enum FieldID: Sendable, Equatable {
    case process(ProcessField)
    case socket(SocketField)
    case pidfile(PidFileField)

    init(subject: Subject, name: String) {
        switch subject {
        case .process: self = .process(ProcessField(rawValue: name)!)
        case .socket: self = .socket(SocketField(rawValue: name)!)
        case .pidfile: self = .pidfile(PidFileField(rawValue: name)!)
        }
    }
}

enum ProcessField: String, CaseIterable, Sendable {
    case pid, ppid, pgid, sid, tty, state, name, exe, cmdline, args, cwd, user, uid
    case startTicks = "start_ticks", startedAt = "started_at", age, cpu, stateBefore = "state_before"
    case cpuTime = "cpu_time", rss, threads, fds, ports, listening, connections, sockets, children, parent
    case env, cgroup, kernelThread = "kernel_thread", reparented, sessionAlive = "session_alive", orphaned
    case new, tracked
}

enum SocketField: String, CaseIterable, Sendable {
    case proto, localAddress = "local_address", localPort = "local_port", remoteAddress = "remote_address"
    case remotePort = "remote_port", state, inode, uid, owners, owner, ownerKnown = "owner_known"
}

enum PidFileField: String, CaseIterable, Sendable {
    case path, pid, exists, process, alive, reused, age, locked
}
