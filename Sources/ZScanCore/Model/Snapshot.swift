/// Everything one collection saw: the host, its processes (pid order) and its sockets.
public struct Snapshot: Sendable, Equatable {
    public static let formatVersion = "1.2"

    public var formatVersion: String
    public var host: HostInfo
    /// Wall-clock time the collection started, seconds since the epoch.
    public var takenAt: Double
    public var durationMs: Double
    public var fields: FieldSet
    public var counters: ScanCounters
    /// Why the user database could not be read when a process's user name was needed
    /// (`/etc/passwd: No such file or directory` in an empty root): those users are known by uid
    /// only, `user` stays null and reports say so. Nil when it was read or never needed.
    public var userDatabaseError: String?
    public var processes: [ProcessRecord]
    public var sockets: [SocketRecord]

    public init(
        host: HostInfo, takenAt: Double = 0, durationMs: Double = 0, fields: FieldSet = .standard,
        counters: ScanCounters = ScanCounters(), userDatabaseError: String? = nil, processes: [ProcessRecord],
        sockets: [SocketRecord] = [], formatVersion: String = Snapshot.formatVersion
    ) {
        self.formatVersion = formatVersion
        self.host = host
        self.takenAt = takenAt
        self.durationMs = durationMs
        self.fields = fields
        self.counters = counters
        self.userDatabaseError = userDatabaseError
        self.processes = processes
        self.sockets = sockets
    }

    public func process(pid: Int32) -> ProcessRecord? {
        var low = 0
        var high = processes.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let candidate = processes[mid].pid
            if candidate == pid { return processes[mid] }
            if candidate < pid { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// Table index by pid.
    public var pidIndex: [Int32: Int] {
        var index: [Int32: Int] = [:]
        index.reserveCapacity(processes.count)
        for i in processes.indices { index[processes[i].pid] = i }
        return index
    }

    /// The parent of `pid`, its parent, … up to the namespace init, as far as the snapshot shows them.
    public func ancestors(of pid: Int32) -> [ProcessRecord] {
        var chain: [ProcessRecord] = []
        var seen: Set<Int32> = [pid]
        var current = process(pid: pid)?.ppid ?? 0
        while current > 0, seen.insert(current).inserted, let parent = process(pid: current) {
            chain.append(parent)
            current = parent.ppid
        }
        return chain
    }

    /// Listening sockets (`SocketRecord.isListening`), ordered by port, protocol and address.
    public var listeningSockets: [SocketRecord] {
        sockets.filter(\.isListening).sorted {
            ($0.localPort, $0.proto.rawValue, $0.localAddress) < ($1.localPort, $1.proto.rawValue, $1.localAddress)
        }
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case formatVersion = "format_version"
        case tool, host
        case takenAt = "taken_at"
        case durationMs = "duration_ms"
        case fields, counters
        case userDatabaseError = "user_database_error"
        case processes, sockets
    }
}
