import Foundation
import XCTest
import ZScanTestSupport

/// Each row of the provenance severity table on real processes: the finding zscan gives (or
/// none), its severity and its evidence. Every scenario runs in a private PID namespace where
/// one can be made (CleanupSandbox), where the namespace's init is the adopter (`init (1)`);
/// elsewhere zscan is scoped by the scenario's marker and the adopter is whatever this machine
/// has, so only what does not depend on it is checked.
final class ProvenanceTests: XCTestCase {
    var sandbox: CleanupSandbox!

    override func setUpWithError() throws { sandbox = try CleanupSandbox() }
    override func tearDown() { sandbox.remove() }

    static let uvicorn = #"--argv "python3 -m uvicorn app:app""#

    /// Runs a scenario with no CI marker in its environment (the suite may run inside CI): each
    /// fixture and zscan call gets the markers the scenario gives it. The fixtures end with the
    /// scenario (by their handles' pids), so their inherited stderr does not keep it waiting.
    @discardableResult
    func run(_ body: String) throws -> ToolResult {
        let unset = "unset " + ProvenanceReport.jobVariables.joined(separator: " ") + "\n"
        return try sandbox.run(unset + body + "\njobs -p > handles; kill $(cat handles) 2>/dev/null; wait\n")
    }

    func report(_ name: String) -> ProvenanceReport { ProvenanceReport(json: sandbox.json(name) ?? [:]) }

    /// `init (1)` in a namespace; elsewhere any adopter.
    func assertParentExited(_ evidence: [String], file: StaticString = #filePath, line: UInt = #line) {
        if CleanupSandbox.isolated {
            XCTAssertEqual(evidence.first, "parent exited; now init (1)", file: file, line: line)
        } else {
            XCTAssertTrue(evidence.first?.hasPrefix("parent exited; now ") ?? false, "\(evidence)", file: file, line: line)
        }
    }

    /// How JobCookie shows a cookie: the value cut to 16 characters.
    static func shown(_ variable: String, _ value: String) -> String {
        variable + "=" + (value.count > 16 ? String(value.prefix(16)) + "…" : value)
    }

    // MARK: errors

    func testScriptThatBackgroundsAServerAndExitsLeavesAnOrphanedDevServer() throws {
        try run(
            """
            start leak script-leak --listen 0 \(Self.uvicorn)
            zscan --format json > scan.json
            """)
        let server = try XCTUnwrap(sandbox.int("leak", "server"))
        let leader = try XCTUnwrap(sandbox.int("leak", "session_leader"))
        let finding = try XCTUnwrap(report("scan").only(server), "\(report("scan").summary)")
        XCTAssertEqual(finding.rule, "orphaned_dev_server")
        XCTAssertEqual(finding.severity, "error")
        assertParentExited(finding.evidence)
        XCTAssertEqual(finding.evidence.dropFirst(), ["session leader bash (\(leader)) still running"])
        XCTAssertTrue(report("scan").findings(for: leader).isEmpty, "the terminal's shell is no finding")
    }

    func testServerOfAKilledHarnessIsAnOrphanedDevServer() throws {
        guard CleanupSandbox.isolated else { throw XCTSkip("outside a PID namespace the server's adopter is this machine's") }
        try run(
            """
            start harness harness-killed --listen 0 \(Self.uvicorn)
            zscan --format json > scan.json
            """)
        let server = try XCTUnwrap(sandbox.int("harness", "server"))
        let finding = try XCTUnwrap(report("scan").only(server), "\(report("scan").summary)")
        XCTAssertEqual(finding.rule, "orphaned_dev_server")
        XCTAssertEqual(finding.severity, "error")
        XCTAssertEqual(
            finding.evidence, ["leads its own session; parent is now init (1)", "stdout and stderr are a pipe nobody reads"])
    }

    func testServerLeakedByAnEarlierJobOfAPersistentAgentIsAnErrorEvenWhenNohupped() throws {
        let earlier = "github_" + UUID().uuidString.lowercased()
        let nohupped = "github_" + UUID().uuidString.lowercased()
        let current = "github_" + UUID().uuidString.lowercased()
        try run(
            """
            start leaked job --env RUNNER_TRACKING_ID=\(earlier) --listen 0 \(Self.uvicorn)
            start nohupped job --env RUNNER_TRACKING_ID=\(nohupped) --nohup
            RUNNER_TRACKING_ID=\(current) zscan --format json > scan.json
            """)
        for (name, cookie) in [("leaked", earlier), ("nohupped", nohupped)] {
            let server = try XCTUnwrap(sandbox.int(name, "server"))
            let agent = try XCTUnwrap(sandbox.int(name, "agent"))
            let finding = try XCTUnwrap(report("scan").only(server), "\(name): \(report("scan").summary)")
            XCTAssertEqual(finding.rule, "leaked_from_other_job", name)
            XCTAssertEqual(finding.severity, "error", name)
            assertParentExited(finding.evidence)
            XCTAssertTrue(finding.evidence.contains("session leader Runner.Worker (\(agent)) still running"), "\(finding.evidence)")
            XCTAssertTrue(
                finding.evidence.contains("job cookie \(Self.shown("RUNNER_TRACKING_ID", cookie)) is not this job's"), "\(finding.evidence)")
            XCTAssertFalse(finding.evidence.joined().contains(current), "zscan's own cookie is not shown whole")
            XCTAssertTrue(report("scan").findings(for: agent).isEmpty, "the agent is no finding")
        }
        let nohup = try XCTUnwrap(report("scan").only(try XCTUnwrap(sandbox.int("nohupped", "server"))))
        XCTAssertTrue(nohup.evidence.contains("ignores SIGHUP (nohup)"), "\(nohup.evidence)")
    }

    // MARK: warnings

    func testJobsOwnBackgroundServerIsAWarning() throws {
        let cookie = "github_" + UUID().uuidString.lowercased()
        try run(
            """
            start own job --env RUNNER_TRACKING_ID=\(cookie) --listen 0 \(Self.uvicorn)
            RUNNER_TRACKING_ID=\(cookie) zscan --format json > scan.json
            """)
        let server = try XCTUnwrap(sandbox.int("own", "server"))
        let finding = try XCTUnwrap(report("scan").only(server), "\(report("scan").summary)")
        XCTAssertEqual(finding.rule, "job_background_process")
        XCTAssertEqual(finding.severity, "warning")
        assertParentExited(finding.evidence)
        XCTAssertTrue(finding.evidence.contains("carries this job's cookie \(Self.shown("RUNNER_TRACKING_ID", cookie))"), "\(finding.evidence)")
    }

    // MARK: nothing

    func testAConcurrentJobsProcessIsNoFinding() throws {
        let parented = "github_" + UUID().uuidString.lowercased()
        let running = "github_" + UUID().uuidString.lowercased()
        try run(
            """
            start parented job --env RUNNER_TRACKING_ID=\(parented) --keep-parent --listen 0 \(Self.uvicorn)
            start running job --env RUNNER_TRACKING_ID=\(running) --job-alive --listen 0 \(Self.uvicorn)
            RUNNER_TRACKING_ID=github_\(UUID().uuidString.lowercased()) zscan --format json -v > scan.json
            """)
        XCTAssertNotNil(sandbox.int("running", "job_step"))
        XCTAssertEqual(report("scan").findings.map(\.rule), [], "another job's process in its live tree, or of a job that still runs")
    }

    func testDaemonsAndMultiplexersLeadingTheirOwnSessionAreNoFinding() throws {
        try run(
            """
            start agent session-daemon
            start tmux session-daemon --panes 2
            zscan --format json -v > scan.json
            """)
        XCTAssertEqual(sandbox.ints("tmux", "commands").count, 2)
        XCTAssertEqual(report("scan").findings.map(\.rule), [], "ssh-agent and tmux are no findings, even with -v")
    }

    // MARK: detached on purpose: info, only with -v or --only

    /// Starts one fixture, scans with and without -v and with --only detached_process; the
    /// process is no finding by default and one info `detached_process` when asked, whose
    /// evidence contains `because`.
    func assertDetached(
        _ arguments: String, pid key: String, because: String, environment: String = "", options: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        try run(
            """
            start fixture \(arguments)
            \(environment) zscan --format json \(options) > plain.json
            \(environment) zscan --format json -v \(options) > verbose.json
            \(environment) zscan --format json --only detached_process \(options) > only.json
            """)
        let pid = try XCTUnwrap(sandbox.int("fixture", key), file: file, line: line)
        XCTAssertEqual(report("plain").findings(for: pid).map(\.rule), [], "detached on purpose: hidden by default", file: file, line: line)
        for name in ["verbose", "only"] {
            let finding = try XCTUnwrap(report(name).only(pid), "\(name): \(report(name).summary)", file: file, line: line)
            XCTAssertEqual(finding.rule, "detached_process", name, file: file, line: line)
            XCTAssertEqual(finding.severity, "info", name, file: file, line: line)
            assertParentExited(finding.evidence, file: file, line: line)
            XCTAssertTrue(finding.evidence.contains(because), "\(name): \(finding.evidence)", file: file, line: line)
        }
    }

    func testNohupAfterTheShellExitsIsDetached() throws {
        try assertDetached("orphan --nohup --listen 0 \(Self.uvicorn)", pid: "orphan", because: "ignores SIGHUP (nohup)")
    }

    func testDoubleForkedDaemonWithItsConventionsIsDetached() throws {
        try assertDetached(
            "orphan --conventions --listen 0 \(Self.uvicorn)", pid: "orphan",
            because: "daemon conventions: cwd /, stdio on /dev/null, no terminal")
    }

    func testDaemonNamedByItsPidFileIsDetached() throws {
        let pidFile = sandbox.directory.appendingPathComponent(".run/app.pid").path
        try assertDetached(
            #"orphan --pidfile "$PWD/.run/app.pid" --listen 0 \#(Self.uvicorn)"#, pid: "orphan",
            because: "named by live PID file \(pidFile)", options: #"--pidfiles "$PWD/.run/*.pid""#)
    }

    /// `./.run/*.pid` is one of the places zscan reads PID files from without being told.
    func testDaemonNamedByItsPidFileInADefaultPlaceIsDetached() throws {
        try run(
            """
            start fixture orphan --pidfile "$PWD/.run/app.pid" --listen 0 \(Self.uvicorn)
            zscan --format json -v > verbose.json
            """)
        let pid = try XCTUnwrap(sandbox.int("fixture", "orphan"))
        let finding = try XCTUnwrap(report("verbose").only(pid), report("verbose").summary)
        XCTAssertEqual(finding.rule, "detached_process")
        XCTAssertTrue(
            finding.evidence.contains { $0.hasPrefix("named by live PID file ") && $0.hasSuffix(".run/app.pid") }, "\(finding.evidence)")
    }

    func testDaemonHoldingALockOnItsPidFileIsDetached() throws {
        let lockFile = sandbox.directory.appendingPathComponent("var/daemon.pid").resolvingSymlinksInPath().path
        try assertDetached(#"orphan --lock "$PWD/var/daemon.pid" --listen 0 \#(Self.uvicorn)"#, pid: "orphan", because: "holds a lock on \(lockFile)")
    }

    func testCIOptOutIsDetachedNotAnError() throws {
        try assertDetached(
            "orphan --env JENKINS_NODE_COOKIE=dontKillMe --listen 0 \(Self.uvicorn)", pid: "orphan",
            because: "opted out of CI process cleanup (JENKINS_NODE_COOKIE=dontKillMe)",
            environment: "JENKINS_NODE_COOKIE=\(UUID().uuidString.lowercased())")
    }

    // MARK: systemd, from a fake /proc

    func testLoginSessionServerFromAProcRootIsAnOrphanedDevServer() throws {
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, sid: 1, comm: Array("systemd".utf8), uid: 0, cgroup: "/init.scope")
        try tree.addProcess(
            pid: 400, ppid: 1, sid: 400, comm: Array("python3".utf8), cmdline: Array("python3\0-m\0uvicorn\0app:app\0".utf8),
            cgroup: "/user.slice/user-1000.slice/session-3.scope", stdio: ["/dev/null", "/dev/pts/0", "/dev/pts/0"])
        try tree.addProcess(
            pid: 300, ppid: 1, sid: 300, comm: Array("nginx".utf8), uid: 0, cgroup: "/system.slice/nginx.service")
        let result = try runCapturing(Products.path("zscan"), ["--proc-root", tree.path, "--format", "json", "-v"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let scan = ProvenanceReport(json: object)
        let finding = try XCTUnwrap(scan.only(400), scan.summary)
        XCTAssertEqual(finding.rule, "orphaned_dev_server")
        XCTAssertEqual(finding.severity, "error")
        XCTAssertEqual(
            finding.evidence,
            ["leads its own session; parent is now init (1)", "in login session session-3.scope, where init starts nothing"])
        XCTAssertEqual(scan.findings(for: 300).map(\.rule), [], "a service's main process is a daemon")
    }
}

/// The findings of a zscan JSON report, with what the provenance tests ask of them.
struct ProvenanceReport {
    var json: [String: Any]

    /// The variables JobCookie reads, unset in every scenario.
    static let jobVariables = [
        "RUNNER_TRACKING_ID", "VSTS_PROCESS_LOOKUP_ID", "JENKINS_NODE_COOKIE", "BUILD_ID", "BUILD_NUMBER", "BUILD_TAG",
        "CI_JOB_ID", "BUILDKITE_JOB_ID", "ZSCAN_RUN_ID",
    ]

    struct Finding {
        var rule: String
        var severity: String
        var evidence: [String]
        /// The subject process, if the subject is one.
        var process: Int32?
        /// A socket subject's owners.
        var owners: [Int32]
    }

    var findings: [Finding] {
        (json["findings"] as? [[String: Any]] ?? []).map { f in
            let owners = ((f["socket"] as? [String: Any])?["owners"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
            return Finding(
                rule: f["rule"] as? String ?? "", severity: f["severity"] as? String ?? "",
                evidence: f["evidence"] as? [String] ?? [],
                process: ((f["process"] as? [String: Any])?["pid"] as? Int).map(Int32.init), owners: owners.map(Int32.init))
        }
    }

    /// Findings about a process, as their subject or as a socket's owner.
    func findings(for pid: Int32) -> [Finding] { findings.filter { $0.process == pid || $0.owners.contains(pid) } }

    /// The one finding whose subject is the process; nil when there is none or several.
    func only(_ pid: Int32) -> Finding? {
        let own = findings.filter { $0.process == pid }
        return own.count == 1 ? own[0] : nil
    }

    /// Rules, severities and evidence, for failure messages.
    var summary: String {
        findings.map { "\($0.rule)/\($0.severity) \($0.process.map(String.init) ?? "socket \($0.owners)") \($0.evidence)" }
            .joined(separator: "; ")
    }
}
