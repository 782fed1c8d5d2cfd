import Glibc

/// orphan and attached: processes in a session of their own, with or without a live parent.
extension Fixture {
    /// orphan: F -> S (setsid) -> O; S exits once O is ready, so O is reparented and its
    /// session has no leader. With --keep-session: F -> S -> M -> O, M exits, S stays alive.
    /// With --zombies N, O also forks N children that exit at once and never reaps them.
    /// The server options (`ServerTraits`) make O nohup'd, a daemon by convention, named by a
    /// PID file, a lock holder, or a carrier of a CI variable.
    mutating func runOrphan() throws(FixtureError) -> JSON {
        let traits = try serverTraits()
        let zombieCount = try options.int("--zombies", default: 0, in: 0...10_000)
        let keepSession = options.has("--keep-session")
        // O closes its copy of the write end when ready; its parent waits for that EOF and exits.
        var orphanReady = try Pipe.make("orphan ready")

        let leader = try context.fork { leader in
            setsid()
            if !keepSession {
                forkOrphanThenExit(&leader, orphanReady, traits, zombies: zombieCount)
            }
            do throws(FixtureError) {
                let middle = try leader.fork { middle in
                    forkOrphanThenExit(&middle, orphanReady, traits, zombies: zombieCount)
                }
                var ownCopy = orphanReady
                ownCopy.closeRead()
                ownCopy.closeWrite()
                reapChild(middle)
            } catch {
                leader.report.fail(error)
            }
            leader.report.pipe.closeWrite()
            leader.lifeline.idleReaping()
        }
        orphanReady.closeRead()
        orphanReady.closeWrite()
        tracker.addDirect(leader)

        // O's ready report plus one report from each zombie-to-be, in any order.
        let reports = try context.report.collect(1 + zombieCount, until: setupDeadline)
        guard let report = reports.first(where: { $0.value != zombieReportValue }) else {
            throw FixtureError("the orphan did not report")
        }
        let orphan = report.pid
        let formerParent = report.ppid  // S, or M with --keep-session
        tracker.addIndirect(orphan, level: 2)
        let zombies = reports.filter { $0.value == zombieReportValue }.map(\.pid).sorted()
        guard zombies.count == zombieCount, reports.allSatisfy({ $0.pid == orphan || $0.ppid == orphan }) else {
            throw FixtureError("unexpected reports from the orphan's children")
        }
        if !keepSession {
            reapChild(leader)
            tracker.markReaped(leader)
        }
        try waitUntil("the orphan to be reparented") {
            guard let stat = ProcStat(pid: orphan) else { return false }
            return stat.ppid != leader && stat.ppid != formerParent
        }
        try waitUntil("the orphan's children to become zombies") {
            zombies.allSatisfy { pid in
                guard let stat = ProcStat(pid: pid) else { return false }
                return stat.state == UInt8(ascii: "Z") && stat.ppid == orphan
            }
        }
        return object([
            ("orphan", .int(Int(orphan))),
            ("session_leader", .int(Int(leader))),
            ("port", report.value < 0 ? .null : .int(Int(report.value))),
            ("zombies", .ints(zombies)),
        ])
    }

    /// attached: F -> S (setsid, stays alive) -> C; C has a live parent that leads its session.
    mutating func runAttached() throws(FixtureError) -> JSON {
        let port = try options.optionalInt("--listen", in: 0...65535)
        let (address, proto) = try endpoint()
        let leader = try context.fork { leader in
            leader.leadSession { leader throws(FixtureError) in
                _ = try leader.fork { process in
                    process.reportReady(value: process.bindInChild(port, address, proto))
                    process.lifeline.idle()
                }
            }
        }
        tracker.addDirect(leader)
        let report = try context.report.collect(1, until: setupDeadline)[0]
        tracker.addIndirect(report.pid, level: 2)
        return object([
            ("session_leader", .int(Int(leader))),
            ("process", .int(Int(report.pid))),
            ("port", report.value < 0 ? .null : .int(Int(report.value))),
        ])
    }
}

/// The report value a zombie-to-be sends (ports are >= 0 and "no port" is -1).
private let zombieReportValue: Int32 = -2

/// In S (or M): forks the orphan-to-be O, waits until O is ready, then exits so O loses its parent.
/// O forks `zombies` children that report and exit at once; O never reaps them (it idles in
/// `idle()`, which does not call waitpid, and SIGCHLD keeps its default action).
private func forkOrphanThenExit(_ parent: inout Context, _ ready: Pipe, _ traits: ServerTraits, zombies: Int) -> Never {
    do throws(FixtureError) {
        _ = try parent.fork { orphan in
            var ownCopy = ready
            ownCopy.closeRead()
            let boundPort = orphan.bindInChild(traits.port, traits.address, traits.proto)
            for _ in 0..<zombies {
                do throws(FixtureError) {
                    _ = try orphan.fork { zombie in
                        zombie.report.send(.ready, value: zombieReportValue)
                        _exit(0)
                    }
                } catch {
                    orphan.report.fail(error)
                }
            }
            do throws(FixtureError) {
                try traits.apply()
            } catch {
                orphan.report.fail(error)
            }
            orphan.finishReady(value: boundPort, environment: traits.environment, thenClose: ownCopy.writeFd)
        }
    } catch {
        parent.report.fail(error)
    }
    var ownCopy = ready
    ownCopy.closeWrite()
    ownCopy.waitForEOF()
    _exit(0)
}

extension Fixture {
    /// daemon: F -> S (setsid) -> D; S exits at once, so D is adopted (by init, or by the nearest
    /// child subreaper such as `zscan run`) and lives on its own until --ttl, deaf to the
    /// lifeline. The handle exits right after its JSON line, as a command that leaked a daemon
    /// would. With --clean the handle ends D first, as a command that cleans up after itself.
    /// With --conventions D also moves to `/`, so it keeps all the daemon(3) conventions.
    mutating func runDaemon() throws(FixtureError) -> JSON {
        let port = try options.optionalInt("--listen", in: 0...65535)
        let (address, proto) = try endpoint()
        let seconds = UInt32(max(1, options.timeToLive.rounded(.up)))
        let conventions = options.has("--conventions")
        let leader = try context.fork { leader in
            setsid()
            do throws(FixtureError) {
                _ = try leader.fork { daemon in
                    var socket: Int32 = -1
                    var bound: Int32 = -1
                    if let port {
                        do throws(FixtureError) {
                            let made = try Net.bind(address, port: port, proto: proto)
                            (socket, bound) = (made.fd, Int32(made.port))
                        } catch {
                            daemon.report.fail(error)
                        }
                    }
                    // Like a real daemon, it lets go of everything it inherited (the caller's
                    // stderr and any descriptor passed down), so nobody waits on it for EOF.
                    let devNull = open("/dev/null", O_WRONLY)
                    if devNull >= 0 { dup2(devNull, 2) }
                    if conventions { chdir("/") }
                    daemon.reportReady(value: bound)
                    for fd in 3..<Int32(1024) where fd != socket { close(fd) }
                    // SIGALRM's default action ends it at the TTL; nothing else does.
                    alarm(seconds)
                    while true { pause() }
                }
            } catch {
                leader.report.fail(error)
            }
            _exit(0)
        }
        reapChild(leader)
        let report = try context.report.collect(1, until: setupDeadline)[0]
        let daemon = report.pid
        if options.has("--clean") {
            kill(daemon, SIGKILL)
            try waitUntil("the daemon to end") { ProcStat(pid: daemon).map { $0.state == UInt8(ascii: "Z") } ?? true }
        }
        return object([("daemon", .int(Int(daemon))), ("port", report.value < 0 ? .null : .int(Int(report.value)))])
    }
}
