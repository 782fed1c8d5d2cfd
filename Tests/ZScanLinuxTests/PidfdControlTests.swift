import Foundation
import XCTest
import ZScanCore
import ZScanLinux
import ZScanTestSupport

/// Cleanup's hands on real processes and files. Only processes this test started are attached
/// or signalled, each by the identity read from /proc.
final class PidfdControlTests: XCTestCase {
    let control = PidfdControl()

    func identity(_ pid: Int32) throws -> ProcessIdentity {
        let snapshot = try LinuxSnapshotSource().collect(what: [])
        return try XCTUnwrap(snapshot.process(pid: pid)?.identity, "pid \(pid) is not running")
    }

    func testAttachKeepsOnlyTheProcessTheScanSaw() throws {
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let seen = try identity(fixture.pid)
        // The same pid with another start time is what a reused pid looks like: never attached.
        let impostor = ProcessIdentity(pid: seen.pid, startTicks: seen.startTicks + 1)
        XCTAssertEqual(control.attach(impostor), .reused)
        XCTAssertEqual(control.state(of: impostor), nil)
        guard case let .attached(handle) = control.attach(seen) else { return XCTFail("could not attach to the fixture") }
        defer { control.release(handle) }
        // Sleeping, or for a moment running (R) on a busy machine: alive, and not a zombie.
        let state = control.state(of: seen)
        XCTAssertTrue(state == "S" || state == "R", "state \(state ?? "nil")")
        XCTAssertEqual(control.waitForExit([handle], seconds: 0.05), [], "a sleeping fixture has not exited")

        XCTAssertEqual(control.send(.term, to: handle), .sent)
        XCTAssertEqual(control.waitForExit([handle], seconds: 10), [seen], "the pidfd did not report the exit")
        fixture.process.waitUntilExit()
        XCTAssertEqual(control.attach(seen), .gone)
    }

    func testChildrenComeOnlyFromParentsThatAreStillTheSameProcess() throws {
        let fixture = try FixtureProcess(["tree", "--depth", "1", "--width", "3"])
        defer { fixture.stop() }
        let nodes = (fixture.info["nodes"] as? [[String: Any]] ?? []).compactMap { ($0["pid"] as? Int).map(Int32.init) }
        XCTAssertEqual(nodes.count, 3)
        let parent = try identity(fixture.pid)
        XCTAssertEqual(Set(control.children(of: [parent]).map(\.pid)), Set(nodes))
        XCTAssertEqual(
            control.children(of: [ProcessIdentity(pid: parent.pid, startTicks: parent.startTicks + 1)]).map(\.pid), [],
            "children of a pid that now names another process were returned")
    }

    func testPidFileIsRemovedOnlyWhileItHoldsTheSamePid() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-pidfd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: directory) }
        let unchanged = directory.appendingPathComponent("a.pid").path
        let changed = directory.appendingPathComponent("b.pid").path
        try "4242\n".write(toFile: unchanged, atomically: true, encoding: .utf8)
        try "4242\n".write(toFile: changed, atomically: true, encoding: .utf8)
        let read = PidFileReader().read(globs: [directory.path + "/*.pid"], snapshot: Snapshot(host: HostInfo(), processes: []))
        XCTAssertEqual(read.problems, [])
        let files = Dictionary(uniqueKeysWithValues: read.pidfiles.map { ($0.path, $0) })
        // Rewritten in place (the same file): it names another pid now.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: changed))
        try handle.write(contentsOf: Data("4343\n".utf8))
        try handle.close()

        XCTAssertEqual(control.removeFile(try XCTUnwrap(files[unchanged])), .removed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: unchanged))
        XCTAssertEqual(control.removeFile(try XCTUnwrap(files[changed])), .changed)
        XCTAssertEqual(try String(contentsOfFile: changed, encoding: .utf8), "4343\n", "a changed PID file was touched")
        XCTAssertEqual(control.removeFile(try XCTUnwrap(files[unchanged])), .gone)
    }
}
