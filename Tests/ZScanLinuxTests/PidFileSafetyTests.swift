import Foundation
import XCTest
@testable import ZScanCore
@testable import ZScanLinux

/// PID files are read only as themselves and only where no one else may plant them: a symbolic
/// link is refused, a directory writable by others is believed only when sticky and the file is
/// root's or its process owner's; and a file is removed only while it and its directory are the
/// ones read (real swaps between the read and the removal, made in a fixed order).
final class PidFileSafetyTests: XCTestCase {
    private var tree: PidFileTree!

    override func setUpWithError() throws { tree = try PidFileTree() }
    override func tearDown() { tree = nil }

    /// Another user than whoever runs the tests: `nobody` when root can give files away, else none.
    private var otherUID: UInt32? { getuid() == 0 ? 65534 : nil }

    private func read(_ pattern: String, snapshot: Snapshot = PidFileTree.snapshot()) -> (pidfiles: [PidFileRecord], problems: [String]) {
        tree.reader.read(globs: [tree.path(pattern)], locations: [], snapshot: snapshot)
    }

    // MARK: reading

    func testSymbolicLinkIsRefusedNotFollowed() throws {
        let target = try tree.write("real/target.pid", "7\n")
        try tree.write("run/plain.pid", "8\n")
        try tree.link("run/link.pid", to: target)
        try tree.link("run/dangling.pid", to: tree.path("nowhere"))
        // The same in a searched location: a refusal is always told.
        let searched = tree.reader.read(globs: [], locations: ["run/*.pid"], snapshot: PidFileTree.snapshot())
        let given = read("run/*.pid")
        for (records, problems) in [searched, given] {
            XCTAssertEqual(records.map(\.pid), [8])
            XCTAssertEqual(problems.count, 2)
        }
        XCTAssertEqual(
            given.problems,
            [
                "refused \(tree.path("run/dangling.pid")): it is a symbolic link, and PID files are not followed",
                "refused \(tree.path("run/link.pid")): it is a symbolic link, and PID files are not followed",
            ])
    }

    func testOthersWritableDirectoryIsRefusedUnlessSticky() throws {
        try tree.directory("group", mode: 0o775)
        try tree.directory("world", mode: 0o777)
        try tree.directory("setgid", mode: 0o2775)
        try tree.directory("private", mode: 0o755)
        for directory in ["group", "world", "setgid", "private"] { try tree.write("\(directory)/app.pid", "\(getpid())\n") }
        let (records, problems) = read("*/app.pid", snapshot: try LinuxSnapshotSource().collect(what: [.status]))
        XCTAssertEqual(records.map(\.path), [tree.path("private/app.pid")])
        XCTAssertEqual(
            problems,
            ["group", "setgid", "world"].map { "refused \(tree.path("\($0)/app.pid")): its directory is writable by others and not sticky" })
    }

    func testStickyDirectoryBelievesTheOwnerOfTheNamedProcessOrRoot() throws {
        try tree.directory("tmp", mode: 0o1777)
        let owner = otherUID ?? getuid()
        let stranger: UInt32 = owner == 4242 ? 4343 : 4242
        let file = try tree.write("tmp/app.pid", "5000\n")
        if let otherUID { XCTAssertSystem(chown(file, otherUID, 0)) }

        // The named process belongs to the file's owner: believed.
        let believed = read("tmp/app.pid", snapshot: PidFileTree.snapshot([(5000, owner)]))
        XCTAssertEqual(believed.problems, [])
        XCTAssertEqual(believed.pidfiles.map(\.pid), [5000])
        XCTAssertEqual(believed.pidfiles.first?.alive, true)

        // Someone else's process, or none: whoever wrote it could name any pid.
        let planted = read("tmp/app.pid", snapshot: PidFileTree.snapshot([(5000, stranger)]))
        XCTAssertEqual(planted.pidfiles, [])
        XCTAssertEqual(
            planted.problems,
            ["refused \(file): its directory is writable by others and its owner (uid \(owner)) is neither root nor the owner of pid 5000"])
        let dead = read("tmp/app.pid")
        XCTAssertEqual(
            dead.problems,
            [
                "refused \(file): its directory is writable by others and its owner (uid \(owner)) is neither root nor the owner of pid 5000, which is not running"
            ])

        guard getuid() == 0 else { return }
        XCTAssertSystem(chown(file, 0, 0))
        let roots = read("tmp/app.pid", snapshot: PidFileTree.snapshot([(5000, stranger)]))
        XCTAssertEqual(roots.problems, [], "root's file is believed")
        XCTAssertEqual(roots.pidfiles.count, 1)
    }

    func testDistrustRules() {
        func why(_ mode: mode_t, owner: UInt32 = 1000, process: UInt32? = 1000) -> String? {
            PidFileReader.distrust(directoryMode: S_IFDIR | mode, fileOwner: owner, pid: 10, running: process != nil, processOwner: process)
        }
        XCTAssertNil(why(0o755, owner: 2000))
        XCTAssertNil(why(0o700))
        XCTAssertNotNil(why(0o775))
        XCTAssertNotNil(why(0o757))
        XCTAssertNil(why(0o1777))
        XCTAssertNil(why(0o1777, owner: 0))
        XCTAssertNotNil(why(0o1777, owner: 2000))
        XCTAssertNotNil(why(0o1777, process: nil))
        XCTAssertNotNil(why(0o1770, owner: 2000))
    }

    // MARK: removing

    /// Reads `pattern` and returns the one record it gives.
    private func record(_ relative: String) throws -> PidFileRecord {
        let (records, problems) = read(relative)
        XCTAssertEqual(problems, [])
        return try XCTUnwrap(records.first)
    }

    private func content(_ relative: String) -> String? { try? String(contentsOfFile: tree.path(relative), encoding: .utf8) }

    func testUnchangedFileIsRemoved() throws {
        try tree.write("run/app.pid", "999999\n")
        let file = try record("run/app.pid")
        XCTAssertEqual(PidFileReader.remove(file), .removed)
        XCTAssertNil(content("run/app.pid"))
        XCTAssertEqual(PidFileReader.remove(file), .gone)
    }

    func testFileReplacedAfterTheScanIsLeftAlone() throws {
        try tree.write("run/app.pid", "999999\n")
        let file = try record("run/app.pid")
        // Another file with the very same content takes the name (a restart writing its PID file
        // through a temporary file and rename, or someone who wants a file deleted).
        try tree.write("run/new.pid", "999999\n")
        tree.rename("run/new.pid", "run/app.pid")
        XCTAssertEqual(PidFileReader.remove(file), .fileReplaced)
        XCTAssertEqual(content("run/app.pid"), "999999\n")
    }

    func testFileReplacedByLinkIsLeftAlone() throws {
        try tree.write("run/app.pid", "999999\n")
        let file = try record("run/app.pid")
        let precious = try tree.write("precious/data.pid", "999999\n")
        tree.rename("run/app.pid", "run/old.pid")
        try tree.link("run/app.pid", to: precious)
        XCTAssertEqual(PidFileReader.remove(file), .fileReplaced)
        XCTAssertEqual(content("precious/data.pid"), "999999\n")
        XCTAssertNotNil(try? FileManager.default.destinationOfSymbolicLink(atPath: tree.path("run/app.pid")))
    }

    func testDirectorySwappedForALinkIsLeftAlone() throws {
        // The scan read run/app.pid; then run is renamed and a link to another directory holding
        // a file of the same name and content is put in its place. Deleting by path would delete
        // that file.
        try tree.write("run/app.pid", "999999\n")
        let file = try record("run/app.pid")
        try tree.write("victim/app.pid", "999999\n")
        tree.rename("run", "run.old")
        try tree.link("run", to: tree.path("victim"))
        XCTAssertEqual(PidFileReader.remove(file), .directoryReplaced)
        XCTAssertEqual(content("victim/app.pid"), "999999\n", "the file in the other directory survives")
        XCTAssertEqual(content("run.old/app.pid"), "999999\n")
    }

    func testDirectorySwappedForAnotherDirectoryIsLeftAlone() throws {
        try tree.write("a/run/app.pid", "999999\n")
        let file = try record("a/run/app.pid")
        try tree.write("b/run/app.pid", "999999\n")
        // A component higher up is swapped: a → elsewhere, b → a.
        tree.rename("a", "a.old")
        tree.rename("b", "a")
        XCTAssertEqual(PidFileReader.remove(file), .directoryReplaced)
        XCTAssertEqual(content("a/run/app.pid"), "999999\n")
    }

    func testFileRewrittenInPlaceWithAnotherPidIsLeftAlone() throws {
        let path = try tree.write("run/app.pid", "999999\n")
        let file = try record("run/app.pid")
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("4242\n".utf8))
        try handle.close()
        XCTAssertEqual(PidFileReader.remove(file), .changed)
        XCTAssertEqual(content("run/app.pid"), "4242\n")
    }

    func testRecordNotReadFromDiskIsNeverRemoved() throws {
        let path = try tree.write("run/app.pid", "999999\n")
        XCTAssertEqual(PidFileReader.remove(PidFileRecord(path: path, pid: 999_999, alive: false)), .failed("\(path) was not read by this scan"))
        XCTAssertEqual(content("run/app.pid"), "999999\n")
    }

}
