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
        FieldSpec("exe", .string, .exe), FieldSpec("cmdline", .string, .cmdline), FieldSpec("args", .list(.string), .cmdline),
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
