@testable import ZScanCore

/// A process table in memory behind `ProcessControl`, for cleanup tests: it records every call in
/// order, never sleeps (a fake clock advances instead) and never touches a real process.
///
/// Signals act as the kernel's do: SIGTERM to a stopped process stays pending until SIGCONT,
/// SIGKILL ends a stopped one but not one in D state, a child keeps its parent's ignored TERM
/// across fork, an ended parent's children go to init, which reaps its zombies.
/// Single-threaded use only, hence `@unchecked Sendable`.
final class FakeProcessControl: ProcessControl, @unchecked Sendable {
    /// One simulated process and how it behaves.
    struct Process {
        var record: ProcessRecord
        var ignoresTerm = false
        /// In D state: SIGKILL does not end it.
        var unkillable = false
        /// Its TERM handler forks a child (which inherits `ignoresTerm`).
        var forksOnTerm = false
        var deniesAttach = false
        var deniesSignals = false
        /// Reaps its zombie children on SIGCHLD.
        var reapsOnChld = true
        var alive = true
        var stopped = false
        var termPending = false

        init(_ record: ProcessRecord) {
            self.record = record
            stopped = record.state == "T"
        }
    }

    enum Call: Equatable, CustomStringConvertible {
        case attach(Int32)
        case send(ProcessSignal, Int32)
        case release(Int32)
        /// The parent pids asked about, sorted.
        case children([Int32])
        case wait([Int32], seconds: Double)
        case state(Int32)
        case removeFile(String)

        var description: String {
            switch self {
            case let .attach(pid): "attach \(pid)"
            case let .send(signal, pid): "\(signal.rawValue) \(pid)"
            case let .release(pid): "release \(pid)"
            case let .children(pids): "children of \(pids)"
            case let .wait(pids, seconds): "wait \(seconds)s for \(pids)"
            case let .state(pid): "state \(pid)"
            case let .removeFile(path): "remove \(path)"
            }
        }
    }

    private(set) var processes: [Int32: Process] = [:]
    private(set) var calls: [Call] = []
    /// Seconds `waitForExit` pretended to wait.
    private(set) var clock = 0.0
    /// The sets of parents `children(of:)` was asked about, in order.
    private(set) var childrenQueries: [Set<ProcessIdentity>] = []
    /// Processes that appear just before the nth `children(of:)` call answers (1-based).
    var appearing: [Int: [Process]] = [:]
    /// Every `children(of:)` call that asks about this pid finds a brand-new child of it.
    var forksForever: Int32?
    var fileResults: [String: FileRemoval] = [:]
    private var nextPid: Int32 = 20_000

    init(_ snapshot: Snapshot) {
        for record in snapshot.processes { add(Process(record)) }
    }

    func add(_ process: Process) { processes[process.record.pid] = process }

    func update(_ pid: Int32, _ change: (inout Process) -> Void) {
        change(&processes[pid]!)
    }

    /// Another program, started by `parent`, now has this pid (a different start time).
    func reuse(_ pid: Int32, parent: Int32 = 1) {
        update(pid) {
            $0.record.startTicks += 1_000_000
            $0.record.ppid = parent
        }
    }

    // MARK: - What the tests read

    /// `(signal, pid)` of every signal sent, in order.
    var signals: [Call] { calls.filter { if case .send = $0 { true } else { false } } }

    func signals(_ signal: ProcessSignal) -> [Int32] {
        calls.compactMap { if case let .send(s, pid) = $0, s == signal { pid } else { nil } }
    }

    /// Attaches and signals that name this pid.
    func touches(_ pid: Int32) -> [Call] {
        calls.filter {
            switch $0 {
            case let .attach(p), let .send(_, p): p == pid
            default: false
            }
        }
    }

    func isAlive(_ pid: Int32) -> Bool { processes[pid]?.alive == true }

    // MARK: - ProcessControl

    func attach(_ identity: ProcessIdentity) -> AttachResult {
        calls.append(.attach(identity.pid))
        guard let process = processes[identity.pid], process.alive else { return .gone }
        if process.record.startTicks != identity.startTicks { return .reused }
        if process.deniesAttach { return .denied }
        return .attached(ProcessHandle(identity: identity, token: identity.pid))
    }

    func send(_ signal: ProcessSignal, to handle: ProcessHandle) -> SendResult {
        let pid = handle.identity.pid
        calls.append(.send(signal, pid))
        guard let process = processes[pid], process.alive, process.record.startTicks == handle.identity.startTicks else { return .gone }
        if process.deniesSignals { return .denied }
        switch signal {
        case .stop: update(pid) { $0.stopped = true }
        case .cont:
            update(pid) { $0.stopped = false }
            deliverTerm(pid)
        case .term:
            update(pid) { $0.termPending = true }
            deliverTerm(pid)
        case .kill: if !process.unkillable { end(pid) }
        case .chld:
            if process.reapsOnChld {
                for zombie in processes.values where zombie.alive && zombie.record.ppid == pid && zombie.record.state == "Z" {
                    update(zombie.record.pid) { $0.alive = false }
                }
            }
        }
        return .sent
    }

    func waitForExit(_ handles: [ProcessHandle], seconds: Double) -> Set<ProcessIdentity> {
        calls.append(.wait(handles.map(\.identity.pid), seconds: seconds))
        clock += seconds
        return Set(handles.map(\.identity).filter { state(ofQuietly: $0) == nil || state(ofQuietly: $0) == "Z" })
    }

    func release(_ handle: ProcessHandle) {
        calls.append(.release(handle.identity.pid))
    }

    /// Matches parents by pid alone, so a test sees exactly which identities the executor asked about.
    func children(of parents: Set<ProcessIdentity>, groups: Set<Int32>) -> [ProcessRecord] {
        calls.append(.children(parents.map(\.pid).sorted()))
        childrenQueries.append(parents)
        for process in appearing[childrenQueries.count] ?? [] { add(process) }
        let pids = Set(parents.map(\.pid))
        if let forker = forksForever, pids.contains(forker), isAlive(forker) { spawn(from: forker) }
        return processes.values
            .filter { $0.alive && $0.record.state != "Z" && (pids.contains($0.record.ppid) || groups.contains($0.record.pgid)) }
            .map(\.record)
            .sorted { $0.pid < $1.pid }
    }

    func state(of identity: ProcessIdentity) -> String? {
        calls.append(.state(identity.pid))
        return state(ofQuietly: identity)
    }

    func removeFile(_ file: PidFileRecord) -> FileRemoval {
        calls.append(.removeFile(file.path))
        return fileResults[file.path] ?? .gone
    }

    // MARK: - The simulated kernel

    private func state(ofQuietly identity: ProcessIdentity) -> String? {
        guard let process = processes[identity.pid], process.alive, process.record.startTicks == identity.startTicks else { return nil }
        if process.unkillable { return "D" }
        return process.stopped ? "T" : process.record.state
    }

    /// Runs a pending TERM's default action or handler, once the process is not stopped.
    private func deliverTerm(_ pid: Int32) {
        guard let process = processes[pid], process.alive, process.termPending, !process.stopped else { return }
        update(pid) { $0.termPending = false }
        if process.forksOnTerm { spawn(from: pid) }
        if !process.ignoresTerm { end(pid) }
    }

    @discardableResult
    private func spawn(from parent: Int32) -> Int32 {
        let p = processes[parent]!
        nextPid += 1
        var child = Process(
            ProcessRecord(
                pid: nextPid, ppid: parent, name: "\(p.record.name)-child", uid: p.record.uid,
                startTicks: UInt64(nextPid) * 10))
        child.ignoresTerm = p.ignoresTerm
        add(child)
        return nextPid
    }

    /// The process exits; init adopts its children and reaps its zombies.
    private func end(_ pid: Int32) {
        update(pid) { $0.alive = false }
        for child in processes.values where child.alive && child.record.ppid == pid {
            update(child.record.pid) {
                $0.record.ppid = 1
                if $0.record.state == "Z" { $0.alive = false }
            }
        }
    }
}
