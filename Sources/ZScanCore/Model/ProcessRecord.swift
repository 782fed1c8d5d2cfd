/// One process (thread-group leader) as seen in one snapshot. Optional fields are `nil` when the
/// kernel would not tell (permission) or the process has no such thing (a zombie has no `exe`).
public struct ProcessRecord: Sendable, Equatable {
    public var pid: Int32
    public var ppid: Int32
    /// Process group and session ids; 0 means "the leader lives outside this PID namespace" (unknown).
    public var pgid: Int32
    public var sid: Int32
    /// Controlling terminal name (`pts/3`, `tty1`), or nil when there is none.
    public var tty: String?
    /// The kernel's state letter: R S D Z T t X I P W K.
    public var state: String
    /// `comm`: at most 15 bytes, chosen by the process itself, so untrusted.
    public var name: String
    public var exe: String?
    /// Arguments joined by single spaces; "" for zombies and kernel threads; nil when unreadable.
    public var cmdline: String?
    public var args: [String]?
    public var cwd: String?
    public var user: String?
    /// Effective uid (second field of `Uid:` in `/proc/PID/status`).
    public var uid: UInt32?
    /// Start time in clock ticks since boot (field 22 of `/proc/PID/stat`).
    public var startTicks: UInt64
    /// Start time in seconds since the epoch: boot time + startTicks / clock ticks.
    public var startedAt: Double
    /// Seconds between the start and the snapshot.
    public var age: Double
    /// User + system CPU seconds (fields 14 and 15 of `/proc/PID/stat`).
    public var cpuTime: Double
    /// Resident set size in bytes (field 24 of `/proc/PID/stat` times the page size).
    public var rss: UInt64
    public var threads: Int
    /// Open file descriptors; nil when `/proc/PID/fd` was unreadable or not read.
    public var fds: Int?
    /// Listening TCP ports and bound, unconnected UDP ports of sockets this process holds.
    public var ports: [Int]?
    public var listening: Bool?
    /// Sockets held that are neither listening nor bound-unconnected.
    public var connections: Int?
    public var children: [Int32]
    public var env: [String: String]?
    /// The cgroup v2 path (or the first v1 hierarchy's path).
    public var cgroup: String?
    public var kernelThread: Bool
    /// The parent adopted this process (namespace init or a child subreaper); see `Lineage`.
    public var reparented: Bool?
    /// The session leader still exists and is not a zombie; nil when the session is unknown (sid 0).
    public var sessionAlive: Bool?
    /// Reparented and its session leader is gone: what outlives the shell or runner that started it.
    public var orphaned: Bool
    /// Inode of the network namespace (`/proc/PID/ns/net`), read only for processes holding a socket
    /// that is not in zscan's own namespace's tables; null otherwise.
    public var netns: UInt64?
    /// Socket inodes among the open descriptors, so a loaded snapshot can be linked again.
    public var socketInodes: [UInt64]

    public init(
        pid: Int32, ppid: Int32, pgid: Int32 = 0, sid: Int32 = 0, tty: String? = nil,
        state: String = "S", name: String = "", exe: String? = nil, cmdline: String? = nil,
        args: [String]? = nil, cwd: String? = nil, user: String? = nil, uid: UInt32? = nil,
        startTicks: UInt64 = 0, startedAt: Double = 0, age: Double = 0, cpuTime: Double = 0,
        rss: UInt64 = 0, threads: Int = 1, fds: Int? = nil, ports: [Int]? = nil,
        listening: Bool? = nil, connections: Int? = nil, children: [Int32] = [],
        env: [String: String]? = nil, cgroup: String? = nil, kernelThread: Bool = false,
        reparented: Bool? = nil, sessionAlive: Bool? = nil, orphaned: Bool = false,
        netns: UInt64? = nil, socketInodes: [UInt64] = []
    ) {
        self.pid = pid
        self.ppid = ppid
        self.pgid = pgid
        self.sid = sid
        self.tty = tty
        self.state = state
        self.name = name
        self.exe = exe
        self.cmdline = cmdline
        self.args = args
        self.cwd = cwd
        self.user = user
        self.uid = uid
        self.startTicks = startTicks
        self.startedAt = startedAt
        self.age = age
        self.cpuTime = cpuTime
        self.rss = rss
        self.threads = threads
        self.fds = fds
        self.ports = ports
        self.listening = listening
        self.connections = connections
        self.children = children
        self.env = env
        self.cgroup = cgroup
        self.kernelThread = kernelThread
        self.reparented = reparented
        self.sessionAlive = sessionAlive
        self.orphaned = orphaned
        self.netns = netns
        self.socketInodes = socketInodes
    }

    public var identity: ProcessIdentity { ProcessIdentity(pid: pid, startTicks: startTicks) }
    public var isZombie: Bool { state == "Z" }
    public var isStopped: Bool { state == "T" || state == "t" }

    /// The keys of a process in snapshot JSON, in the order they are written, each with the field it
    /// keeps. A rule field stored here has the key of its own name (`ProcessField.entry`); `netns`
    /// and `socket_inodes` are not rule fields, and fields worked out when rules run (`cpu`,
    /// `parent`, `new`, …) are not stored.
    public enum CodingKeys: String, CaseIterable, RecordKey {
        case pid, ppid, pgid, sid, tty, state, name, exe, cmdline, args, cwd, user, uid
        case startTicks = "start_ticks"
        case startedAt = "started_at"
        case age
        case cpuTime = "cpu_time"
        case rss, threads, fds, ports, listening, connections, children, env, cgroup
        case kernelThread = "kernel_thread"
        case reparented
        case sessionAlive = "session_alive"
        case orphaned, netns
        case socketInodes = "socket_inodes"

        typealias Record = ProcessRecord

        func access<Access: FieldAccess<ProcessRecord>>(_ a: inout Access) throws(Access.Failure) {
            switch self {
            case .pid: try a(\.pid, required: true)
            case .ppid: try a(\.ppid, required: true)
            case .pgid: try a(\.pgid)
            case .sid: try a(\.sid)
            case .tty: try a(\.tty)
            case .state: try a(\.state, required: true)
            case .name: try a(\.name, required: true)
            case .exe: try a(\.exe)
            case .cmdline: try a(\.cmdline)
            case .args: try a(\.args)
            case .cwd: try a(\.cwd)
            case .user: try a(\.user)
            case .uid: try a(\.uid)
            case .startTicks: try a(\.startTicks, required: true)
            case .startedAt: try a(\.startedAt)
            case .age: try a(\.age)
            case .cpuTime: try a(\.cpuTime)
            case .rss: try a(\.rss)
            case .threads: try a(\.threads)
            case .fds: try a(\.fds)
            case .ports: try a(\.ports)
            case .listening: try a(\.listening)
            case .connections: try a(\.connections)
            case .children: try a(\.children)
            case .env: try a(\.env)
            case .cgroup: try a(\.cgroup)
            case .kernelThread: try a(\.kernelThread)
            case .reparented: try a(\.reparented)
            case .sessionAlive: try a(\.sessionAlive)
            case .orphaned: try a(\.orphaned)
            case .netns: try a(\.netns)
            case .socketInodes: try a(\.socketInodes)
            }
        }
    }
}

extension ProcessRecord: SnapshotRecord {
    static var blank: ProcessRecord { ProcessRecord(pid: 0, ppid: 0) }
    static let keys = CodingKeys.allCases
}
