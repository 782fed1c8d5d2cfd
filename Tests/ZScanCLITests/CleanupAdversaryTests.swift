import Foundation
import XCTest
import ZScanTestSupport

/// Targets that fight cleanup: a TERM-ignoring process that double-forks so its children leave
/// its tree, next to bystanders that must come out untouched. (A pid reused between plan and
/// action: PidReuseTests. A forker that never stops: CleanupCommandTests.)
extension CleanupCommandTests {
    /// Every process of a listing that is neither planted by the scenario as a target nor the
    /// `ps` that made the listing, by pid: what must be there, unchanged, afterwards. Zombies are
    /// left out: they have ended already, and their parents may reap them at any moment. So is a
    /// fixture that `ps` shows as `[zscan-fixture]`: its command line is gone because it is
    /// exiting (a double fork's middle process caught between its fork and its exit), and it
    /// carries no marker that would name it a target.
    func bystanders(_ listing: String, targets: Set<Int32>) -> [Int32: ProcessRow] {
        sandbox.processes(listing).filter {
            !targets.contains($0.key) && !$0.value.args.hasPrefix("ps ") && !$0.value.stat.hasPrefix("Z") && $0.value.args != "[zscan-fixture]"
        }
    }

    func testTermIgnoringEscaperIsFollowedIntoItsProcessGroupAndNothingElseIsTouched() throws {
        try sandbox.run(
            """
            start esc escaper --own-group --interval-ms 10 --ignore-term
            start other tree --depth 2 --width 2
            target=$(field esc escaper)
            \(treeRule(id: "test_escaper"))
            sleep 0.4
            processes before
            zscan --rules rules.json5 --only test_escaper --cleanup --grace 1s --format json > cleanup.json; echo $? > status
            processes after
            stop esc
            stop other
            """)
        let escaper = try XCTUnwrap(sandbox.int("esc", "escaper"))
        XCTAssertEqual(sandbox.int("esc", "pgid"), escaper, "the escaper leads its own group")
        let handle = try XCTUnwrap(sandbox.int("esc", "pid"))
        let bystanderTree = Set(try XCTUnwrap(sandbox.json("other")?["nodes"] as? [[String: Any]]).compactMap { ($0["pid"] as? Int).map(Int32.init) })
        XCTAssertEqual(bystanderTree.count, 6)
        // Everything the escaper made: itself and the grandchildren its double forks left behind.
        let targets = Set(planted("before").map(\.pid)).subtracting(bystanderTree).subtracting([handle, try XCTUnwrap(sandbox.int("other", "pid"))])
        let escaped = targets.subtracting([escaper])
        XCTAssertGreaterThan(escaped.count, 5, "the escaper should have double-forked by now")

        let report = sandbox.report("cleanup")
        try assertValid("cleanup")
        XCTAssertEqual(report.outcome(of: escaper), "killed", "it ignores SIGTERM")
        let followed = report.actions.filter {
            $0.steps.contains { $0.hasPrefix("left the tree (parent ") && $0.hasSuffix("found in its process group \(escaper)") }
        }
        XCTAssertGreaterThanOrEqual(followed.count, escaped.count, "the escaped grandchildren were not followed: \(report.actions.map(\.steps))")
        XCTAssertTrue(report.actions.allSatisfy { ["killed", "already_gone"].contains($0.outcome) }, "\(report.actions.map(\.outcome))")
        let missed = escaped.filter { !ended($0, in: "after") }
        XCTAssertEqual(missed, [], "escaped grandchildren still run")
        XCTAssertEqual(survivors("after").filter { targets.contains($0.pid) }.map(\.pid), [])
        XCTAssertEqual(sandbox.text("status"), "0\n")

        // Nothing else was touched: every other process (the bystander tree, both handles, the
        // scenario's shell; outside a namespace also the machine's) has the same start time,
        // and within a namespace, where nothing else comes and goes, every one is still there.
        let after = sandbox.processes("after")
        for (pid, row) in bystanders("before", targets: targets) {
            if let now = after[pid] {
                XCTAssertEqual(now.start, row.start, "pid \(pid) (\(row.args.prefix(80))) is another process now")
                XCTAssertFalse(now.stat.hasPrefix("T"), "pid \(pid) (\(row.args.prefix(80))) was stopped")
            } else {
                XCTAssertFalse(
                    CleanupSandbox.isolated || bystanderTree.contains(pid) || pid == handle,
                    "pid \(pid) (\(row.args.prefix(80))) is gone")
            }
        }
    }
}
