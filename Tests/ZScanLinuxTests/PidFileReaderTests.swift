import Foundation
import XCTest
import ZScanTestSupport
@testable import ZScanCore
@testable import ZScanLinux

/// PID files on real files and real processes: liveness, recycled pids, content parsing, globs,
/// locks held by other processes, and files that cannot be read.
final class PidFileReaderTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        let base = NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "zscan-pidfiles-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: try XCTUnwrap(made))
    }

    override func tearDownWithError() throws {
        if !directory.isEmpty { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: helpers

    @discardableResult
    private func write(_ name: String, _ content: String) throws -> String {
        let path = directory + "/" + name
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func setModified(_ path: String, secondsAgo: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)], ofItemAtPath: path)
    }

    private func snapshot() throws -> Snapshot {
        try LinuxSnapshotSource().collect(what: [.status, .cmdline])
    }

    private func read(_ globs: [String]) throws -> (pidfiles: [PidFileRecord], problems: [String]) {
        PidFileReader().read(globs: globs, snapshot: try snapshot())
    }

    private func names(_ records: [PidFileRecord]) -> [String] {
        records.map { String($0.path.dropFirst(directory.count + 1)) }
    }

    private func pid(_ text: String, complete: Bool = true) -> Int32? {
        Array(text.utf8).withUnsafeBufferPointer { PidFileReader.parsePid($0, complete: complete) }
    }

    private func inode(_ path: String) throws -> UInt64 {
        let fd = open(path, O_RDONLY)
        defer { if fd >= 0 { close(fd) } }
        var info = Glibc.stat()
        XCTAssertEqual(fstat(fd, &info), 0)
        return UInt64(info.st_ino)
    }

    /// Whether a line of /proc/locks that is not a blocked waiter names this inode.
    private func procLocksNames(inode: UInt64) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { !$0.contains("->") && $0.contains(":\(inode) ") }
    }

    // MARK: liveness

    func testLiveProcessIsAliveAndNotReused() throws {
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let path = try write("live.pid", "\(fixture.pid)\n")
        let (records, problems) = try read([directory + "/*.pid"])
        XCTAssertEqual(problems, [])
        let record = try XCTUnwrap(records.first)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(record.path, path)
        XCTAssertEqual(record.pid, fixture.pid)
        XCTAssertTrue(record.exists)
        XCTAssertTrue(record.alive)
        XCTAssertFalse(record.reused)
        XCTAssertGreaterThanOrEqual(record.age, -0.5)
        XCTAssertLessThan(record.age, 10)
        XCTAssertEqual(record.locked, false)
    }

    func testDeadPidIsNotAlive() throws {
        var deadPid: Int32? = nil
        var snap: Snapshot? = nil
        for _ in 0..<20 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/true")
            try process.run()
            process.waitUntilExit()
            try write("dead.pid", "\(process.processIdentifier)\n")
            let s = try snapshot()
            if s.process(pid: process.processIdentifier) == nil {
                deadPid = process.processIdentifier
                snap = s
                break
            }
        }
        let pid = try XCTUnwrap(deadPid, "every exited pid was reused at once")
        let (records, problems) = PidFileReader().read(globs: [directory + "/dead.pid"], snapshot: try XCTUnwrap(snap))
        XCTAssertEqual(problems, [])
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.pid, pid)
        XCTAssertEqual(records.first?.alive, false)
        XCTAssertEqual(records.first?.reused, false)
        XCTAssertEqual(records.first?.exists, true)
    }

    func testPidOfProcessStartedAfterTheFileWasWrittenIsReused() throws {
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let path = try write("old.pid", "\(fixture.pid)\n")
        try setModified(path, secondsAgo: 3600)
        let s = try snapshot()
        let process = try XCTUnwrap(s.process(pid: fixture.pid))
        XCTAssertGreaterThan(process.startedAt, Date().timeIntervalSince1970 - 600, "the fixture started just now")
        let (records, problems) = PidFileReader().read(globs: [path], snapshot: s)
        XCTAssertEqual(problems, [])
        let record = try XCTUnwrap(records.first)
        XCTAssertEqual(record.pid, fixture.pid)
        XCTAssertTrue(record.alive)
        XCTAssertTrue(record.reused)
        XCTAssertGreaterThan(record.age, 3590)
        XCTAssertLessThan(record.age, 3700)
    }

    func testFileWrittenAfterItsProcessStartedIsNotReusedEvenIfOld() throws {
        // The slack: a file written within the second the process started is still its own.
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let s = try snapshot()
        let started = try XCTUnwrap(s.process(pid: fixture.pid)).startedAt
        let path = try write("edge.pid", "\(fixture.pid)\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: started - 0.5)], ofItemAtPath: path)
        let record = try XCTUnwrap(PidFileReader().read(globs: [path], snapshot: s).pidfiles.first)
        XCTAssertTrue(record.alive)
        XCTAssertFalse(record.reused)
    }

    // MARK: content

    func testContentIsParsedOrRejected() throws {
        try write("garbage.pid", "hello")
        try write("empty.pid", "")
        try write("spaces.pid", "  4242  \n")
        try write("crlf.pid", "\n\n 77 \r\nsecond line 99\n")
        try write("zero.pid", "0\n")
        try write("negative.pid", "-5\n")
        try write("toobig.pid", "2147483648\n")
        try write("max.pid", "2147483647")
        try write("twowords.pid", "12 34\n")
        try write("hugeline.pid", String(repeating: "9", count: 100_000))
        try write("hugeafter.pid", "4243\n" + String(repeating: "x", count: 100_000))
        try write("hugespaces.pid", String(repeating: " ", count: 5000) + "55\n")
        try write("binary.pid", "12\u{0}34\n")
        let (records, problems) = try read([directory + "/*.pid"])
        XCTAssertEqual(problems, [])
        var pids: [String: Int32?] = [:]
        for record in records { pids[String(record.path.dropFirst(directory.count + 1))] = record.pid }
        let expected: [String: Int32?] = [
            "garbage.pid": nil, "empty.pid": nil, "spaces.pid": 4242, "crlf.pid": 77, "zero.pid": nil,
            "negative.pid": nil, "toobig.pid": nil, "max.pid": Int32.max, "twowords.pid": nil,
            "hugeline.pid": nil, "hugeafter.pid": 4243,
            // Only the first 4 KiB are read: a number after them is not seen.
            "hugespaces.pid": nil,
            "binary.pid": nil,
        ]
        XCTAssertEqual(pids, expected)
        for record in records where record.pid == nil { XCTAssertFalse(record.alive, record.path) }
    }

    func testParsePid() {
        XCTAssertEqual(pid("123"), 123)
        XCTAssertEqual(pid("\t 123 \t\n"), 123)
        XCTAssertEqual(pid("00123\n"), 123)
        XCTAssertEqual(pid("123\nmore\n"), 123)
        XCTAssertNil(pid(""))
        XCTAssertNil(pid(" \n \n"))
        XCTAssertNil(pid("+123"))
        XCTAssertNil(pid("123abc"))
        XCTAssertNil(pid("12345678901234567890123"))
        // Cut off by the read limit with no line end: the line may go on.
        XCTAssertNil(pid("123", complete: false))
        XCTAssertEqual(pid("123\n456", complete: false), 123)
    }

    // MARK: globs

    func testGlobsFindSortAndDeduplicate() throws {
        try write("b.pid", "2\n")
        try write("a.pid", "1\n")
        try write("c.txt", "3\n")
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        try write("sub/d.pid", "4\n")

        let all = try read([directory + "/*.pid"])
        XCTAssertEqual(names(all.pidfiles), ["a.pid", "b.pid"])
        XCTAssertEqual(all.problems, [])

        let none = try read([directory + "/none-*.pid", directory + "/missing.pid", directory + "/nodir/*.pid"])
        XCTAssertEqual(none.pidfiles, [])
        XCTAssertEqual(none.problems, [])

        let overlapping = try read([directory + "/?.pid", directory + "/*.pid", directory + "/b.pid", directory + "/*/*.pid"])
        XCTAssertEqual(names(overlapping.pidfiles), ["a.pid", "b.pid", "sub/d.pid"])
        XCTAssertEqual(overlapping.problems, [])
        XCTAssertEqual(overlapping.pidfiles.map(\.pid), [1, 2, 4])
    }

    func testTildeMeansHome() throws {
        try write("home.pid", "5\n")
        let saved = getenv("HOME").map { String(cString: $0) }
        setenv("HOME", directory, 1)
        defer { if let saved { setenv("HOME", saved, 1) } else { unsetenv("HOME") } }
        let (records, problems) = try read(["~/*.pid"])
        XCTAssertEqual(problems, [])
        XCTAssertEqual(records.map(\.path), [directory + "/home.pid"])
        XCTAssertEqual(Glob.expandingHome("~"), directory)
        XCTAssertEqual(Glob.expandingHome("/x/~/y"), "/x/~/y")
        XCTAssertEqual(Glob.expandingHome("~someone/y"), "~someone/y")
        setenv("HOME", "/weird[1]*", 1)
        XCTAssertEqual(Glob.expandingHome("~/a"), "/weird\\[1\\]\\*/a")
    }

    // MARK: locks

    func testLockHeldByAnotherProcessIsSeen() throws {
        let lockedPath = try write("held.pid", "1\n")
        try write("free.pid", "1\n")
        // --no-fork: flock execs the command itself, so the one pid we end is the lock holder.
        let holder = try startLockHolder("/usr/bin/flock", ["--no-fork", lockedPath, "sleep", "30"], path: lockedPath)
        defer { end(holder) }

        let (records, problems) = try read([directory + "/*.pid"])
        XCTAssertEqual(problems, [])
        XCTAssertEqual(names(records), ["free.pid", "held.pid"])
        XCTAssertEqual(records.map(\.locked), [false, true])

        end(holder)
        let after = try read([directory + "/*.pid"])
        XCTAssertEqual(after.pidfiles.map(\.locked), [false, false], "the lock went with its holder")
    }

    /// Starts `arguments` and waits until /proc/locks shows a lock on `path` (the holder is then ended
    /// by the caller, by its own pid).
    private func startLockHolder(_ executable: String, _ arguments: [String], path: String) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: executable)
        holder.arguments = arguments
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        let inode = try inode(path)
        let deadline = Date(timeIntervalSinceNow: 10)
        while !procLocksNames(inode: inode) && holder.isRunning && Date() < deadline { usleep(10_000) }
        XCTAssertTrue(procLocksNames(inode: inode), "\(executable) did not take the lock")
        return holder
    }

    private func end(_ process: Process) {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    func testPosixLockHeldByAnotherProcessIsSeen() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no python3 to take a POSIX lock") }
        let path = try write("posix.pid", "1\n")
        let holder = try startLockHolder(
            "/usr/bin/python3",
            [
                "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'r+'); fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(30)", path,
            ], path: path)
        defer { end(holder) }
        let locks = try String(contentsOfFile: "/proc/locks", encoding: .utf8)
        XCTAssertTrue(locks.split(separator: "\n").contains { $0.contains("POSIX") && $0.contains(" \(holder.processIdentifier) ") })
        XCTAssertEqual(try read([path]).pidfiles.first?.locked, true)
        end(holder)
        XCTAssertEqual(try read([path]).pidfiles.first?.locked, false)
    }

    func testOpenFileDescriptionLockIsSeen() throws {
        // An OFD lock (fcntl F_OFD_SETLK, shown as OFDLCK) belongs to the open file, so it survives
        // the reader opening and closing the same file in this process, unlike a classic POSIX lock.
        let path = try write("ofd.pid", "\(getpid())\n")
        let fd = open(path, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let ofdSetLock: Int32 = 37  // F_OFD_SETLK
        var lock = Glibc.flock(l_type: Int16(F_WRLCK), l_whence: Int16(SEEK_SET), l_start: 0, l_len: 0, l_pid: 0)
        XCTAssertEqual(fcntl(fd, ofdSetLock, &lock), 0, String(cString: strerror(errno)))
        let record = try XCTUnwrap(try read([path]).pidfiles.first)
        XCTAssertEqual(record.locked, true)
        XCTAssertEqual(record.alive, true)
        lock.l_type = Int16(F_UNLCK)
        XCTAssertEqual(fcntl(fd, ofdSetLock, &lock), 0)
        XCTAssertEqual(try read([path]).pidfiles.first?.locked, false)
    }

    func testUnreadableLockTableLeavesLockedUnknown() throws {
        let path = try write("x.pid", "1\n")
        let reader = PidFileReader(procRoot: directory + "/no-such-proc")
        let (records, problems) = reader.read(globs: [path], snapshot: try snapshot())
        XCTAssertEqual(problems, [])
        XCTAssertEqual(records.count, 1)
        XCTAssertNil(records.first?.locked)
    }

    func testProcLocksLines() {
        func key(_ line: String) -> FileKey? {
            Array(line.utf8).withUnsafeBufferPointer { FileLocks.parseLine($0) }
        }
        XCTAssertEqual(key("1: FLOCK  ADVISORY  WRITE 1234 00:1c:12345 0 EOF"), FileKey(major: 0, minor: 0x1c, inode: 12345))
        XCTAssertEqual(key("2: POSIX  ADVISORY  WRITE 1234 fd:01:131090 0 EOF"), FileKey(major: 0xfd, minor: 1, inode: 131090))
        XCTAssertEqual(key("3: OFDLCK ADVISORY  READ  -1 103:05:77 0 EOF"), FileKey(major: 0x103, minor: 5, inode: 77))
        XCTAssertNil(key("2: -> FLOCK  ADVISORY  WRITE 999 fd:01:131090 0 EOF"), "a blocked waiter holds nothing")
        XCTAssertNil(key("4: LEASE  ACTIVE    READ 55 <none>:0 0 EOF"))
        XCTAssertNil(key(""))
        XCTAssertNil(key("garbage"))
        let table = "1: FLOCK  ADVISORY  WRITE 1 08:01:10 0 EOF\n1: -> FLOCK  ADVISORY  WRITE 2 08:01:10 0 EOF\n2: POSIX  ADVISORY  READ 3 08:02:11 0 EOF\n"
        let keys = Array(table.utf8).withUnsafeBufferPointer { FileLocks.parse($0) }
        XCTAssertEqual(keys, [FileKey(major: 8, minor: 1, inode: 10), FileKey(major: 8, minor: 2, inode: 11)])
    }

    func testDeviceNumbersSplitLikeTheKernel() {
        XCTAssertEqual(FileKey(device: 0xfe00, inode: 1), FileKey(major: 0xfe, minor: 0, inode: 1))
        XCTAssertEqual(FileKey(device: 0x0801, inode: 1), FileKey(major: 8, minor: 1, inode: 1))
        // glibc's makedev for major 0x123456, minor 0x789abc.
        let major: UInt64 = 0x123456
        let minor: UInt64 = 0x789abc
        let device = (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12) | ((major & ~0xfff) << 32)
        XCTAssertEqual(FileKey(device: device, inode: 9), FileKey(major: 0x123456, minor: 0x789abc, inode: 9))
    }

    // MARK: unreadable files

    func testDirectoryAndOtherUnreadableMatchesAreReportedAndSkipped() throws {
        try write("good.pid", "1\n")
        try FileManager.default.createDirectory(atPath: directory + "/dir.pid", withIntermediateDirectories: false)
        XCTAssertEqual(mkfifo(directory + "/fifo.pid", 0o600), 0)
        try FileManager.default.createSymbolicLink(atPath: directory + "/dangling.pid", withDestinationPath: directory + "/nowhere")
        let (records, problems) = try read([directory + "/*.pid"])
        XCTAssertEqual(names(records), ["good.pid"])
        XCTAssertEqual(records.first?.pid, 1)
        XCTAssertEqual(
            problems,
            [
                "refused \(directory)/dangling.pid: it is a symbolic link, and PID files are not followed",
                "cannot read \(directory)/dir.pid: Is a directory",
                "cannot read \(directory)/fifo.pid: not a regular file",
            ])
    }

    func testNoGlobsNoWork() throws {
        let (records, problems) = try read([])
        XCTAssertEqual(records, [])
        XCTAssertEqual(problems, [])
    }
}
