import XCTest
@testable import ZScanLinux

/// The run cookie is matched as a whole environment entry, never as part of another one.
final class CommandRunnerTests: XCTestCase {
    func bytes(_ entries: [String]) -> [UInt8] { entries.flatMap { Array($0.utf8) + [0] } }

    func testCookieMatchesWholeEntriesOnly() {
        let cookie = Array("ZSCAN_RUN_ID=ab12".utf8) + [0]
        func holds(_ entries: [String]) -> Bool {
            let environ = bytes(entries)
            return CommandRunner.holds(cookie, environ, count: environ.count)
        }
        XCTAssertTrue(holds(["ZSCAN_RUN_ID=ab12"]))
        XCTAssertTrue(holds(["PATH=/bin", "ZSCAN_RUN_ID=ab12", "HOME=/root"]))
        XCTAssertFalse(holds(["ZSCAN_RUN_ID=ab123"]), "another run's id that starts the same")
        XCTAssertFalse(holds(["XZSCAN_RUN_ID=ab12"]))
        XCTAssertFalse(holds(["OLD_ZSCAN_RUN_ID=ab12"]), "inside another entry")
        XCTAssertFalse(holds(["ZSCAN_RUN_ID=ab1"]))
        XCTAssertFalse(holds([]))
        // An environment cut short by the read: the last entry has no NUL, and still counts.
        let cut = Array("A=1\0ZSCAN_RUN_ID=ab12".utf8)
        XCTAssertTrue(CommandRunner.holds(cookie, cut, count: cut.count))
    }
}
