import Glibc

/// The lifeline: a pipe whose write end only the handle holds. Every descendant keeps the
/// read end and waits on it; EOF means the handle is gone, so the descendant exits too.
struct Lifeline {
    var pipe: Pipe

    static func make() throws(FixtureError) -> Lifeline {
        Lifeline(pipe: try Pipe.make("lifeline"))
    }

    /// True once the handle has closed the write end (non-blocking check).
    func hasEnded() -> Bool {
        var entry = pollfd(fd: pipe.readFd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        return endedAfterWakeup()
    }

    /// After poll reported the read end readable: nobody writes data, so this is EOF.
    private func endedAfterWakeup() -> Bool {
        var byte: UInt8 = 0
        let count = read(pipe.readFd, &byte, 1)
        return count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN)
    }

    /// Idles in read(2) until the handle is gone, then exits quietly.
    func idle() -> Never {
        pipe.waitForEOF()
        _exit(0)
    }

    /// Idles like `idle()`, but also reaps this process's own children every `millis`
    /// milliseconds, like a well-behaved parent (so killing a child leaves no zombie behind).
    func idleReaping(everyMillis millis: Int32 = 200) -> Never {
        while true {
            reapExitedChildren()
            var entry = pollfd(fd: pipe.readFd, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, millis) > 0 && endedAfterWakeup() { _exit(0) }
        }
    }
}

/// Reaps every child that has already exited, without blocking.
func reapExitedChildren() {
    var status: Int32 = 0
    while waitpid(-1, &status, WNOHANG) > 0 {}
}
