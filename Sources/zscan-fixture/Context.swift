import Glibc

/// The descriptors every process of the fixture shares, and the fork helper that hands
/// them down correctly.
struct Context {
    var lifeline: Lifeline
    var report: ReportChannel
    /// /dev/null, open only in the handle; children put it on their stdin and stdout.
    private var devNull: Int32
    /// True only in the handle process.
    private(set) var isHandle: Bool
    /// --ignore-term: every forked process sets SIGTERM to SIG_IGN right after fork.
    private(set) var ignoreTerm = false

    /// Creates the shared pipes in the handle.
    static func makeForHandle(ignoreTerm: Bool = false) throws(FixtureError) -> Context {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw .system("open /dev/null") }
        return Context(
            lifeline: try .make(), report: try .make(), devNull: devNull, isHandle: true,
            ignoreTerm: ignoreTerm)
    }

    /// Forks. The child resets its signal state, drops what only the handle may hold, and runs
    /// `body`, which must never return. The parent gets the child's pid.
    func fork(_ body: (inout Context) -> Never) throws(FixtureError) -> pid_t {
        let pid = Glibc.fork()
        if pid < 0 { throw .system("fork") }
        if pid == 0 {
            var child = self
            child.becomeChild()
            body(&child)
        }
        return pid
    }

    /// Child-side setup right after fork.
    private mutating func becomeChild() {
        Signals.resetInChild()
        // The handle's teardown uses SIGKILL, so it still ends these.
        if ignoreTerm { signal(SIGTERM, SIG_IGN) }
        guard isHandle else { return }
        isHandle = false
        // Only the handle may hold the lifeline's write end, or EOF would never come.
        lifeline.pipe.closeWrite()
        report.pipe.closeRead()
        // Keep the caller's stdout pipe from being held open by long-lived descendants;
        // stderr stays so children can explain their own failures.
        dup2(devNull, 0)
        dup2(devNull, 1)
        close(devNull)
        devNull = -1
    }

    /// In the handle, after the JSON line: points stdout at /dev/null, so a caller reading
    /// until EOF is not kept waiting for the whole lifetime of the fixture.
    func releaseStdout() {
        if isHandle { dup2(devNull, 1) }
    }

    /// In a child: reports ready (with a payload) and drops the report pipe, which it no longer needs.
    mutating func reportReady(value: Int32 = -1) {
        report.send(.ready, value: value)
        report.pipe.closeWrite()
    }
}

extension Context {
    /// In a child: leads a new session (under `name`, if given), runs `body` (which forks what the
    /// session holds), then idles as a parent that reaps its children until the lifeline ends.
    func leadSession(named name: String? = nil, _ body: (inout Context) throws(FixtureError) -> Void) -> Never {
        setsid()
        if let name { try? ProcessIdentity.setComm(Array(name.utf8)) }
        var context = self
        do throws(FixtureError) {
            try body(&context)
        } catch {
            context.report.fail(error)
        }
        context.report.pipe.closeWrite()
        context.lifeline.idleReaping()
    }
}

/// Waits until the child `pid` has exited, and reaps it.
func reapChild(_ pid: pid_t) {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
}
