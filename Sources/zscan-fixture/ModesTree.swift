import Glibc

/// tree, forker and population: many processes at once.
extension Fixture {
    /// tree: idle processes, `width` children per node, `depth` levels below the handle.
    mutating func runTree() throws(FixtureError) -> JSON {
        let depth = try options.int("--depth", default: 1, in: 0...64)
        let width = try options.int("--width", default: 1, in: 1...1000)
        var total = 0
        var levelSize = 1
        for _ in 0..<depth {
            levelSize *= width
            total += levelSize
            guard total <= 5000 else { throw .usage("tree too large: at most 5000 nodes") }
        }
        for _ in 0..<(depth > 0 ? width : 0) {
            let node = try context.fork { node in growTree(&node, depth: 1, maxDepth: depth, width: width) }
            tracker.addDirect(node)
        }
        let reports = try context.report.collect(total, until: setupDeadline)
            .sorted { ($0.value, $0.pid) < ($1.value, $1.pid) }
        for report in reports where report.value >= 2 {
            tracker.addIndirect(report.pid, level: Int(report.value))
        }
        let nodes: [JSON] = reports.map {
            .object([("pid", .int(Int($0.pid))), ("ppid", .int(Int($0.ppid))), ("depth", .int(Int($0.value)))])
        }
        return object([("nodes", .array(nodes))])
    }

    /// forker: a child that forks a new idle grandchild every M ms (at most 500).
    mutating func runForker() throws(FixtureError) -> JSON {
        let interval = try options.int("--interval-ms", default: 20, in: 1...3_600_000)
        let forker = try context.fork { forker in
            forker.reportReady()
            keepForking(&forker, intervalMillis: Int32(interval), limit: 500)
        }
        tracker.addDirect(forker)
        tracker.sweepChildren(of: forker)
        _ = try context.report.collect(1, until: setupDeadline)
        return object([("forker", .int(Int(forker)))])
    }

    /// escaper: a child that every M ms (at most 200 times) forks an intermediate that forks an
    /// idle grandchild and exits at once, so the grandchild is re-parented to the subreaper or
    /// init and leaves the escaper's tree; a classic double fork. With --own-group the escaper
    /// leads its own process group, which the grandchildren keep.
    mutating func runEscaper() throws(FixtureError) -> JSON {
        let interval = try options.int("--interval-ms", default: 20, in: 1...3_600_000)
        let ownGroup = options.flags.contains("--own-group")
        let escaper = try context.fork { escaper in
            if ownGroup { _ = setpgid(0, 0) }
            escaper.reportReady()
            var made = 0
            while made < 200 {
                var entry = pollfd(fd: escaper.lifeline.pipe.readFd, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, Int32(interval)) > 0 && escaper.lifeline.hasEnded() { _exit(0) }
                let intermediate = try? escaper.fork { middle in
                    _ = try? middle.fork { grandchild in grandchild.lifeline.idle() }
                    _exit(0)
                }
                if let intermediate {
                    var status: Int32 = 0
                    _ = waitpid(intermediate, &status, 0)
                    made += 1
                }
            }
            escaper.lifeline.idle()
        }
        if ownGroup { _ = setpgid(escaper, escaper) }
        tracker.addDirect(escaper)
        _ = try context.report.collect(1, until: setupDeadline)
        return object([("escaper", .int(Int(escaper))), ("pgid", .int(Int(ownGroup ? escaper : getpgrp())))])
    }

    /// population: the handle leads its own process group and forks N idle children with
    /// K extra fds each; the first L also hold a TCP listener on 127.0.0.1. Then Z children that
    /// stay zombies and S that stop themselves, as a real host has a few of each.
    mutating func runPopulation() throws(FixtureError) -> JSON {
        let count = try options.int("--count", default: 100, in: 0...50_000)
        let listeners = min(count, try options.int("--listeners", default: 50, in: 0...50_000))
        let fds = try options.int("--fds", default: 4, in: 0...1000)
        let zombieCount = try options.int("--zombies", default: 0, in: 0...10_000)
        let stoppedCount = try options.int("--stopped", default: 0, in: 0...1000)
        if setpgid(0, 0) != 0 && getpgrp() != handlePid {
            throw .system("setpgid")
        }
        let loopback = try BindAddress("127.0.0.1")
        var ports: [Int] = []
        for index in 0..<count {
            // The socket is made before the fork and closed right after in the handle, so
            // exactly one child holds it.
            let socket = index < listeners ? try Net.bind(loopback, port: 0, proto: .tcp) : nil
            let member: pid_t
            do throws(FixtureError) {
                member = try context.fork { member in
                    for _ in 0..<fds { _ = open("/dev/null", O_RDONLY) }
                    member.reportReady()
                    member.lifeline.idle()
                }
            } catch {
                if let socket { close(socket.fd) }
                throw error
            }
            if let socket {
                close(socket.fd)
                ports.append(socket.port)
            }
            tracker.addDirect(member)
        }
        var stopped: [pid_t] = []
        for _ in 0..<stoppedCount {
            stopped.append(try forkStopping { _ in -1 })
        }
        _ = try context.report.collect(count + stoppedCount, until: setupDeadline)
        for child in stopped { try awaitStopped(child) }
        let zombies = try makeZombies(zombieCount)
        return object([
            ("pgid", .int(Int(getpgrp()))), ("count", .int(count)), ("ports", .ints(ports)),
            ("zombies", .ints(zombies)), ("stopped", .ints(stopped)),
        ])
    }
}

/// A tree node: forks its children (which inherit the report pipe), reports, then idles.
private func growTree(_ node: inout Context, depth: Int, maxDepth: Int, width: Int) -> Never {
    if depth < maxDepth {
        for _ in 0..<width {
            do throws(FixtureError) {
                _ = try node.fork { child in growTree(&child, depth: depth + 1, maxDepth: maxDepth, width: width) }
            } catch {
                node.report.fail(error)
            }
        }
    }
    node.reportReady(value: Int32(depth))
    if depth < maxDepth { node.lifeline.idleReaping() }
    node.lifeline.idle()
}

/// The forker's loop: every interval, reap what died and fork one more idle grandchild.
private func keepForking(_ forker: inout Context, intervalMillis: Int32, limit: Int) -> Never {
    var made = 0
    while made < limit {
        var entry = pollfd(fd: forker.lifeline.pipe.readFd, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, intervalMillis) > 0 && forker.lifeline.hasEnded() { _exit(0) }
        reapExitedChildren()
        if (try? forker.fork({ grandchild in grandchild.lifeline.idle() })) != nil { made += 1 }
    }
    forker.lifeline.idleReaping()
}
