import XCTest
@testable import ZScanCLI
import ZScanCore

/// Which findings still fail the run after cleanup acted.
final class CleanupVerdictTests: XCTestCase {
    let rule = RuleSummary(id: "r", title: "R", severity: .error, tags: [], subject: "process", action: .terminate)

    func finding(_ subject: FindingSubject) -> Finding { Finding(rule: rule, message: "", hint: nil, subject: subject) }

    func process(_ pid: Int32, started: UInt64 = 100) -> ProcessRecord { ProcessRecord(pid: pid, ppid: 1, startTicks: started) }

    func ended(_ record: ProcessRecord, _ outcome: ActionOutcome) -> CleanupAction {
        CleanupAction(rule: "r", action: .terminate, process: record.identity, name: "p", outcome: outcome)
    }

    func testAFindingFailsUntilEverythingItIsAboutIsGone() {
        let socket = SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, state: "LISTEN", inode: 1)
        let pidfile = PidFileRecord(path: "/run/a.pid", pid: 40, alive: false)
        let kept = PidFileRecord(path: "/run/b.pid", pid: 41, alive: false)
        let failing = [
            finding(.process(process(10))),  // terminated: settled
            finding(.process(process(11))),  // survived: still fails
            finding(.process(process(12, started: 999))),  // pid 12 reused: not the one ended
            finding(.socket(socket, owners: [process(10), process(13)])),  // one owner ended, one killed: settled
            finding(.socket(socket, owners: [process(10), process(11)])),  // one owner survived: still fails
            finding(.socket(socket, owners: [])),  // no owner to end: still fails
            finding(.pidfile(pidfile, process: nil)),  // removed: settled
            finding(.pidfile(kept, process: nil)),  // left: still fails
        ]
        let actions = [
            ended(process(10), .terminated), ended(process(11), .survived), ended(process(12), .killed),
            ended(process(13), .killed),
            CleanupAction(rule: "r", action: .removeFile, process: nil, name: "a.pid", path: "/run/a.pid", outcome: .removed),
            CleanupAction(rule: "r", action: .removeFile, process: nil, name: "b.pid", path: "/run/b.pid", outcome: .protected),
        ]
        XCTAssertEqual(CleanupRun.stillFailing(failing, after: actions), [failing[1], failing[2], failing[4], failing[5], failing[7]])
        XCTAssertEqual(CleanupRun.stillFailing(failing, after: []), failing, "nothing done, nothing settled")
        for outcome in ActionOutcome.allCases {
            XCTAssertEqual(CleanupRun.stillFailing([failing[0]], after: [ended(process(10), outcome)]).isEmpty, outcome.resolves, "\(outcome)")
        }
    }
}
