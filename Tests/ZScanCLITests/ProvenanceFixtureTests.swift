import Foundation
import XCTest
import ZScanTestSupport

/// The provenance situations zscan-fixture builds, checked against /proc directly (not through
/// zscan): each is what its name says before any zscan test relies on it. Runs on this machine;
/// every fixture is ended by its own pid in teardown.
final class ProvenanceFixtureTests: XCTestCase {
    var fixtures: [FixtureProcess] = []

    override func tearDown() {
        for fixture in fixtures { fixture.stop() }
        fixtures = []
    }

    func start(_ arguments: [String]) throws -> FixtureProcess {
        let fixture = try FixtureProcess(arguments)
        fixtures.append(fixture)
        return fixture
    }

    func facts(_ pid: Int32?, file: StaticString = #filePath, line: UInt = #line) throws -> ProcFacts {
        let pid = try XCTUnwrap(pid, "no pid", file: file, line: line)
        return try XCTUnwrap(ProcFacts(pid: pid), "\(pid) is gone", file: file, line: line)
    }

    /// The parent of an adopted process: not `starter`, nor a child of it.
    func assertAdopted(_ process: ProcFacts, awayFrom starter: Int32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(process.ppid, starter, "still the starter's child", file: file, line: line)
        let parent = ProcFacts(pid: process.ppid)
        XCTAssertNotEqual(parent?.ppid, starter, "still in the starter's tree", file: file, line: line)
    }

    func testScriptLeakLeavesTheServerAdoptedInTheLiveTerminalSession() throws {
        let fixture = try start(["script-leak", "--listen", "0", "--argv", "python3 -m uvicorn app:app"])
        let leader = try facts(fixture.int("session_leader"))
        let server = try facts(fixture.int("server"))
        XCTAssertEqual(leader.sid, leader.pid, "the terminal leads its session")
        XCTAssertEqual(leader.comm, "bash")
        XCTAssertEqual(server.sid, leader.pid, "the server stays in the terminal's session")
        XCTAssertEqual(server.comm, "python3", "the server takes back the handle's name")
        assertAdopted(server, awayFrom: leader.pid)
        XCTAssertFalse(server.ignoresSighup)
        XCTAssertNotNil(fixture.int("port"))
    }

    func testHarnessKilledLeavesTheServerLeadingItsSessionWithAPipeNobodyReads() throws {
        let fixture = try start(["harness-killed", "--listen", "0"])
        let harness = try XCTUnwrap(fixture.int("harness"))
        XCTAssertNil(ProcFacts(pid: harness), "the harness was killed and reaped")
        let server = try facts(fixture.int("server"))
        XCTAssertEqual(server.sid, server.pid)
        assertAdopted(server, awayFrom: harness)
        XCTAssertTrue(server.stdio[1].hasPrefix("pipe:["), "\(server.stdio)")
        XCTAssertEqual(server.stdio[1], server.stdio[2], "stderr=STDOUT")
        XCTAssertEqual(server.descriptors.filter { $0 == server.stdio[1] }.count, 2, "only fd 1 and 2 hold the pipe")
        XCTAssertEqual(try holders(of: server.stdio[1]), [server.pid], "someone still holds the pipe")
    }

    /// Pids of the processes that hold `target` (a `pipe:[N]`) among the fixtures of this test.
    func holders(of target: String) throws -> [Int32] {
        let pids = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
        return pids.filter { pid in ProcFacts(pid: pid)?.descriptors.contains(target) ?? false }
    }

    func testJobLeavesTheServerWithItsCookieAdoptedWhileTheAgentLives() throws {
        let cookie = "RUNNER_TRACKING_ID=github_\(UUID().uuidString.lowercased())"
        let fixture = try start(["job", "--env", cookie, "--listen", "0", "--nohup"])
        let agent = try facts(fixture.int("agent"))
        let server = try facts(fixture.int("server"))
        XCTAssertEqual(agent.sid, agent.pid)
        XCTAssertEqual(agent.comm, "Runner.Worker")
        XCTAssertEqual(server.sid, agent.pid)
        XCTAssertEqual(server.comm, "zscan-fixture")
        assertAdopted(server, awayFrom: agent.pid)
        XCTAssertTrue(server.environment.contains(cookie), "the cookie is not in /proc/PID/environ")
        XCTAssertFalse(agent.environment.contains(cookie), "only the job carries it")
        XCTAssertTrue(server.ignoresSighup, "--nohup survives the re-exec")
        XCTAssertTrue(try runTool("/usr/bin/ss", ["-ltnpH", "sport = :\(try XCTUnwrap(fixture.int("port")))"]).contains("pid=\(server.pid),"))
        XCTAssertNil(fixture.int("job_shell"))
        XCTAssertNil(fixture.int("job_step"))
    }

    func testJobWithALiveStepOrParentKeepsTheCookieInTheJobsTree() throws {
        let cookie = "RUNNER_TRACKING_ID=github_\(UUID().uuidString.lowercased())"
        let alive = try start(["job", "--env", cookie, "--job-alive"])
        let step = try facts(alive.int("job_step"))
        XCTAssertEqual(step.ppid, alive.int("agent"), "the other step runs under the agent")
        XCTAssertTrue(step.environment.contains(cookie))
        assertAdopted(try facts(alive.int("server")), awayFrom: try XCTUnwrap(alive.int("agent")))

        let parented = try start(["job", "--env", cookie, "--keep-parent"])
        let shell = try facts(parented.int("job_shell"))
        let server = try facts(parented.int("server"))
        XCTAssertEqual(server.ppid, shell.pid, "the server keeps its live parent")
        XCTAssertEqual(shell.ppid, parented.int("agent"))
        XCTAssertTrue(shell.environment.contains(cookie))
        XCTAssertTrue(server.environment.contains(cookie))
    }

    func testOrphanServerOptions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-provenance-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent(".run/app.pid").path
        let lockFile = directory.appendingPathComponent("var/daemon.pid").path

        let nohup = try facts(try start(["orphan", "--nohup"]).int("orphan"))
        XCTAssertTrue(nohup.ignoresSighup)

        let conventional = try facts(try start(["orphan", "--conventions"]).int("orphan"))
        XCTAssertEqual(conventional.cwd, "/")
        XCTAssertEqual(conventional.stdio, ["/dev/null", "/dev/null", "/dev/null"])
        XCTAssertFalse(conventional.ignoresSighup)

        let named = try facts(try start(["orphan", "--pidfile", pidFile]).int("orphan"))
        XCTAssertEqual(try String(contentsOfFile: pidFile, encoding: .utf8), "\(named.pid)\n")

        let locker = try facts(try start(["orphan", "--lock", lockFile, "--env", "JENKINS_NODE_COOKIE=dontKillMe"]).int("orphan"))
        XCTAssertTrue(ProcFacts.isLocked(lockFile), "no lock on \(lockFile) in /proc/locks")
        XCTAssertTrue(locker.descriptors.contains(lockFile), "\(locker.descriptors)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: lockFile)).count, 0, "the locked PID file names nobody")
        XCTAssertTrue(locker.environment.contains("JENKINS_NODE_COOKIE=dontKillMe"))
        XCTAssertEqual(locker.comm, "zscan-fixture", "the re-executed image keeps its name")
    }

    func testDaemonConventionsMoveItToTheRoot() throws {
        let fixture = try FixtureProcess(["daemon", "--conventions", "--ttl", "20"])
        let daemon = try XCTUnwrap(fixture.int("daemon"))
        defer {
            // The handle exits at once and the daemon is on its own: end it by pid while it still carries this test's marker.
            let cmdline = (try? String(contentsOfFile: "/proc/\(daemon)/cmdline", encoding: .utf8)) ?? ""
            if cmdline.contains(fixture.marker) { kill(daemon, SIGKILL) }
        }
        let facts = try facts(daemon)
        XCTAssertEqual(facts.cwd, "/")
        XCTAssertEqual(facts.stdio, ["/dev/null", "/dev/null", "/dev/null"])
        XCTAssertNotEqual(facts.sid, facts.pid)
    }

    func testServerOptionMistakesAreUsageErrors() throws {
        let fixture = Products.path("zscan-fixture")
        let noEquals = try runCapturing(fixture, ["orphan", "--env", "RUNNER_TRACKING_ID"])
        XCTAssertEqual(noEquals.status, 2)
        XCTAssertTrue(noEquals.stderr.hasPrefix("zscan-fixture: --env needs VAR=VALUE\n"), noEquals.stderr)
        let wrongMode = try runCapturing(fixture, ["script-leak", "--keep-parent"])
        XCTAssertEqual(wrongMode.status, 2)
        XCTAssertTrue(wrongMode.stderr.hasPrefix("zscan-fixture: --keep-parent is not an option of script-leak\n"), wrongMode.stderr)
    }

    func testSessionDaemonLeadsItsOwnSessionAndItsPanesTheirs() throws {
        let fixture = try start(["session-daemon", "--panes", "2"])
        let daemon = try facts(fixture.int("daemon"))
        XCTAssertEqual(daemon.sid, daemon.pid)
        XCTAssertEqual(daemon.stdio, ["/dev/null", "/dev/null", "/dev/null"])
        XCTAssertNotEqual(daemon.cwd, "/")
        XCTAssertNotEqual(daemon.ppid, fixture.pid, "its starter exited")
        let panes = try fixture.ints("panes").map { try facts($0) }
        let commands = try fixture.ints("commands").map { try facts($0) }
        XCTAssertEqual(panes.count, 2)
        for pane in panes {
            XCTAssertEqual(pane.ppid, daemon.pid)
            XCTAssertEqual(pane.sid, pane.pid)
        }
        XCTAssertEqual(Set(commands.map(\.ppid)), Set(panes.map(\.pid)))
        XCTAssertEqual(Set(commands.map(\.sid)), Set(panes.map(\.pid)))
    }
}
