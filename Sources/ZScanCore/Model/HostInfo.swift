/// Facts about the machine a snapshot was taken on, needed to interpret its times and pids.
public struct HostInfo: Sendable, Equatable {
    public var hostname: String
    public var kernel: String
    /// Boot time in seconds since the epoch (wall clock now minus `/proc/uptime`).
    public var bootTime: Double
    /// Seconds since boot when the snapshot started (`/proc/uptime`).
    public var uptime: Double
    /// `sysconf(_SC_CLK_TCK)`: the unit of start times and CPU times in `/proc/PID/stat`.
    public var clockTicks: Int
    public var pageSize: Int
    /// Pid of this PID namespace's init as seen from here (1), or nil when it is not visible.
    public var initPid: Int32?
    public var initName: String?
    /// Pid of the zscan process that took the snapshot (in its own namespace).
    public var collectorPid: Int32
    /// Whether the collecting zscan was a child subreaper (`zscan run`).
    public var collectorSubreaper: Bool
    /// zscan's own PID namespace (inode of `/proc/self/ns/pid`): a process in another one is in a
    /// container or sandbox below it. Nil when unreadable.
    public var pidNamespace: UInt64?
    /// The container zscan itself runs in, from its own cgroup or, under a private cgroup
    /// namespace, its mounts (`ContainerCgroup`); nil on the host or when nothing says.
    public var container: ContainerInfo?

    public init(
        hostname: String = "", kernel: String = "", bootTime: Double = 0, uptime: Double = 0,
        clockTicks: Int = 100, pageSize: Int = 4096, initPid: Int32? = 1, initName: String? = nil,
        collectorPid: Int32 = 0, collectorSubreaper: Bool = false, pidNamespace: UInt64? = nil, container: ContainerInfo? = nil
    ) {
        self.hostname = hostname
        self.kernel = kernel
        self.bootTime = bootTime
        self.uptime = uptime
        self.clockTicks = clockTicks
        self.pageSize = pageSize
        self.initPid = initPid
        self.initName = initName
        self.collectorPid = collectorPid
        self.collectorSubreaper = collectorSubreaper
        self.pidNamespace = pidNamespace
        self.container = container
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case hostname, kernel
        case bootTime = "boot_time"
        case uptime
        case clockTicks = "clock_ticks"
        case pageSize = "page_size"
        case initPid = "init_pid"
        case initName = "init_name"
        case collectorPid = "collector_pid"
        case collectorSubreaper = "collector_subreaper"
        case pidNamespace = "pid_ns"
        case container
    }
}
