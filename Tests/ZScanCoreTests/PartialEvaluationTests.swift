import XCTest

@testable import ZScanCore

/// Pending values (`PartialReads`): a field not read yet may turn out to be anything, null
/// included, so only outcomes that hold whatever it turns out to be are decided.
final class PartialEvaluationTests: XCTestCase {
    /// Process 10 has read nothing beyond `stat`; its parent 1 has read its command line.
    private func outcome(_ condition: String, wanted: FieldSet = [.cmdline, .exe, .cwd]) throws -> (truth: Truth, demands: ReadPlan) {
        var parent = ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "init", cmdline: "/sbin/init")
        parent.read = [.cmdline]
        var snapshot = Snapshot(host: HostInfo(), processes: [parent, ProcessRecord(pid: 10, ppid: 1, sid: 10, state: "S", name: "node")])
        snapshot.link()
        let partial = PartialReads(wanted: wanted)
        let context = EvaluationContext(snapshot: snapshot, pidfiles: [], baseline: nil, samples: nil, trackedPids: [], partial: partial)
        let compiled = try ConditionChecker(scope: ConditionScope()).compile(condition, subject: .process)
        return (context.truth(compiled, .process(1)), partial.plan)
    }

    func testPendingIsNeitherNullNorFalse() throws {
        XCTAssertEqual(try outcome("exists(cmdline)").truth, .pending)
        XCTAssertEqual(try outcome("cmdline == null").truth, .pending)
        XCTAssertEqual(try outcome("!(cmdline == 'x')").truth, .pending)
        XCTAssertEqual(try outcome("cmdline in ['a', 'b']").truth, .pending)
        XCTAssertEqual(try outcome("name in [cmdline, 'node']").truth, .yes, "found whatever the other item is")
        XCTAssertEqual(try outcome("len(cmdline) > 3").truth, .pending)
        XCTAssertEqual(try outcome("cmdline contains 'x'").truth, .pending)
        XCTAssertEqual(try outcome("cmdline any_matches ['x']").truth, .pending)
        XCTAssertEqual(try outcome("tty contains cmdline").truth, .unknown, "a null side decides: unknown")
        XCTAssertEqual(try outcome("parent.cmdline == '/sbin/init'").truth, .yes, "read for the parent")
        XCTAssertEqual(try outcome("env.CI == 'true'").truth, .unknown, "a group the scan does not read is null, as in a full read")
    }

    func testKleeneWithPending() throws {
        XCTAssertEqual(try outcome("cmdline == 'x' && state == 'Z'").truth, .no)
        XCTAssertEqual(try outcome("cmdline == 'x' || state == 'S'").truth, .yes)
        XCTAssertEqual(try outcome("cmdline == 'x' && state == 'S'").truth, .pending)
        XCTAssertEqual(try outcome("cmdline == 'x' && tty == 'pts/1'").truth, [.no, .unknown], "never true: tty is null")
        XCTAssertEqual(try outcome("cmdline == 'x' || tty == 'pts/1'").truth, [.yes, .unknown], "never false: tty is null")
        XCTAssertEqual(try outcome("!(cmdline == 'x' && state == 'Z')").truth, .yes)
    }

    func testDemandsOnlyWhereTheOutcomeDependsOnThem() throws {
        XCTAssertEqual(try outcome("cmdline == 'x' && exe == 'y'").demands, [10: [.cmdline, .exe]])
        XCTAssertEqual(try outcome("state == 'Z' && cmdline == 'x'").demands, [:], "decided by state")
        XCTAssertEqual(try outcome("(cmdline == 'x' && state == 'Z') || cwd == '/'").demands, [10: .cwd])
        XCTAssertEqual(try outcome("parent.cmdline == 'a' || cmdline == 'b'").demands, [10: .cmdline])
    }

    func testQuantifiersOverPending() throws {
        // Process 1's only child (10) has read nothing.
        func parent(_ condition: String) throws -> Truth {
            var child = ProcessRecord(pid: 10, ppid: 1, sid: 10, state: "S", name: "node")
            child.read = []
            var init1 = ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "init", cmdline: "/sbin/init")
            init1.read = [.cmdline]
            var snapshot = Snapshot(host: HostInfo(), processes: [init1, child])
            snapshot.link()
            let context = EvaluationContext(
                snapshot: snapshot, pidfiles: [], baseline: nil, samples: nil, trackedPids: [], partial: PartialReads(wanted: .cmdline))
            return context.truth(try ConditionChecker(scope: ConditionScope()).compile(condition, subject: .process), .process(0))
        }
        XCTAssertEqual(try parent("any(children, cmdline contains 'x')"), .pending)
        XCTAssertEqual(try parent("any(children, cmdline contains 'x' || state == 'S')"), .yes)
        XCTAssertEqual(try parent("all(children, cmdline contains 'x')"), .pending)
        XCTAssertEqual(try parent("all(children, cmdline contains 'x' && state == 'Z')"), .no)
        XCTAssertEqual(try parent("count(children, cmdline contains 'x') >= 1"), .pending)
        XCTAssertEqual(try parent("count(children, state == 'S') >= 1"), .yes)
        XCTAssertEqual(try parent("len(children) == 1"), .yes)
    }

    func testSamplingCandidacy() throws {
        var old = ProcessRecord(pid: 10, ppid: 1, sid: 10, state: "R", name: "spin", age: 595)
        old.read = []
        var snapshot = Snapshot(host: HostInfo(), processes: [ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "init"), old])
        snapshot.link()
        let partial = PartialReads(wanted: [], window: 10)
        let context = EvaluationContext(snapshot: snapshot, pidfiles: [], baseline: nil, samples: nil, trackedPids: [], partial: partial)
        let checker = ConditionChecker(scope: ConditionScope())
        let hang = try checker.compile("cpu >= 90 && age > 10m && state_before == 'R'", subject: .process)
        XCTAssertEqual(context.truth(hang, .process(1)), .pending, "its age at the second reading is over 10m")
        XCTAssertEqual(partial.sampled, [10])
        XCTAssertEqual(context.truth(try checker.compile("state == 'D' && state_before == 'D'", subject: .process), .process(1)), .no)
    }
}
