import CZScanSys
import Glibc
import ZScanCore

/// `zscan run`'s hands on Linux. zscan becomes a child subreaper, so whatever the command leaves
/// behind (a daemon that double-forked, a server whose parent died) is adopted by zscan instead of
/// init; the command runs in its own process group with `ZSCAN_RUN_ID` in its environment; SIGINT,
/// SIGTERM and SIGHUP are passed on to that group; every adopted zombie is reaped.
public final class CommandRunner {
    /// Unique per run; what the command's environment carries as `ZSCAN_RUN_ID`.
    public let runID: String
    public let procRoot: String
    /// Adopted processes reaped so far (not the command itself).
    public private(set) var reapedAdopted = 0
    private var child: pid_t = 0
    private var childStatus: Int32?
    private var handled = sigset_t()
    private var ownsTerminal = false
    /// When the command started (clock ticks after boot): nothing older can carry the cookie.
    private var startTicks: UInt64 = 0

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
        runID = CommandRunner.makeID()
    }

    /// Starts `command` (searched in PATH) in a process group of its own, with the terminal
    /// handed to that group when zscan holds it (so Ctrl-C and reads from the terminal reach the
    /// command, as under a shell).
    public func start(_ command: [String], environment: [String: String]) throws(Failure) {
        guard zs_set_child_subreaper(1) == 0 else {
            throw Failure(description: "cannot become a child subreaper: \(String(cString: strerror(errno)))")
        }
        // Signals zscan handles synchronously: blocked here, awaited in `wait()`; the command
        // gets them back unblocked and at their defaults.
        sigemptyset(&handled)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGTTOU] { sigaddset(&handled, signal) }
        sigprocmask(SIG_BLOCK, &handled, nil)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &handled)

        // The cookie comes first so a reader of `environ` finds it in the first page.
        let entries =
            ["\(EvaluationContext.runCookie)=\(runID)"]
            + environment.filter { $0.key != EvaluationContext.runCookie }.map { "\($0.key)=\($0.value)" }.sorted()
        let argv = command.map { strdup($0) } + [nil]
        let envp = entries.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, command[0], nil, &attributes, argv, envp)
        guard result == 0 else {
            throw Failure(description: "cannot run \(command[0]): \(String(cString: strerror(result)))")
        }
        child = pid
        let file = ProcFile(capacity: 1024)
        if let n = try? file.read("\(procRoot)/\(pid)/stat"), let fields = file.parse(n, { StatParser.parse($0) }) {
            startTicks = fields.startTicks
        }
        if isatty(STDIN_FILENO) == 1 && tcgetpgrp(STDIN_FILENO) == getpgrp() {
            ownsTerminal = tcsetpgrp(STDIN_FILENO, pid) == 0
        }
    }

    /// Waits for the command to exit, passing SIGINT/SIGTERM/SIGHUP on to its process group and
    /// reaping adopted processes as they exit. Returns its status as a shell reports it (128+N
    /// for signal N).
    public func wait() -> Int32 {
        while childStatus == nil {
            var info = siginfo_t()
            let signal = sigwaitinfo(&handled, &info)
            if signal < 0 { continue }
            switch signal {
            case SIGCHLD: reapExited()
            case SIGINT, SIGTERM, SIGHUP: _ = kill(-child, signal)
            default: break
            }
        }
        if ownsTerminal {
            // SIGTTOU is blocked, so taking the terminal back from the background is allowed.
            _ = tcsetpgrp(STDIN_FILENO, getpgrp())
            ownsTerminal = false
        }
        let status = childStatus!
        if (status & 0x7f) == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Reaps every child of zscan that has exited: the command and anything adopted.
    public func reapExited() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            if pid == child { childStatus = status } else { reapedAdopted += 1 }
        }
    }

    /// What the command left that is still alive: descendants of zscan (adopted through the
    /// subreaper, or children of those) and processes carrying this run's cookie. Zombies are not
    /// counted (zscan reaps its own; another's belongs to a parent that is counted).
    public func leftovers() -> Set<Int32> {
        guard let snapshot = try? LinuxSnapshotSource(procRoot: procRoot).collect(what: []) else { return [] }
        let me = getpid()
        var children: [Int32: [Int32]] = [:]
        for process in snapshot.processes { children[process.ppid, default: []].append(process.pid) }
        var found: Set<Int32> = []
        var queue = children[me] ?? []
        while let pid = queue.popLast() {
            guard found.insert(pid).inserted else { continue }
            queue += children[pid] ?? []
        }
        let cookie = Array("\(EvaluationContext.runCookie)=\(runID)".utf8) + [0]
        let file = ProcFile(capacity: 64 * 1024)
        // Only processes started since the command can carry its cookie: one environ read each.
        for process in snapshot.processes
        where process.startTicks >= startTicks && !found.contains(process.pid)
            && process.pid != me && !process.kernelThread
        {
            guard let n = try? file.read("\(procRoot)/\(process.pid)/environ") else { continue }
            if CommandRunner.holds(cookie, file.buffer, count: n) { found.insert(process.pid) }
        }
        let zombies = Set(snapshot.processes.filter(\.isZombie).map(\.pid))
        return found.subtracting(zombies)
    }

    /// Waits for the command's leftovers to exit (a process that is exiting is not a leak):
    /// checks again after 10 ms, 20 ms, 40 ms, … (at most 200 ms apart) until none is left or
    /// `seconds` have passed, reaping as it goes. Returns what is still alive.
    public func settle(seconds: Double) -> Set<Int32> {
        var delay = 0.01
        var waited = 0.0
        while true {
            reapExited()
            let alive = leftovers()
            if alive.isEmpty || waited >= seconds { return alive }
            let step = min(delay, seconds - waited)
            Clock.sleep(step)
            waited += step
            delay = min(delay * 2, 0.2)
        }
    }

    /// Whether `needle` (an entry with its NUL) starts `haystack` or follows a NUL in it.
    static func holds(_ needle: [UInt8], _ haystack: [UInt8], count: Int) -> Bool {
        guard count >= needle.count - 1 else { return false }
        var start = 0
        while start < count {
            var end = start
            while end < count && haystack[end] != 0 { end += 1 }
            if end - start == needle.count - 1 && haystack[start..<end].elementsEqual(needle.dropLast()) { return true }
            start = end + 1
        }
        return false
    }

    private static func makeID() -> String {
        var bytes = [UInt8](repeating: 0, count: 8)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        let got = fd < 0 ? -1 : read(fd, &bytes, bytes.count)
        if fd >= 0 { close(fd) }
        if got != bytes.count {
            let seed = UInt64(bitPattern: Int64(Clock.wall() * 1e6)) ^ UInt64(getpid())
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: seed >> (8 * UInt64(i))) }
        }
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
