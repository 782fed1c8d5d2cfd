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
    /// The binary was deleted or replaced since the process started (`exe` ended in ` (deleted)`
    /// and no file of that full name exists; `exe` is shown without the suffix); nil when `exe` is.
    public var exeDeleted: Bool?
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
    /// Its starter exited and the namespace init or a child subreaper took it, whether or not its
    /// session leader lives; nil when the parent is not visible. See `Lineage` and `Provenance`.
    public var adopted: Bool?
    /// The session leader still exists and is not a zombie; nil when the session is unknown (sid 0).
    public var sessionAlive: Bool?
    /// Whoever started it meant it to outlive them (nohup, daemon(3) conventions, a PID file or a
    /// lock, a systemd service, a CI opt-out); nil when not an adoption candidate or not read.
    public var detached: Bool?
    /// Adopted and not detached: what outlives the shell, script or runner that started it.
    public var orphaned: Bool
    /// Why zscan says what it says about `adopted` and `detached`, one short sentence each
    /// ("parent exited; now init (1)", "ignores SIGHUP (nohup)"); empty for other processes.
    public var evidence: [String]
    /// A live PID file that names this process (path), from the PID files the scan read.
    public var pidfile: String?

    // Facts read only for adoption candidates (`Lineage.adoptionCandidates`); nil elsewhere.

    /// SIGHUP is ignored (`SigIgn` bit 0 of `/proc/PID/status`): what `nohup` leaves.
    public var ignoresSighup: Bool?
    /// Where descriptors 0, 1 and 2 point (`/dev/null`, `pipe:[123]`, `/dev/pts/3`); "" for a
    /// closed one.
    public var stdio: [String]?
    /// A `*.pid` or `*.lock` file it holds open that a lock in `/proc/locks` is on.
    public var lockedFile: String?
    /// Its CI job compared with zscan's own: `same`, `other` or `none`; nil when its environment
    /// could not be read. See `JobCookie`.
    public var job: String?
    /// The cookie that decided `job`, shortened for display (`RUNNER_TRACKING_ID=github_0c9e1f2a…`).
    public var jobCookie: String?
    /// For `job == other`: a process that was not adopted still carries the same cookie, so that
    /// job is still running (the host runs jobs side by side); nil when not looked for.
    public var jobAlive: Bool?
    /// A CI system's documented opt-out from its process cleanup (`JENKINS_NODE_COOKIE=dontKillMe`).
    public var ciOptOut: String?
    /// Inode of the network namespace (`/proc/PID/ns/net`), read only for processes holding a socket
    /// that is not in zscan's own namespace's tables; null otherwise.
    public var netns: UInt64?
    /// Inode of its PID namespace (`/proc/PID/ns/pid`); nil when unreadable or not read.
    public var pidNs: UInt64?
    /// Its pid inside its own PID namespace: the last `NSpid:` of `/proc/PID/status`.
    public var nsPid: Int32?
    /// It is PID 1 of its PID namespace (`nsPid == 1`): the process that must reap that
    /// namespace's orphans, and whose end ends every other process in it.
    public var nsInit: Bool?
    /// The container its cgroup path names (`ContainerCgroup`), or, in a PID namespace other than
    /// zscan's own under a path no runtime is known by, `unknown` with that path; nil on the host.
    public var container: ContainerInfo?
    /// Socket inodes among the open descriptors, so a loaded snapshot can be linked again.
    public var socketInodes: [UInt64]
    /// Pipe inodes among the open descriptors (read with `provenance`): a candidate's standard
    /// output on a pipe that no other process holds lost its reader.
    public var pipeInodes: [UInt64]
    /// The groups of files read for this process. A scan reads `stat` of every process first and
    /// the rest only for the processes a rule could still match (`ReadPlan`); a field whose group is
    /// not here was not read, which is not the same as unreadable. Not kept in snapshot JSON (a
    /// loaded snapshot is evaluated as it is, never completed).
    public var read: FieldSet = []

    public init(
        pid: Int32, ppid: Int32, pgid: Int32 = 0, sid: Int32 = 0, tty: String? = nil,
        state: String = "S", name: String = "", exe: String? = nil, exeDeleted: Bool? = nil, cmdline: String? = nil,
        args: [String]? = nil, cwd: String? = nil, user: String? = nil, uid: UInt32? = nil,
        startTicks: UInt64 = 0, startedAt: Double = 0, age: Double = 0, cpuTime: Double = 0,
        rss: UInt64 = 0, threads: Int = 1, fds: Int? = nil, ports: [Int]? = nil,
        listening: Bool? = nil, connections: Int? = nil, children: [Int32] = [],
        env: [String: String]? = nil, cgroup: String? = nil, kernelThread: Bool = false,
        adopted: Bool? = nil, sessionAlive: Bool? = nil, detached: Bool? = nil, orphaned: Bool = false,
        evidence: [String] = [], pidfile: String? = nil, ignoresSighup: Bool? = nil, stdio: [String]? = nil,
        lockedFile: String? = nil, job: String? = nil, jobCookie: String? = nil, jobAlive: Bool? = nil,
        ciOptOut: String? = nil, netns: UInt64? = nil, pidNs: UInt64? = nil, nsPid: Int32? = nil, nsInit: Bool? = nil,
        container: ContainerInfo? = nil, socketInodes: [UInt64] = [], pipeInodes: [UInt64] = []
    ) {
        self.pid = pid
        self.ppid = ppid
        self.pgid = pgid
        self.sid = sid
        self.tty = tty
        self.state = state
        self.name = name
        self.exe = exe
        self.exeDeleted = exeDeleted
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
        self.adopted = adopted
        self.sessionAlive = sessionAlive
        self.detached = detached
        self.orphaned = orphaned
        self.evidence = evidence
        self.pidfile = pidfile
        self.ignoresSighup = ignoresSighup
        self.stdio = stdio
        self.lockedFile = lockedFile
        self.job = job
        self.jobCookie = jobCookie
        self.jobAlive = jobAlive
        self.ciOptOut = ciOptOut
        self.netns = netns
        self.pidNs = pidNs
        self.nsPid = nsPid
        self.nsInit = nsInit
        self.container = container
        self.socketInodes = socketInodes
        self.pipeInodes = pipeInodes
    }

    public var identity: ProcessIdentity { ProcessIdentity(pid: pid, startTicks: startTicks) }
    public var isZombie: Bool { state == "Z" }
    public var isStopped: Bool { state == "T" || state == "t" }

    /// The keys of a process in snapshot JSON, in the order they are written, each with the field it
    /// keeps. A rule field stored here has the key of its own name (`ProcessField.entry`); `netns`,
    /// `socket_inodes`, `pipe_inodes` and `job_cookie` are not rule fields, and fields worked out when rules run (`cpu`,
    /// `parent`, `new`, …) are not stored.
    public enum CodingKeys: String, CaseIterable, RecordKey {
        case pid, ppid, pgid, sid, tty, state, name, exe
        case exeDeleted = "exe_deleted"
        case cmdline, args, cwd, user, uid
        case startTicks = "start_ticks"
        case startedAt = "started_at"
        case age
        case cpuTime = "cpu_time"
        case rss, threads, fds, ports, listening, connections, children, env, cgroup
        case kernelThread = "kernel_thread"
        case adopted
        case sessionAlive = "session_alive"
        case detached, orphaned, evidence, pidfile
        case ignoresSighup = "ignores_sighup"
        case stdio
        case lockedFile = "locked_file"
        case job
        case jobAlive = "job_alive"
        case ciOptOut = "ci_opt_out"
        case pidNs = "pid_ns"
        case nsPid = "ns_pid"
        case nsInit = "ns_init"
        case container
        case jobCookie = "job_cookie"
        case netns
        case socketInodes = "socket_inodes"
        case pipeInodes = "pipe_inodes"

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
            case .exeDeleted: try a(\.exeDeleted)
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
            case .adopted: try a(\.adopted)
            case .sessionAlive: try a(\.sessionAlive)
            case .detached: try a(\.detached)
            case .orphaned: try a(\.orphaned)
            case .evidence: try a(\.evidence)
            case .pidfile: try a(\.pidfile)
            case .ignoresSighup: try a(\.ignoresSighup)
            case .stdio: try a(\.stdio)
            case .lockedFile: try a(\.lockedFile)
            case .job: try a(\.job)
            case .jobAlive: try a(\.jobAlive)
            case .ciOptOut: try a(\.ciOptOut)
            case .jobCookie: try a(\.jobCookie)
            case .pidNs: try a(\.pidNs)
            case .nsPid: try a(\.nsPid)
            case .nsInit: try a(\.nsInit)
            case .container: try a(\.container)
            case .netns: try a(\.netns)
            case .socketInodes: try a(\.socketInodes)
            case .pipeInodes: try a(\.pipeInodes)
            }
        }
    }
}

extension ProcessRecord: SnapshotRecord {
    static var blank: ProcessRecord { ProcessRecord(pid: 0, ppid: 0) }
    static let keys = CodingKeys.allCases
}
