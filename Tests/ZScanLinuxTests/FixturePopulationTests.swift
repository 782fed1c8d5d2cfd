import Foundation
import XCTest
import ZScanTestSupport
@testable import ZScanCore
@testable import ZScanLinux

/// `zscan-fixture population --zombies Z --stopped S`: what scripts/bench measures against is a
/// host with a few zombies and a stopped process, and all of it ends with the population.
final class FixturePopulationTests: XCTestCase {
    func testPopulationHoldsZombiesAndStoppedProcessesAndEndsThemOnSIGTERM() throws {
        let fixture = try FixtureProcess(["population", "--count", "4", "--listeners", "1", "--zombies", "3", "--stopped", "2"])
        defer { fixture.stop() }
        let zombies = fixture.ints("zombies")
        let stopped = fixture.ints("stopped")
        XCTAssertEqual(zombies.count, 3)
        XCTAssertEqual(stopped.count, 2)

        let snapshot = try LinuxSnapshotSource().collect(what: .standard)
        let members = snapshot.processes.filter { $0.pgid == fixture.int("pgid") }
        XCTAssertEqual(members.count, 1 + 4 + 3 + 2, "the handle, its idle members, zombies and stopped processes")
        for pid in zombies {
            let zombie = try XCTUnwrap(snapshot.process(pid: pid))
            XCTAssertEqual(zombie.state, "Z", "zombie \(pid)")
            XCTAssertEqual(zombie.ppid, fixture.pid, "the handle is the parent that never waits")
        }
        for pid in stopped {
            XCTAssertEqual(snapshot.process(pid: pid)?.state, "T", "stopped \(pid)")
        }
        let identities = members.map(\.identity)

        fixture.stop()
        assertAllEnded(identities)
    }

    func testPopulationEndsAtItsTimeToLive() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.path("zscan-fixture"))
        process.arguments = ["population", "--count", "2", "--listeners", "0", "--zombies", "2", "--stopped", "1", "--ttl", "2"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
        // The ready line; the handle keeps stdout open until it ends, so read up to the newline.
        var line = Data()
        while line.last != 0x0A {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let ready = try XCTUnwrap(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        let pids = [process.processIdentifier] + ["zombies", "stopped"].flatMap { (ready[$0] as? [Int] ?? []).map(Int32.init) }
        XCTAssertEqual(pids.count, 4)
        let snapshot = try LinuxSnapshotSource().collect(what: .standard)
        let identities = pids.compactMap { snapshot.process(pid: $0)?.identity }
        XCTAssertEqual(identities.count, 4)

        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        assertAllEnded(identities)
    }

    /// Each process is gone (a pid taken by another process since does not count as ours).
    private func assertAllEnded(_ identities: [ProcessIdentity], file: StaticString = #filePath, line: UInt = #line) {
        guard let after = try? LinuxSnapshotSource().collect(what: []) else { return XCTFail("no snapshot", file: file, line: line) }
        for identity in identities {
            XCTAssertNotEqual(after.process(pid: identity.pid)?.identity, identity, "pid \(identity.pid) still runs", file: file, line: line)
        }
    }
}
