import Foundation
import XCTest
@testable import ZScanCore
import ZScanLinux
import ZScanTestSupport

/// A pid reused between the plan and the action, for real: the planned process exits and the
/// kernel hands its pid to a new process (steered with /proc/sys/kernel/ns_last_pid, which only
/// root may write), then the plan is carried out. The newcomer must not be signalled.
final class PidReuseTests: XCTestCase {
    static let lastPid = "/proc/sys/kernel/ns_last_pid"

    func testPlannedProcessWhosePidWasReusedIsNotSignalled() throws {
        guard getuid() == 0, FileManager.default.isWritableFile(atPath: Self.lastPid) else {
            throw XCTSkip("needs root to steer the next pid through \(Self.lastPid)")
        }
        let planned = try FixtureProcess(["sleep"])
        // The guards judge PID namespaces: cleanup reads them for what it plans.
        let snapshot = try LinuxSnapshotSource().collect(what: [.cmdline, .namespace])
        let context = EvaluationContext(snapshot: snapshot)
        let seen = try XCTUnwrap(snapshot.process(pid: planned.pid))
        let cleanupGuard = CleanupGuard(snapshot: snapshot, protect: [], onlyUID: nil)
        let member = CleanupPlan.Member(
            identity: seen.identity, name: seen.name, cmdline: seen.cmdline, state: seen.state,
            protected: cleanupGuard.reason(for: context.pidIndex[seen.pid]!, in: context))
        XCTAssertNil(member.protected)
        var plan = CleanupPlan(findings: [], context: context, guard: cleanupGuard)
        plan.items = [CleanupPlan.Item(rule: "test_reuse", action: .terminateTree, members: [member], parent: nil, pidfile: nil)]

        // Between plan and action: the planned process ends, and its pid goes to a newcomer.
        planned.stop()
        // A process's identity is its pid and its start time in clock ticks (10 ms at USER_HZ 100):
        // a newcomer started in the planned process's own tick would be the same identity to /proc.
        // Real reuse takes a pid space's worth of forks, far longer than a tick; let one pass here.
        usleep(20_000)
        var newcomer: FixtureProcess?
        defer { newcomer?.stop() }
        for _ in 0..<50 where newcomer == nil {
            try String(seen.pid - 1).write(toFile: Self.lastPid, atomically: false, encoding: .utf8)
            let candidate = try FixtureProcess(["sleep"])
            if candidate.pid == seen.pid { newcomer = candidate } else { candidate.stop() }
        }
        let reused = try XCTUnwrap(newcomer, "could not get pid \(seen.pid) again (another process took it each time)")
        let before = try XCTUnwrap(try LinuxSnapshotSource().collect(what: []).process(pid: reused.pid)?.identity)
        XCTAssertNotEqual(before, seen.identity, "same pid, another start time: another process")

        let actions = CleanupExecutor(control: PidfdControl(), cleanupGuard: cleanupGuard, context: context, grace: 1, dryRun: false).run(plan)
        XCTAssertEqual(actions.map(\.outcome), [.alreadyGone])
        XCTAssertEqual(actions.first?.reason, "its pid now belongs to another program: not signalled")
        XCTAssertEqual(actions.first?.steps, [], "no signal was sent")
        let after = try LinuxSnapshotSource().collect(what: []).process(pid: reused.pid)
        XCTAssertEqual(after?.identity, before, "the newcomer was ended")
        XCTAssertEqual(after?.state, "S", "the newcomer was stopped or disturbed")
    }
}
