import Glibc

/// script-leak, harness-killed, job and session-daemon: how a server outlives whoever started it,
/// by accident or on purpose, in the shapes zscan must tell apart.
extension Fixture {
    /// script-leak: F -> S (setsid, "bash", stays: a terminal) -> P ("sh", a script) -> L (the
    /// server, `uvicorn … &`); P exits at once, so L is adopted while its session leader lives.
    mutating func runScriptLeak() throws(FixtureError) -> JSON {
        let traits = try serverTraits()
        let leader = try context.fork { leader in
            leader.leadSession(named: "bash") { leader throws(FixtureError) in
                reapChild(
                    try leader.fork { script in
                        try? ProcessIdentity.setComm(Array("sh".utf8))
                        do throws(FixtureError) {
                            _ = try script.fork { server in server.becomeServer(traits) }
                        } catch {
                            script.report.fail(error)
                        }
                        _exit(1)  // the script fails and exits; its background server stays
                    })
            }
        }
        tracker.addDirect(leader)
        let report = try context.report.collect(1, until: setupDeadline)[0]
        tracker.addIndirect(report.pid, level: 3)
        try waitUntilAdopted(report.pid, awayFrom: leader)
        return object([
            ("session_leader", .int(Int(leader))), ("server", .int(Int(report.pid))), ("port", port(report)),
        ])
    }

    /// harness-killed: F -> H ("pytest") -> L (setsid, stdout and stderr on a pipe H holds the
    /// read end of); the handle SIGKILLs H, as a CI timeout would, so L leads its own session
    /// under its adopter and nobody reads its output any more.
    mutating func runHarnessKilled() throws(FixtureError) -> JSON {
        let traits = try serverTraits()
        let harness = try context.fork { harness in
            try? ProcessIdentity.setComm(Array("pytest".utf8))
            do throws(FixtureError) {
                var output = try Pipe.make("server output")
                var piped = traits
                piped.output = output.writeFd
                _ = try harness.fork { server in
                    setsid()
                    var own = output
                    own.closeRead()
                    server.becomeServer(piped)
                }
                output.closeWrite()
            } catch {
                harness.report.fail(error)
            }
            harness.report.pipe.closeWrite()
            harness.lifeline.idleReaping()  // holding the output pipe's read end
        }
        tracker.addDirect(harness)
        let report = try context.report.collect(1, until: setupDeadline)[0]
        tracker.addIndirect(report.pid, level: 2)
        kill(harness, SIGKILL)
        reapChild(harness)
        tracker.markReaped(harness)
        try waitUntilAdopted(report.pid, awayFrom: harness)
        return object([("harness", .int(Int(harness))), ("server", .int(Int(report.pid))), ("port", port(report))])
    }

    /// job: a persistent CI agent runs a job. F -> A (setsid, "Runner.Worker", stays) -> J (the
    /// job's shell, "bash") -> L (the server, with --env in its environment); J exits once it has
    /// forked L, so L is adopted while A lives. --keep-parent: J stays (carrying --env), so L is
    /// still in its job's tree. --job-alive: A also runs K, another step of the same job that
    /// stays (carrying --env), so the job is still running.
    mutating func runJob() throws(FixtureError) -> JSON {
        let traits = try serverTraits()
        let keepParent = options.has("--keep-parent")
        let jobAlive = options.has("--job-alive")
        let agent = try context.fork { agent in
            agent.leadSession(named: "Runner.Worker") { agent throws(FixtureError) in
                let shell = try agent.fork { shell in
                    try? ProcessIdentity.setComm(Array("bash".utf8))
                    do throws(FixtureError) {
                        _ = try shell.fork { server in server.becomeServer(traits) }
                    } catch {
                        shell.report.fail(error)
                    }
                    if keepParent { shell.finishReady(value: jobShellReport, environment: traits.environment) }
                    _exit(0)
                }
                if jobAlive {
                    _ = try agent.fork { step in
                        try? ProcessIdentity.setComm(Array("bash".utf8))
                        step.finishReady(value: jobStepReport, environment: traits.environment)
                    }
                }
                if !keepParent { reapChild(shell) }
            }
        }
        tracker.addDirect(agent)
        let reports = try context.report.collect(1 + (keepParent ? 1 : 0) + (jobAlive ? 1 : 0), until: setupDeadline)
        let shell = reports.first { $0.value == jobShellReport }
        let step = reports.first { $0.value == jobStepReport }
        guard let server = reports.first(where: { $0.value != jobShellReport && $0.value != jobStepReport }) else {
            throw FixtureError("the server did not report")
        }
        tracker.addIndirect(server.pid, level: 3)
        for other in [shell, step].compactMap({ $0 }) { tracker.addIndirect(other.pid, level: 2) }
        if !keepParent { try waitUntilAdopted(server.pid, awayFrom: agent) }
        return object([
            ("agent", .int(Int(agent))), ("job_shell", .optional(shell.map { Int($0.pid) })),
            ("job_step", .optional(step.map { Int($0.pid) })), ("server", .int(Int(server.pid))), ("port", port(server)),
        ])
    }

    /// session-daemon: F -> S -> D; D calls setsid and puts its standard streams on /dev/null
    /// (its cwd stays), S exits: D leads its own session under its adopter with no sign that its
    /// starter died (ssh-agent). --panes N: D forks N panes, each leading its own session (a
    /// shell on a terminal) with one command running in it (a tmux or screen server).
    mutating func runSessionDaemon() throws(FixtureError) -> JSON {
        let panes = try options.int("--panes", default: 0, in: 0...100)
        let starter = try context.fork { starter in
            do throws(FixtureError) {
                _ = try starter.fork { daemon in
                    setsid()
                    let devNull = open("/dev/null", O_RDWR)
                    if devNull >= 0 { for fd in Int32(0)...2 { dup2(devNull, fd) } }
                    do throws(FixtureError) {
                        for _ in 0..<panes {
                            _ = try daemon.fork { pane in
                                setsid()
                                do throws(FixtureError) {
                                    _ = try pane.fork { command in command.finishReady(value: 2, environment: []) }
                                } catch {
                                    pane.report.fail(error)
                                }
                                var own = pane
                                own.reportReady(value: 1)
                                own.lifeline.idleReaping()
                            }
                        }
                    } catch {
                        daemon.report.fail(error)
                    }
                    var own = daemon
                    own.reportReady(value: 0)
                    own.lifeline.idleReaping()
                }
            } catch {
                starter.report.fail(error)
            }
            _exit(0)
        }
        reapChild(starter)
        let reports = try context.report.collect(1 + 2 * panes, until: setupDeadline)
        let byRole = { (value: Int32) in reports.filter { $0.value == value }.map(\.pid).sorted() }
        guard let daemon = byRole(0).first else { throw FixtureError("the daemon did not report") }
        for (level, role) in [(4, Int32(2)), (3, 1), (2, 0)] {
            for pid in byRole(role) { tracker.addIndirect(pid, level: level) }
        }
        return object([("daemon", .int(Int(daemon))), ("panes", .ints(byRole(1))), ("commands", .ints(byRole(2)))])
    }

    /// Waits until `pid` has been adopted: its parent is neither `ancestor` nor one of its children.
    func waitUntilAdopted(_ pid: pid_t, awayFrom ancestor: pid_t) throws(FixtureError) {
        try waitUntil("\(pid) to be adopted") {
            guard let stat = ProcStat(pid: pid) else { return false }
            if stat.ppid == ancestor { return false }
            return stat.ppid == 0 || (ProcStat(pid: stat.ppid).map { $0.ppid != ancestor } ?? false)
        }
    }

    /// A server's port from its ready report, or null.
    private func port(_ report: Report) -> JSON {
        report.value < 0 ? .null : .int(Int(report.value))
    }
}

/// Report values of a job's shell and another step of it (a server reports its port, or -1).
private let jobShellReport: Int32 = -3
private let jobStepReport: Int32 = -4
