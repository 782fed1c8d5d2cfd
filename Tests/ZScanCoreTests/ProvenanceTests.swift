import XCTest
@testable import ZScanCore

/// `adopted`, `detached`, `orphaned` and their evidence, worked out from the facts a collector
/// reads for adoption candidates, one test per way a process comes to run under init.
final class ProvenanceTests: XCTestCase {
    private let initProcess = ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1, name: "systemd")
    private let terminal = ["/dev/pts/0", "/dev/pts/0", "/dev/pts/0"]

    private func derived(_ processes: [ProcessRecord], pidfiles: [PidFileRecord] = [], collector: Int32 = 0) -> Snapshot {
        var snapshot = Snapshot(host: HostInfo(collectorPid: collector), processes: processes)
        snapshot.link()
        if !pidfiles.isEmpty { snapshot.deriveProvenance(pidfiles: pidfiles) }
        return snapshot
    }

    /// A process started from a script (terminal streams, no CI job, SIGHUP not ignored), adopted
    /// by init after its script exited: session 4000 is not its own nor init's.
    private func leftover(
        pid: Int32 = 4242, sid: Int32 = 4000, name: String = "uvicorn", cwd: String = "/srv/app", stdio: [String]? = nil,
        ignoresSighup: Bool = false, job: String? = "none", cgroup: String? = nil
    ) -> ProcessRecord {
        ProcessRecord(
            pid: pid, ppid: 1, pgid: pid, sid: sid, name: name, cwd: cwd, cgroup: cgroup, ignoresSighup: ignoresSighup,
            stdio: stdio ?? terminal, job: job)
    }

    func testScriptLeftoverInALiveTerminalIsOrphaned() {
        let s = derived([initProcess, ProcessRecord(pid: 4000, ppid: 1, pgid: 4000, sid: 4000, name: "bash"), leftover()])
        let p = s.process(pid: 4242)!
        XCTAssertEqual(p.adopted, true)
        XCTAssertEqual(p.detached, false)
        XCTAssertTrue(p.orphaned)
        XCTAssertEqual(p.evidence, ["parent exited; now init (1)", "session leader bash (4000) still running"])
    }

    func testNohupIsDetachedNotOrphaned() {
        let s = derived([initProcess, leftover(ignoresSighup: true)])
        let p = s.process(pid: 4242)!
        XCTAssertEqual(p.adopted, true)
        XCTAssertEqual(p.detached, true)
        XCTAssertFalse(p.orphaned)
        XCTAssertEqual(p.evidence, ["parent exited; now init (1)", "session leader (4000) is gone", "ignores SIGHUP (nohup)"])
    }

    func testDaemonConventionsNeedAllThree() {
        let null = ["/dev/null", "/dev/null", "/dev/null"]
        XCTAssertEqual(derived([initProcess, leftover(cwd: "/", stdio: null)]).process(pid: 4242)!.detached, true)
        // `server >/dev/null 2>&1 &` from a project directory is how scripts background servers.
        XCTAssertEqual(derived([initProcess, leftover(cwd: "/srv/app", stdio: null)]).process(pid: 4242)!.detached, false)
        XCTAssertEqual(derived([initProcess, leftover(cwd: "/", stdio: ["/dev/null", "pipe:[7]", "/dev/null"])]).process(pid: 4242)!.detached, false)
        var withTerminal = leftover(cwd: "/", stdio: null)
        withTerminal.tty = "pts/0"
        XCTAssertEqual(derived([initProcess, withTerminal]).process(pid: 4242)!.detached, false)
    }

    func testLivePidFileAndLockedPidFileAreDeliberate() {
        let named = derived(
            [initProcess, leftover()], pidfiles: [PidFileRecord(path: "/run/app.pid", pid: 4242, alive: true)])
        XCTAssertEqual(named.process(pid: 4242)!.pidfile, "/run/app.pid")
        XCTAssertEqual(named.process(pid: 4242)!.detached, true)
        XCTAssertTrue(named.process(pid: 4242)!.evidence.contains("named by live PID file /run/app.pid"))
        let reused = derived(
            [initProcess, leftover()], pidfiles: [PidFileRecord(path: "/run/app.pid", pid: 4242, alive: true, reused: true)])
        XCTAssertEqual(reused.process(pid: 4242)!.detached, false, "a recycled pid is not named by the file")

        var locker = leftover()
        locker.lockedFile = "/run/app.pid"
        XCTAssertEqual(derived([initProcess, locker]).process(pid: 4242)!.evidence.last, "holds a lock on /run/app.pid")
    }

    func testSystemdServiceIsDeliberateUnlessItIsZscansOwn() {
        let service = leftover(cgroup: "/system.slice/nginx.service")
        XCTAssertEqual(derived([initProcess, service]).process(pid: 4242)!.detached, true)
        // zscan run by a CI agent's service: its leftovers share the service's cgroup.
        let agent = "/system.slice/actions.runner.org-repo.host.service"
        let zscan = ProcessRecord(pid: 900, ppid: 1, pgid: 900, sid: 900, name: "zscan", cgroup: agent)
        let s = derived([initProcess, zscan, leftover(cgroup: agent)], collector: 900)
        XCTAssertEqual(s.process(pid: 4242)!.detached, false)
        XCTAssertEqual(derived([initProcess, leftover(cgroup: "/user.slice/user-1000.slice/user@1000.service")]).process(pid: 4242)!.detached, false)
    }

    func testCIOptOutIsDeliberateAndOtherJobsCookieIsEvidence() {
        var optedOut = leftover()
        optedOut.ciOptOut = "JENKINS_NODE_COOKIE=dontKillMe"
        let p = derived([initProcess, optedOut]).process(pid: 4242)!
        XCTAssertEqual(p.detached, true)
        XCTAssertEqual(p.evidence.last, "opted out of CI process cleanup (JENKINS_NODE_COOKIE=dontKillMe)")

        var other = leftover(job: "other")
        other.jobCookie = "RUNNER_TRACKING_ID=github_0c9e1f2a-…"
        other.jobAlive = true
        let o = derived([initProcess, other]).process(pid: 4242)!
        XCTAssertEqual(
            Array(o.evidence.suffix(2)),
            ["job cookie RUNNER_TRACKING_ID=github_0c9e1f2a-… is not this job's", "its job still runs: another process carries the same cookie"])
        XCTAssertEqual(derived([initProcess, leftover(job: nil)]).process(pid: 4242)!.evidence.last, "environment unreadable: job unknown")
    }

    func testSessionLeaderUnderInitNeedsEvidenceOfAdoption() {
        // A harness started the server with setsid and a pipe for its output, then was killed:
        // nobody holds the pipe's other end.
        var server = ProcessRecord(
            pid: 4300, ppid: 1, pgid: 4300, sid: 4300, name: "uvicorn", cwd: "/srv/app", ignoresSighup: false,
            stdio: ["/dev/null", "pipe:[77]", "pipe:[77]"], job: "none", pipeInodes: [77])
        var s = derived([initProcess, server])
        XCTAssertEqual(s.process(pid: 4300)!.adopted, true)
        XCTAssertTrue(s.process(pid: 4300)!.orphaned)
        XCTAssertEqual(
            s.process(pid: 4300)!.evidence, ["leads its own session; parent is now init (1)", "stdout and stderr are a pipe nobody reads"])

        // The harness lives (it holds the pipe) and so does the server's parent: not a candidate.
        // The pipe's reader lives elsewhere (a log collector): a daemon.
        let reader = ProcessRecord(pid: 500, ppid: 1, pgid: 500, sid: 500, name: "logger", pipeInodes: [77])
        s = derived([initProcess, reader, server])
        XCTAssertEqual(s.process(pid: 4300)!.adopted, false)
        XCTAssertFalse(s.process(pid: 4300)!.orphaned)

        // A daemon: own session under init, output on /dev/null.
        server.stdio = ["/dev/null", "/dev/null", "/dev/null"]
        s = derived([initProcess, server])
        XCTAssertEqual(s.process(pid: 4300)!.adopted, false)
        XCTAssertEqual(s.process(pid: 4300)!.evidence, ["leads its own session under init (1), with no sign its starter died: a daemon"])
    }

    func testLoginSessionAndAppScopesUnderInitWereAdopted() {
        for (cgroup, sign) in [
            ("/user.slice/user-1000.slice/session-3.scope", "in login session session-3.scope, where init starts nothing"),
            (
                "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-foo-123.scope",
                "in user app scope app-gnome-foo-123.scope, where init starts nothing"
            ),
        ] {
            let p = ProcessRecord(
                pid: 4300, ppid: 1, pgid: 4300, sid: 4300, name: "vite", cwd: "/srv", cgroup: cgroup, ignoresSighup: false,
                stdio: ["/dev/null", "/dev/null", "/dev/null"], job: "none")
            let s = derived([initProcess, p])
            XCTAssertEqual(s.process(pid: 4300)!.adopted, true, cgroup)
            XCTAssertEqual(s.process(pid: 4300)!.evidence.last, sign)
        }
        // A service leads its own session under init: systemd started it.
        let nginx = ProcessRecord(
            pid: 4300, ppid: 1, pgid: 4300, sid: 4300, name: "nginx", cwd: "/", cgroup: "/system.slice/nginx.service",
            ignoresSighup: false, stdio: ["/dev/null", "socket:[5]", "socket:[5]"], job: "none")
        XCTAssertEqual(derived([initProcess, nginx]).process(pid: 4300)!.adopted, false)
    }

    func testMultiplexerServerAndItsPanesAreNotAdopted() {
        let tmux = ProcessRecord(
            pid: 600, ppid: 1, pgid: 600, sid: 600, name: "tmux: server", cwd: "/home/dev", ignoresSighup: false,
            stdio: ["/dev/null", "/dev/null", "/dev/null"], job: "none")
        let pane = ProcessRecord(pid: 601, ppid: 600, pgid: 601, sid: 601, tty: "pts/4", name: "bash", stdio: terminal)
        let job = ProcessRecord(pid: 602, ppid: 601, pgid: 602, sid: 601, tty: "pts/4", name: "vite", stdio: terminal)
        let s = derived([initProcess, tmux, pane, job])
        for pid: Int32 in [600, 601, 602] {
            XCTAssertNotEqual(s.process(pid: pid)!.adopted, true, "\(pid)")
            XCTAssertFalse(s.process(pid: pid)!.orphaned)
        }
    }

    func testSubreaperIsAnAdopter() {
        // A test runner that is a child subreaper (pid 700) holds a server from a killed harness's
        // session: it has adopted, so a session leader under it is a candidate too.
        let runner = ProcessRecord(pid: 700, ppid: 1, pgid: 700, sid: 700, name: "runner")
        let adoptedWorker = leftover(pid: 710, sid: 705)
        var worker = adoptedWorker
        worker.ppid = 700
        let server = ProcessRecord(
            pid: 720, ppid: 700, pgid: 720, sid: 720, name: "vite", ignoresSighup: false, stdio: ["/dev/null", "pipe:[9]", "/dev/null"],
            job: "none", pipeInodes: [9])
        let s = derived([initProcess, runner, worker, server])
        XCTAssertEqual(s.process(pid: 710)!.evidence.first, "parent exited; now runner (700)")
        XCTAssertEqual(s.process(pid: 720)!.adopted, true)
        XCTAssertEqual(s.process(pid: 720)!.evidence.last, "stdout is a pipe nobody reads")
    }

    func testUnreadFactsLeaveTheAnswerUnknown() {
        // A snapshot taken without provenance: no stdio, no SigIgn.
        let bare = ProcessRecord(pid: 4242, ppid: 1, pgid: 4242, sid: 4000, name: "uvicorn")
        let p = derived([initProcess, bare]).process(pid: 4242)!
        XCTAssertEqual(p.adopted, true)
        XCTAssertNil(p.detached)
        XCTAssertFalse(p.orphaned, "unknown is not a finding")
        let leader = ProcessRecord(pid: 4300, ppid: 1, pgid: 4300, sid: 4300, name: "x")
        XCTAssertNil(derived([initProcess, leader]).process(pid: 4300)!.adopted)
    }
}
