import XCTest
@testable import ZScanLinux

/// `/proc/PID/exe` of a binary deleted or replaced since the process started ends in ` (deleted)`.
final class ExeLinkTests: XCTestCase {
    func testSuffixStrippedWhenNoFileOfTheFullNameExists() {
        let link = ExeLink.resolve("/usr/sbin/sshd (deleted)", exists: { _ in false })
        XCTAssertEqual(link.path, "/usr/sbin/sshd")
        XCTAssertEqual(link.deleted, true)
    }

    func testABinaryWhoseNameReallyEndsSoKeepsIt() {
        let link = ExeLink.resolve("/opt/odd (deleted)", exists: { $0 == "/opt/odd (deleted)" })
        XCTAssertEqual(link.path, "/opt/odd (deleted)")
        XCTAssertEqual(link.deleted, false)
    }

    func testUncheckableNameIsKeptAndUnknown() {
        let link = ExeLink.resolve("/root/secret/tool (deleted)", exists: { _ in nil })
        XCTAssertEqual(link.path, "/root/secret/tool (deleted)")
        XCTAssertNil(link.deleted)
    }

    func testOrdinaryLinkIsNotDeleted() {
        let link = ExeLink.resolve(
            "/usr/bin/python3.11",
            exists: { _ in
                XCTFail("no check needed"); return nil
            })
        XCTAssertEqual(link.path, "/usr/bin/python3.11")
        XCTAssertEqual(link.deleted, false)
    }

    func testExistsTellsMissingFromPresent() {
        XCTAssertEqual(ExeLink.exists("/proc/self/stat"), true)
        XCTAssertEqual(ExeLink.exists("/nonexistent/zscan-exe-link-test"), false)
    }
}
