import CZScanSys
import Glibc
import ZScanCore

/// Cleanup's hands on Linux. A process is attached with `pidfd_open` and the pidfd is kept only if
/// the start time read right after still matches the snapshot's, so every later signal
/// (`pidfd_send_signal`) reaches that process or none: a reused pid is never signalled. Exit is
/// awaited with poll(2) on the pidfds, not a sleep loop.
public struct PidfdControl: ProcessControl {
    public let procRoot: String

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    /// Start time (field 22) and state of a pid now, or nil when it is gone.
    private func stat(_ pid: Int32) -> (startTicks: UInt64, state: String)? {
        let file = ProcFile(capacity: 1024)
        guard let n = try? file.read("\(procRoot)/\(pid)/stat"),
            let fields = file.parse(n, { StatParser.parse($0) })
        else { return nil }
        return (fields.startTicks, fields.state)
    }

    public func attach(_ identity: ProcessIdentity) -> AttachResult {
        guard identity.pid > 1 else { return .denied }
        let fd = zs_pidfd_open(identity.pid, 0)
        if fd < 0 {
            switch errno {
            case ESRCH: return .gone
            case EPERM, EACCES: return .denied
            default: return fallbackAttach(identity)
            }
        }
        // The pidfd now pins this pid; check that it is still the process the scan saw.
        guard let now = stat(identity.pid) else {
            close(fd)
            return .gone
        }
        guard now.startTicks == identity.startTicks else {
            close(fd)
            return .reused
        }
        return .attached(ProcessHandle(identity: identity, token: fd))
    }

    /// Kernels without pidfd_open (before 5.3): token -1, and every signal re-checks the start time.
    private func fallbackAttach(_ identity: ProcessIdentity) -> AttachResult {
        guard let now = stat(identity.pid) else { return .gone }
        return now.startTicks == identity.startTicks ? .attached(ProcessHandle(identity: identity, token: -1)) : .reused
    }

    private func number(_ signal: ProcessSignal) -> Int32 {
        switch signal {
        case .term: SIGTERM
        case .kill: SIGKILL
        case .cont: SIGCONT
        case .stop: SIGSTOP
        case .chld: SIGCHLD
        }
    }

    public func send(_ signal: ProcessSignal, to handle: ProcessHandle) -> SendResult {
        let result: Int32
        if handle.token >= 0 {
            result = zs_pidfd_send_signal(handle.token, number(signal))
        } else {
            guard stat(handle.identity.pid)?.startTicks == handle.identity.startTicks else { return .gone }
            result = kill(handle.identity.pid, number(signal))
        }
        if result == 0 { return .sent }
        return errno == ESRCH ? .gone : .denied
    }

    public func waitForExit(_ handles: [ProcessHandle], seconds: Double) -> Set<ProcessIdentity> {
        let deadline = Clock.monotonic() + seconds
        var exited: Set<ProcessIdentity> = []
        if handles.isEmpty {
            Clock.sleep(seconds)
            return exited
        }
        while true {
            var pending: [ProcessHandle] = []
            for handle in handles where !exited.contains(handle.identity) {
                if isGone(handle) { exited.insert(handle.identity) } else { pending.append(handle) }
            }
            let left = deadline - Clock.monotonic()
            if pending.isEmpty || left <= 0 { return exited }
            var fds = pending.filter { $0.token >= 0 }.map { pollfd(fd: $0.token, events: Int16(POLLIN), revents: 0) }
            if fds.isEmpty {
                Clock.sleep(min(left, 0.02))
            } else {
                _ = poll(&fds, nfds_t(fds.count), Int32(max(1, min(left, 0.25) * 1000)))
            }
        }
    }

    /// A pidfd is readable once its process has exited; without one, the pid is gone or reused,
    /// or the process is a zombie (it has exited; its parent just has not reaped it).
    private func isGone(_ handle: ProcessHandle) -> Bool {
        if handle.token >= 0 {
            var fd = pollfd(fd: handle.token, events: Int16(POLLIN), revents: 0)
            return poll(&fd, 1, 0) > 0
        }
        guard let now = stat(handle.identity.pid), now.startTicks == handle.identity.startTicks else { return true }
        return now.state == "Z" || now.state == "X"
    }

    public func release(_ handle: ProcessHandle) {
        if handle.token >= 0 { close(handle.token) }
    }

    public func children(of parents: Set<ProcessIdentity>, groups: Set<Int32>) -> [ProcessRecord] {
        // The guards judge owners, PID namespaces and containers of what a rescan finds.
        guard let snapshot = try? LinuxSnapshotSource(procRoot: procRoot).collect(what: [.cmdline, .status, .namespace, .cgroup]) else {
            return []
        }
        // Only parents still alive as the same process: a pid reused by another program must
        // not bring that program's children into the tree.
        let alive = Set(snapshot.processes.lazy.map(\.identity).filter { parents.contains($0) }.map(\.pid))
        return snapshot.processes.filter { (alive.contains($0.ppid) || groups.contains($0.pgid)) && $0.state != "Z" }
    }

    public func state(of identity: ProcessIdentity) -> String? {
        guard let now = stat(identity.pid), now.startTicks == identity.startTicks else { return nil }
        return now.state
    }

    public func removeFile(_ file: PidFileRecord) -> FileRemoval {
        PidFileReader.remove(file)
    }
}
