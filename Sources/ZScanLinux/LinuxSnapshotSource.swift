import Glibc
import ZScanCore

/// Takes snapshots from a procfs tree: `/proc` by default, or a fixture tree in tests.
public struct LinuxSnapshotSource: SnapshotSource {
    public let procRoot: String
    public let passwdPath: String
    /// Worker threads; nil means one per online core, fewer for small process tables.
    public let threads: Int?
    /// Read zscan's own namespace's TCP table through netlink sock_diag (falling back to
    /// `/proc/net` when refused); only meaningful for the live `/proc`.
    public let useNetlink: Bool
    /// Seconds a zombie must stay one to be kept. A parent that waits for its children reaps
    /// each within moments of its exit, so a zombie seen once may be gone the next instant:
    /// that is a process ending, not a zombie left behind (scripts/churn shows it). Zombies are read
    /// again this long after the collection, and those reaped meanwhile are dropped as vanished.
    /// The scan (`zscan scan`, `zscan run`) uses `scanZombieGrace`; a snapshot, `zscan ports` and
    /// cleanup's rescans show the moment as it is and take 0.
    public let zombieGrace: Double
    /// Only the processes that hold a socket the snapshot lists (`zscan ports`): each process's
    /// descriptors are read first, and the rest of it only if it holds one, which saves reading
    /// `stat`, `status` and `cmdline` of every other process.
    public let onlySocketHolders: Bool

    /// zscan's own environment, whose CI job cookie a process's is compared with (`job`): the
    /// command's environment, and under `zscan run` its own `ZSCAN_RUN_ID` too.
    public let ownEnvironment: [String: String]

    public static let scanZombieGrace = 0.05

    public init(
        procRoot: String = "/proc", passwdPath: String = "/etc/passwd", threads: Int? = nil, useNetlink: Bool? = nil,
        zombieGrace: Double = 0, onlySocketHolders: Bool = false, ownEnvironment: [String: String] = ProcessEnvironment.current
    ) {
        self.procRoot = procRoot
        self.passwdPath = passwdPath
        self.threads = threads
        self.useNetlink = useNetlink ?? (procRoot == "/proc")
        self.zombieGrace = zombieGrace
        self.onlySocketHolders = onlySocketHolders
        self.ownEnvironment = ownEnvironment
    }

    public func collect(what requested: FieldSet) throws(ScanError) -> Snapshot {
        let fields = requested.normalized
        let started = HostFacts.monotonic()
        let takenAt = HostFacts.wallClock()
        let file = ProcFile()
        var host = HostFacts.read(procRoot: procRoot, file: file)

        let procFD: Int32
        do {
            procFD = try ProcFile.openDirectory(procRoot)
        } catch {
            throw .procUnreadable(path: procRoot, errno: errno, reason: String(cString: strerror(errno)))
        }
        defer { close(procFD) }
        let pids = try listPids(procFD: procFD)

        // zscan's own namespace's sockets first: a process holding only those needs no ns/net read.
        var ownNamespace: UInt64? = nil
        var sockets: [SocketRecord] = []
        let listeningOnly = !fields.contains(.sockets)
        if fields.readsSockets {
            ownNamespace = (try? file.readLink(procRoot + "/self/ns/net", relativeTo: AT_FDCWD))
                .flatMap { NamespaceLink.inode(file.buffer, count: $0) }
            sockets = readOwnNamespace(netns: ownNamespace, listeningOnly: listeningOnly, file: file)
        }
        let ownInodes = Set(sockets.map(\.inode))

        let workers = threads ?? min(WorkerPool.onlineCores(), max(1, pids.count / 256))
        let counted = CounterSlots(count: workers)
        let cursor = BatchCursor(total: pids.count, batch: 32)
        let hostFacts = host
        let ownNetns = ownNamespace
        // The workers fill the final array's own storage, one slot per pid, which is then
        // compacted in place: a snapshot's records exist once, never in a second copy.
        var processes = [ProcessRecord](unsafeUninitializedCapacity: pids.count) { storage, initialized in
            let table = SlotTable(storage.baseAddress!, count: pids.count)
            WorkerPool.run(count: workers) { worker in
                let reader = ProcessReader(
                    fields: fields, host: hostFacts, ownNamespaceSockets: ownInodes, ownNamespace: ownNetns,
                    onlySocketHolders: onlySocketHolders && fields.readsSockets)
                while let range = cursor.take() {
                    for i in range {
                        if let process = reader.read(pid: pids[i], procFD: procFD) { table.put(process, at: i) }
                    }
                }
                counted.store(worker, reader.counters)
            }
            initialized = table.compact()
        }
        var counters = ScanCounters()
        for slot in counted.all { counters.add(slot) }
        counters.vanished += dropReapedZombies(&processes, procFD: procFD, file: file)

        if fields.contains(.status) {
            let users = UserDirectory(passwdPath: passwdPath, file: file)
            for i in processes.indices {
                if let uid = processes[i].uid { processes[i].user = users.name(of: uid) }
            }
        }
        if fields.readsSockets {
            let others = readOtherNamespaces(processes: processes, ownNamespace: ownNamespace, file: file)
            sockets += listeningOnly ? others.filter(\.isListening) : others
        }

        var snapshot = Snapshot(
            host: host, takenAt: takenAt, fields: fields, counters: counters, processes: processes, sockets: sockets)
        // The snapshot holds the only reference, so linking updates the table in place.
        processes = []
        snapshot.link()
        if fields.contains(.provenance) {
            var provenance = ProvenanceReader(procRoot: procRoot, fields: fields, ownEnvironment: ownEnvironment)
            provenance.read(into: &snapshot, procFD: procFD)
            snapshot.counters.add(provenance.counters)
            snapshot.deriveProvenance(pidfiles: [])
        }
        if let initProcess = snapshot.process(pid: 1) {
            host.initPid = 1
            host.initName = initProcess.name
            snapshot.host = host
        }
        snapshot.durationMs = ((HostFacts.monotonic() - started) * 1e5).rounded() / 100
        return snapshot
    }

    /// Reads every zombie again `zombieGrace` seconds after the collection and drops those whose
    /// parent reaped them meanwhile (the pid is gone, or is another process now); returns how many.
    private func dropReapedZombies(_ processes: inout [ProcessRecord], procFD: Int32, file: ProcFile) -> Int {
        guard zombieGrace > 0, processes.contains(where: \.isZombie) else { return 0 }
        Clock.sleep(zombieGrace)
        let before = processes.count
        processes.removeAll { process in
            guard process.isZombie else { return false }
            guard let (dirfd, stat) = ProcessReader.reopen(process.identity, procFD: procFD, file: file) else { return true }
            close(dirfd)
            return stat.state != "Z"
        }
        return before - processes.count
    }

    /// The numeric entries of the procfs root: thread-group leaders only (threads are not listed).
    private func listPids(procFD: Int32) throws(ScanError) -> [Int32] {
        var walker = DirectoryWalker()
        var pids: [Int32] = []
        pids.reserveCapacity(1024)
        do {
            try walker.forEachEntry(fd: procFD) { name, length in
                if let pid = Decimal.parse(name, length: length), pid > 0, pid <= Int32.max { pids.append(Int32(pid)) }
                return true
            }
        } catch {
            throw .procUnreadable(path: procRoot, errno: errno, reason: String(cString: strerror(errno)))
        }
        pids.sort()
        return pids
    }

    /// Reads the socket tables of every namespace other than zscan's own that a process was seen in
    /// (`ProcessRecord.netns`), once each, through its first member whose tables can still be read
    /// (a member may exit meanwhile).
    private func readOtherNamespaces(processes: [ProcessRecord], ownNamespace: UInt64?, file: ProcFile) -> [SocketRecord] {
        var sockets: [SocketRecord] = []
        var members: [UInt64: [Int32]] = [:]
        var order: [UInt64] = []
        for process in processes {
            guard let netns = process.netns, netns != ownNamespace else { continue }
            if members[netns] == nil { order.append(netns) }
            members[netns, default: []].append(process.pid)
        }
        for netns in order {
            for pid in members[netns]! {
                if let tables = readTables(directory: "\(procRoot)/\(pid)/net", netns: netns, file: file) {
                    sockets += tables
                    break
                }
            }
        }
        return sockets
    }

    /// zscan's own namespace: TCP through netlink when allowed (LISTEN only when that is all that is
    /// needed), UDP and any fallback from `ROOT/net`.
    private func readOwnNamespace(netns: UInt64?, listeningOnly: Bool, file: ProcFile) -> [SocketRecord] {
        var sockets: [SocketRecord]
        if useNetlink,
            let tcp = NetlinkSocketTable.tcp(
                states: listeningOnly ? NetlinkSocketTable.listenOnly : NetlinkSocketTable.allStates, netns: netns)
        {
            sockets = tcp + (readTables(directory: procRoot + "/net", netns: netns, protos: [.udp, .udp6], file: file) ?? [])
        } else {
            sockets = readTables(directory: procRoot + "/net", netns: netns, file: file) ?? []
        }
        return listeningOnly ? sockets.filter(\.isListening) : sockets
    }

    /// The tables of one namespace (all four unless `protos` says otherwise), or nil when none
    /// could be read.
    private func readTables(
        directory: String, netns: UInt64?, protos: [SocketRecord.Proto] = SocketRecord.Proto.allCases, file: ProcFile
    ) -> [SocketRecord]? {
        var sockets: [SocketRecord] = []
        var readAny = false
        for proto in protos {
            guard let n = try? file.read("\(directory)/\(proto.rawValue)") else { continue }
            readAny = true
            sockets += file.parse(n) { NetTableParser.parse($0, proto: proto, netns: netns) }
        }
        return readAny ? sockets : nil
    }
}
/// Per-worker counters, one slot each, written once by its worker and read after the workers are
/// joined. No lock: the join orders them for ThreadSanitizer too, which does not see the order a
/// contended `Mutex` gives (its slow path, PI futexes in the uninstrumented libswiftSynchronization):
/// the same handover under a Mutex drew race reports in WorkerPoolTests.
private final class CounterSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<ScanCounters>

    init(count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: ScanCounters()) }

    deinit { slots.deallocate() }

    func store(_ worker: Int, _ counters: ScanCounters) { slots[worker] = counters }

    var all: [ScanCounters] { Array(slots) }
}

/// Uninitialized record storage that workers fill at distinct indices (one per pid, so no two
/// threads ever touch the same slot); `compact` then closes the gaps left by vanished processes.
private final class SlotTable: @unchecked Sendable {
    private let base: UnsafeMutablePointer<ProcessRecord>
    private let filled: UnsafeMutableBufferPointer<Bool>

    init(_ base: UnsafeMutablePointer<ProcessRecord>, count: Int) {
        self.base = base
        filled = .allocate(capacity: count)
        filled.initialize(repeating: false)
    }

    deinit { filled.deallocate() }

    func put(_ record: ProcessRecord, at index: Int) {
        (base + index).initialize(to: record)
        filled[index] = true
    }

    /// Moves the filled slots to the front, in index order; returns how many there are.
    func compact() -> Int {
        var count = 0
        for index in filled.indices where filled[index] {
            if index != count { (base + count).moveInitialize(from: base + index, count: 1) }
            count += 1
        }
        return count
    }
}
