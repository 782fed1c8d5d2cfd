import Foundation
import XCTest
import ZScanTestSupport

/// Unscoped `zscan --cleanup` among every provenance situation at once: it ends the error
/// findings and nothing else. Unscoped cleanup runs only inside a private PID namespace, where
/// everything visible was started by the scenario; elsewhere these tests are skipped.
final class ProvenanceCleanupTests: XCTestCase {
    var sandbox: CleanupSandbox!

    override func setUpWithError() throws {
        guard CleanupSandbox.isolated else { throw XCTSkip("unscoped cleanup needs a private PID namespace") }
        sandbox = try CleanupSandbox()
    }

    override func tearDown() { sandbox?.remove() }

    static let uvicorn = ProvenanceTests.uvicorn

    func cookie() -> String { "github_" + UUID().uuidString.lowercased() }

    /// Every situation of the severity table; `ended` names the fixtures whose server is an error.
    var everySituation: String {
        """
        unset \(ProvenanceReport.jobVariables.joined(separator: " "))
        start leak script-leak --listen 0 \(Self.uvicorn)
        start harness harness-killed --listen 0 \(Self.uvicorn)
        start leaked job --env RUNNER_TRACKING_ID=\(cookie()) --listen 0 \(Self.uvicorn)
        start nohupped job --env RUNNER_TRACKING_ID=\(cookie()) --nohup
        start own job --env RUNNER_TRACKING_ID=$OWN --listen 0 \(Self.uvicorn)
        start parented job --env RUNNER_TRACKING_ID=\(cookie()) --keep-parent \(Self.uvicorn)
        start running job --env RUNNER_TRACKING_ID=\(cookie()) --job-alive \(Self.uvicorn)
        start nohup orphan --nohup --listen 0 \(Self.uvicorn)
        start conventions orphan --conventions \(Self.uvicorn)
        start named orphan --pidfile "$PWD/.run/app.pid" \(Self.uvicorn)
        start locked orphan --lock "$PWD/var/daemon.pid" \(Self.uvicorn)
        start optout orphan --env JENKINS_NODE_COOKIE=dontKillMe \(Self.uvicorn)
        start agent session-daemon
        start tmux session-daemon --panes 1

        """
    }

    /// The servers an unscoped cleanup must end: the error rows.
    var errorServers: [Int32] {
        ["leak", "harness", "leaked", "nohupped"].compactMap { sandbox.int($0, "server") }
    }

    /// Fixture processes (carrying the marker) alive in a listing.
    func planted(_ listing: String) -> [ProcessRow] {
        sandbox.processes(listing).values.filter {
            $0.args.contains(sandbox.marker) && !$0.args.contains("scenario.sh") && !$0.stat.hasPrefix("Z")
        }
    }

    /// Everything planted before the cleanup but `ended` is still there, the same process (pid and start time).
    func assertOnlyEnded(_ ended: Set<Int32>, file: StaticString = #filePath, line: UInt = #line) {
        let before = planted("before")
        XCTAssertGreaterThan(before.count, 20, "the scenario did not plant its processes", file: file, line: line)
        let after = Dictionary(uniqueKeysWithValues: planted("after").map { ($0.pid, $0) })
        for row in before where !ended.contains(row.pid) {
            XCTAssertEqual(after[row.pid]?.start, row.start, "\(row.pid) (\(row.args.prefix(60))) was ended", file: file, line: line)
        }
        for pid in ended {
            XCTAssertNotNil(before.first { $0.pid == pid }, "\(pid) was not running before", file: file, line: line)
            XCTAssertNil(after[pid], "\(pid) is still running", file: file, line: line)
        }
    }

    func testUnscopedCleanupEndsTheErrorsAndNothingElse() throws {
        let own = cookie()
        try sandbox.run(
            everySituation + """
                processes before
                RUNNER_TRACKING_ID=$OWN "$ZSCAN" --config "$CONFIG" --pidfiles "$PWD/.run/*.pid" --cleanup --grace 1s --format json > cleanup.json
                echo $? > status
                processes after
                """, extra: ["OWN": own])
        let ended = errorServers
        XCTAssertEqual(ended.count, 4)
        let report = sandbox.report("cleanup")
        XCTAssertEqual(Set(report.actions.compactMap(\.pid)), Set(ended), "\(report.actions.map { ($0.rule, $0.pid ?? 0) })")
        assertOnlyEnded(Set(ended))
        XCTAssertEqual(sandbox.text("status"), "0\n", "every error was ended")
    }

    func testCleanupOnlyOfDetachedProcessesEndsThemAndNothingElse() throws {
        try sandbox.run(
            everySituation + """
                processes before
                RUNNER_TRACKING_ID=$OWN "$ZSCAN" --config "$CONFIG" --pidfiles "$PWD/.run/*.pid" --only detached_process --cleanup --grace 1s --format json > cleanup.json
                processes after
                """, extra: ["OWN": cookie()])
        let detached = ["nohup", "conventions", "named", "locked", "optout"].compactMap { sandbox.int($0, "orphan") }
        XCTAssertEqual(detached.count, 5)
        assertOnlyEnded(Set(detached))
    }

    /// A scoped cleanup acts on every finding it selects, but a detached process only when
    /// `--only` names its rule.
    func testScopedCleanupLeavesDetachedProcesses() throws {
        try sandbox.run(
            """
            unset \(ProvenanceReport.jobVariables.joined(separator: " "))
            start leak script-leak --listen 0 \(Self.uvicorn)
            start nohup orphan --nohup --listen 0 \(Self.uvicorn)
            start conventions orphan --conventions \(Self.uvicorn)
            processes before
            zscan -v --cleanup --grace 1s --format json > cleanup.json
            processes after
            """)
        let server = try XCTUnwrap(sandbox.int("leak", "server"))
        XCTAssertEqual(sandbox.report("cleanup").outcome(of: server), "terminated")
        for name in ["nohup", "conventions"] {
            let pid = try XCTUnwrap(sandbox.int(name, "orphan"))
            XCTAssertEqual(sandbox.processes("after")[pid]?.start, sandbox.processes("before")[pid]?.start, "\(name) was ended")
            XCTAssertEqual(sandbox.report("cleanup").outcome(of: pid), "skipped", "the plan says why it left \(name) alone")
        }
    }
}
