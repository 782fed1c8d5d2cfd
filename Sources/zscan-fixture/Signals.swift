import Glibc

/// Signal-mask handling: the handle blocks its termination signals and collects them with
/// sigtimedwait, so no signal handler (and no mutable global state) is needed.
enum Signals {
    /// The signals that ask the handle to tear everything down.
    static let termination: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// A sigset_t containing `signals`.
    static func set(of signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }

    /// Blocks SIGTERM/SIGINT/SIGHUP in the handle so they stay pending until it waits for them,
    /// and ignores SIGPIPE so a closed stdout becomes an error instead of a silent death.
    /// Inherited SIG_IGN (nohup, `cmd &` in a script, SIGCHLD) is reset first so children get defaults.
    static func prepareHandle() {
        for signal in termination { Glibc.signal(signal, SIG_DFL) }
        // An inherited SIGCHLD SIG_IGN would make the kernel reap children at once (no zombies).
        signal(SIGCHLD, SIG_DFL)
        var blocked = set(of: termination)
        sigprocmask(SIG_BLOCK, &blocked, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Gives a forked child the default signal state back (children inherit the mask and SIG_IGN).
    static func resetInChild() {
        signal(SIGPIPE, SIG_DFL)
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
    }

    /// Why the handle stopped waiting.
    enum Wakeup: Equatable {
        case signal(Int32)
        case timeToLiveExpired
    }

    /// Waits for a termination signal or the deadline, whichever comes first.
    static func waitForTermination(until deadline: Deadline) -> Wakeup {
        var waitSet = set(of: termination)
        while true {
            let remaining = deadline.remainingNanos
            if remaining == 0 { return .timeToLiveExpired }
            var timeout = timespec(
                tv_sec: Int(remaining / 1_000_000_000),
                tv_nsec: Int(remaining % 1_000_000_000))
            let received = sigtimedwait(&waitSet, nil, &timeout)
            if received > 0 { return .signal(received) }
            // EAGAIN means the timeout elapsed; EINTR (e.g. after SIGSTOP/SIGCONT) just loops.
        }
    }
}
