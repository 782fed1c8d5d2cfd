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
    /// Only the processes that hold a socket the snapshot lists (`zscan ports`): each process's
    /// descriptors are read first, and the rest of it only if it holds one, which saves reading
    /// `stat`, `status` and `cmdline` of every other process.
    public let onlySocketHolders: Bool

    /// zscan's own environment, whose CI job cookie a process's is compared with (`job`): the
    /// command's environment, and under `zscan run` its own `ZSCAN_RUN_ID` too.
    public let ownEnvironment: [String: String]

    /// A read of at least this many processes per worker is shared among worker threads; fewer
    /// are read on the caller's thread (a thread costs about what reading one process does, so
    /// 64 keeps a small scan on one thread; measured: 500 processes on 2 cores 30 → 21 ms
    /// against 256).
    static let processesPerWorker = 64

    public init(
        procRoot: String = "/proc", passwdPath: String = "/etc/passwd", threads: Int? = nil, useNetlink: Bool? = nil,
        onlySocketHolders: Bool = false, ownEnvironment: [String: String] = ProcessEnvironment.current
    ) {
        self.procRoot = procRoot
        self.passwdPath = passwdPath
        self.threads = threads
        self.useNetlink = useNetlink ?? (procRoot == "/proc")
        self.onlySocketHolders = onlySocketHolders
        self.ownEnvironment = ownEnvironment
    }

    /// Every group of `fields` for every process, in one pass.
    public func collect(what requested: FieldSet) throws(ScanError) -> Snapshot {
        let fields = requested.normalized
        return try read(fields: fields, groups: fields)
    }

    /// Every process's `stat`, and its descriptors when socket owners or pipe readers are asked
    /// about (`FieldSet.surveyed`), with the socket tables; the rest waits for `complete`.
    public func survey(what requested: FieldSet) throws(ScanError) -> Snapshot {
        let fields = requested.normalized
        return try read(fields: fields, groups: fields.surveyed)
    }

    /// Reads `groups` of every process; `fields` (the snapshot's) decides what descriptor links and
    /// socket tables are read for.
    private func read(fields: FieldSet, groups: FieldSet) throws(ScanError) -> Snapshot {
        let started = HostFacts.monotonic()
        let takenAt = HostFacts.wallClock()
        let file = ProcFile()
        var host = HostFacts.read(procRoot: procRoot, file: file)
        let procFD = try openRoot()
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

        let workers = workerCount(for: pids.count)
        let counted = CounterSlots(count: workers)
        let cursor = BatchCursor(total: pids.count, batch: 32)
        let hostFacts = host
        let ownNetns = ownNamespace
        let perProcess = groups.intersection(.perProcess).subtracting(.provenance)
        let holdersOnly = onlySocketHolders && fields.readsSockets
        // The workers fill the final array's own storage, one slot per pid, which is then
        // compacted in place: a snapshot's records exist once, never in a second copy.
        var processes = [ProcessRecord](unsafeUninitializedCapacity: pids.count) { storage, initialized in
            let table = SlotTable(storage.baseAddress!, count: pids.count)
            WorkerPool.run(count: workers) { worker in
                let reader = ProcessReader(
                    fields: fields, host: hostFacts, ownNamespaceSockets: ownInodes, ownNamespace: ownNetns,
                    onlySocketHolders: holdersOnly)
                while let range = cursor.take() {
                    for i in range {
                        if let process = reader.read(pid: pids[i], procFD: procFD, groups: perProcess) { table.put(process, at: i) }
                    }
                }
                counted.store(worker, reader.counters)
            }
            initialized = table.compact()
        }
        var counters = ScanCounters()
        for slot in counted.all { counters.add(slot) }
        let userDatabaseError = perProcess.contains(.status) ? nameUsers(&processes, file: file) : nil
        if fields.readsSockets {
            let others = readOtherNamespaces(processes: processes, ownNamespace: ownNamespace, file: file)
            sockets += listeningOnly ? others.filter(\.isListening) : others
        }

        var snapshot = Snapshot(
            host: host, takenAt: takenAt, fields: fields, counters: counters, userDatabaseError: userDatabaseError,
            processes: processes, sockets: sockets)
        // The snapshot holds the only reference, so linking updates the table in place.
        processes = []
        snapshot.link()
        if groups.contains(.provenance) {
            var provenance = ProvenanceReader(procRoot: procRoot, fields: fields, ownEnvironment: ownEnvironment)
            provenance.read(into: &snapshot, procFD: procFD)
            snapshot.counters.add(provenance.counters)
            for i in snapshot.processes.indices { snapshot.processes[i].read.insert(.provenance) }
        }
        // Without the candidates' facts (a survey), provenance is decided for everyone else.
        if fields.contains(.provenance) { snapshot.deriveProvenance(pidfiles: []) }
        if let initProcess = snapshot.process(pid: 1) {
            host.initPid = 1
            host.initName = initProcess.name
            snapshot.host = host
        }
        snapshot.durationMs = ((HostFacts.monotonic() - started) * 1e5).rounded() / 100
        return snapshot
    }

    /// Reads, for each planned process, the groups it has not read yet, through its directory
    /// reopened by identity (seconds may have passed since the survey); a process gone, turned
    /// zombie or replaced meanwhile is dropped and counted as vanished.
    public func complete(_ snapshot: inout Snapshot, plan: ReadPlan) {
        guard !plan.isEmpty, let procFD = try? openRoot() else { return }
        defer { close(procFD) }
        let index = snapshot.pidIndex
        var work: [(index: Int, groups: FieldSet)] = []
        var provenance: Set<Int32> = []
        for (pid, asked) in plan {
            guard let i = index[pid] else { continue }
            let missing = asked.normalized.intersection(.perProcess).subtracting(snapshot.processes[i].read)
            var groups = missing.subtracting(.provenance)
            if missing.contains(.provenance) {
                provenance.insert(pid)
                // The facts provenance rests on include these when the scan reads them at all.
                groups.formUnion(snapshot.fields.intersection([.cwd, .cgroup]).subtracting(snapshot.processes[i].read))
            }
            if !groups.isEmpty { work.append((i, groups)) }
        }
        work.sort { $0.index < $1.index }

        let fields = snapshot.fields
        let host = snapshot.host
        let workers = workerCount(for: work.count)
        let counted = CounterSlots(count: workers)
        let cursor = BatchCursor(total: work.count, batch: 16)
        let gone = Flags(count: work.count)
        let items = work
        snapshot.processes.withUnsafeMutableBufferPointer { records in
            let shared = SharedRecords(records.baseAddress!)
            WorkerPool.run(count: workers) { worker in
                let reader = ProcessReader(fields: fields, host: host)
                while let range = cursor.take() {
                    for k in range where !reader.complete(&shared.base[items[k].index], groups: items[k].groups, procFD: procFD) {
                        gone.set(k)
                    }
                }
                counted.store(worker, reader.counters)
            }
        }
        for slot in counted.all { snapshot.counters.add(slot) }
        if work.contains(where: { $0.groups.contains(.status) }), let error = nameUsers(&snapshot.processes, file: ProcFile()) {
            snapshot.userDatabaseError = error
        }

        let dropped = Set(work.indices.filter(gone.isSet).map { snapshot.processes[work[$0].index].pid })
        if !dropped.isEmpty {
            snapshot.processes.removeAll { dropped.contains($0.pid) }
            snapshot.link()
        }
        provenance.subtract(dropped)
        if !provenance.isEmpty {
            var reader = ProvenanceReader(procRoot: procRoot, fields: fields, ownEnvironment: ownEnvironment)
            reader.read(into: &snapshot, procFD: procFD, pids: provenance)
            snapshot.counters.add(reader.counters)
            for i in snapshot.processes.indices where provenance.contains(snapshot.processes[i].pid) {
                snapshot.processes[i].read.insert(.provenance)
            }
        }
        if fields.contains(.provenance) { snapshot.deriveProvenance(pidfiles: []) }
    }

    /// Each process's `stat` now, by path: absent when it exited or its pid names another process.
    public func reread(_ identities: [ProcessIdentity]) -> [ProcessIdentity: ProcessSample] {
        guard !identities.isEmpty, let procFD = try? openRoot() else { return [:] }
        defer { close(procFD) }
        let reader = ProcessReader(fields: [], host: HostFacts.read(procRoot: procRoot, file: ProcFile()))
        var samples: [ProcessIdentity: ProcessSample] = [:]
        for identity in identities {
            if let sample = reader.sample(identity, procFD: procFD) { samples[identity] = sample }
        }
        return samples
    }

    private func openRoot() throws(ScanError) -> Int32 {
        do {
            return try ProcFile.openDirectory(procRoot)
        } catch {
            throw .procUnreadable(path: procRoot, errno: errno, reason: String(cString: strerror(errno)))
        }
    }

    /// `threads`, or one per usable core but no more than one per `processesPerWorker` processes.
    private func workerCount(for processes: Int) -> Int {
        threads ?? min(WorkerPool.usableCores(), max(1, processes / LinuxSnapshotSource.processesPerWorker))
    }

    /// The user names of the processes whose uid is known and name is not; returns why the user
    /// database could not be read when one was needed (those processes keep only their uid).
    private func nameUsers(_ processes: inout [ProcessRecord], file: ProcFile) -> String? {
        guard processes.contains(where: { $0.user == nil && $0.uid != nil }) else { return nil }
        let users = UserDirectory(passwdPath: passwdPath, file: file)
        for i in processes.indices where processes[i].user == nil {
            if let uid = processes[i].uid { processes[i].user = users.name(of: uid) }
        }
        return users.unreadable
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

/// The snapshot's records while workers complete them, each at its own index.
private final class SharedRecords: @unchecked Sendable {
    let base: UnsafeMutablePointer<ProcessRecord>
    init(_ base: UnsafeMutablePointer<ProcessRecord>) { self.base = base }
}

/// One flag per work item, each set by the one worker that holds that item.
private final class Flags: @unchecked Sendable {
    private let flags: UnsafeMutableBufferPointer<Bool>

    init(count: Int) {
        flags = .allocate(capacity: count)
        flags.initialize(repeating: false)
    }

    deinit { flags.deallocate() }

    func set(_ i: Int) { flags[i] = true }
    func isSet(_ i: Int) -> Bool { flags[i] }
}
