import Glibc

/// One message from a descendant to the handle. 16 bytes, so each write(2) to the pipe is
/// atomic (well under PIPE_BUF) even with thousands of concurrent writers.
struct Report {
    enum Kind: Int32 {
        case ready = 1
        /// The sender printed its own error message to stderr.
        case failed = 2
    }

    var kind: Int32
    var pid: Int32
    var ppid: Int32
    /// Mode-specific payload: a port (-1 for none), a tree depth, or an errno value.
    var value: Int32

    static let size = MemoryLayout<Report>.size
}

/// The report pipe: descendants write `Report`s, the handle reads them while setting up.
struct ReportChannel {
    var pipe: Pipe

    static func make() throws(FixtureError) -> ReportChannel {
        ReportChannel(pipe: try Pipe.make("report"))
    }

    /// Sends a report about the calling process.
    func send(_ kind: Report.Kind, value: Int32 = -1) {
        var report = Report(kind: kind.rawValue, pid: getpid(), ppid: getppid(), value: value)
        let bytes = withUnsafeBytes(of: &report) { Array($0) }
        Output.writeAll(pipe.writeFd, bytes)
    }

    /// In a child: prints `error` to stderr, tells the handle, and exits with status 2.
    func fail(_ error: FixtureError) -> Never {
        error.printToStderr()
        send(.failed, value: 0)
        _exit(2)
    }

    /// In the handle: closes its own write end, then reads `count` ready reports.
    /// Throws when a descendant failed, all writers vanished early, or the deadline passed.
    mutating func collect(_ count: Int, until deadline: Deadline) throws(FixtureError) -> [Report] {
        pipe.closeWrite()
        var reports: [Report] = []
        reports.reserveCapacity(count)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while reports.count < count {
            var entry = pollfd(fd: pipe.readFd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, deadline.remainingMillis)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 {
                throw FixtureError("timed out: \(reports.count) of \(count) processes got ready")
            }
            let got = chunk.withUnsafeMutableBytes { read(pipe.readFd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system("read report pipe")
            }
            if got == 0 {
                throw FixtureError("a child exited before it was ready (\(reports.count) of \(count) ready)")
            }
            pending.append(contentsOf: chunk[0..<got])
            var offset = 0
            while pending.count - offset >= Report.size {
                let report = pending.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Report.self) }
                offset += Report.size
                if report.kind == Report.Kind.failed.rawValue { throw .reportedByChild }
                reports.append(report)
            }
            pending.removeFirst(offset)
        }
        return reports
    }
}
