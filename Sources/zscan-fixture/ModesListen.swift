import Glibc

/// listen and stopped-listener: sockets held by shared workers or by a stopped process.
extension Fixture {
    /// listen: the handle binds N sockets, then K workers inherit them (pre-fork style).
    mutating func runListen() throws(FixtureError) -> JSON {
        let firstPort = try options.int("--port", default: 0, in: 0...65535)
        let count = try options.int("--count", default: 1, in: 1...1000)
        let share = try options.int("--share", default: 0, in: 0...1000)
        let (address, proto) = try endpoint()
        guard firstPort == 0 || firstPort + count - 1 <= 65535 else {
            throw .usage("--port + --count goes past 65535")
        }
        // With a fixed port, socket i gets port P+i; with 0, each gets its own ephemeral port.
        // The handle keeps the sockets open for its whole life.
        var ports: [Int] = []
        for index in 0..<count {
            ports.append(try Net.bind(address, port: firstPort == 0 ? 0 : firstPort + index, proto: proto).port)
        }
        var workers: [pid_t] = []
        for _ in 0..<share {
            let worker = try context.fork { worker in
                worker.reportReady()
                worker.lifeline.idle()
            }
            tracker.addDirect(worker)
            workers.append(worker)
        }
        _ = try context.report.collect(share, until: setupDeadline)
        return object([
            ("ports", .ints(ports)),
            ("workers", .ints(workers)),
            ("proto", .string(proto.rawValue)),
            ("host", .string(address.text)),
        ])
    }

    /// stopped-listener: a child binds a port, then stops itself with SIGSTOP.
    mutating func runStoppedListener() throws(FixtureError) -> JSON {
        let port = try options.int("--port", default: 0, in: 0...65535)
        let (address, proto) = try endpoint()
        let listener = try forkStopping { listener in listener.bindInChild(port, address, proto) }
        let report = try context.report.collect(1, until: setupDeadline)[0]
        try awaitStopped(listener)
        return object([("listener", .int(Int(listener))), ("port", .int(Int(report.value)))])
    }

    /// Forks a child that runs `prepare`, reports ready with its value, then stops itself with
    /// SIGSTOP. The caller collects the report, then calls `awaitStopped`.
    func forkStopping(_ prepare: (inout Context) -> Int32) throws(FixtureError) -> pid_t {
        let handle = handlePid
        let child = try context.fork { child in
            // A stopped process cannot watch the lifeline, so the kernel kills it if the handle dies.
            Prctl.call(Prctl.setParentDeathSignal, UInt(SIGKILL))
            if getppid() != handle { _exit(0) }
            child.reportReady(value: prepare(&child))
            raise(SIGSTOP)
            child.lifeline.idle()  // only reached if someone sends SIGCONT
        }
        tracker.addDirect(child, stopped: true)
        return child
    }

    /// Waits until a child from `forkStopping` has stopped and shows state T.
    func awaitStopped(_ child: pid_t) throws(FixtureError) {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(child, &status, WUNTRACED) } while result < 0 && errno == EINTR
        guard result == child, isStoppedStatus(status) else {
            tracker.markReaped(child)
            throw FixtureError("process \(child) exited instead of stopping")
        }
        try waitUntil("process \(child) to show state T") { ProcStat(pid: child)?.isStopped ?? false }
    }
}
