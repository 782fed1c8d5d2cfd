import Foundation
import XCTest
@testable import ZScanCore
@testable import ZScanLinux
import ZScanTestSupport

/// The collector against fake procfs trees: hostile names, races, other namespaces.
final class ProcTreeTests: XCTestCase {
    func collect(_ tree: ProcTree, _ fields: FieldSet = .standard) throws -> Snapshot {
        try LinuxSnapshotSource(procRoot: tree.path, passwdPath: tree.path + "/passwd").collect(what: fields)
    }

    func testHostileNamesSurviveExactly() throws {
        let tree = try ProcTree()
        try tree.write("passwd", "root:x:0:0::/root:/bin/sh\ndev:x:1000:1000::/home/dev:/bin/sh\n")
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8), cmdline: Array("/sbin/init\0".utf8), uid: 0)
        let names: [Int: [UInt8]] = [
            10: Array("a) S 1 (b".utf8),
            11: Array("two\nlines".utf8),
            12: [0x1B] + Array("[31mred".utf8),
            13: [0xFF, 0xFE, 0x41],
            14: Array("x) Z 1 (y) R".utf8),
        ]
        for (pid, comm) in names {
            try tree.addProcess(pid: pid, ppid: 1, sid: 1, comm: comm, cmdline: comm + [0] + Array("--flag\0".utf8))
        }
        let snapshot = try collect(tree)
        XCTAssertEqual(snapshot.processes.map(\.pid), [1, 10, 11, 12, 13, 14])
        XCTAssertEqual(snapshot.process(pid: 10)?.name, "a) S 1 (b")
        XCTAssertEqual(snapshot.process(pid: 10)?.state, "S")
        XCTAssertEqual(snapshot.process(pid: 10)?.ppid, 1)
        XCTAssertEqual(snapshot.process(pid: 11)?.name, "two\nlines")
        XCTAssertEqual(snapshot.process(pid: 12)?.name, "\u{1B}[31mred")
        XCTAssertEqual(snapshot.process(pid: 13)?.name, "\u{FFFD}\u{FFFD}A")
        XCTAssertEqual(snapshot.process(pid: 14)?.state, "S")
        XCTAssertEqual(snapshot.process(pid: 14)?.args, ["x) Z 1 (y) R", "--flag"])
        XCTAssertEqual(snapshot.process(pid: 10)?.user, "dev")
        XCTAssertEqual(snapshot.process(pid: 1)?.user, "root")
        XCTAssertEqual(snapshot.host.hostname, "fixture-host")
        XCTAssertEqual(snapshot.host.initName, "init")
        // Times: start 50000 ticks at 100 Hz = 500 s after boot, uptime 1000 s.
        XCTAssertEqual(snapshot.process(pid: 10)!.age, 500, accuracy: 0.01)
        XCTAssertEqual(snapshot.process(pid: 10)!.startedAt - snapshot.host.bootTime, 500, accuracy: 0.02)
        XCTAssertEqual(snapshot.process(pid: 10)!.cpuTime, 1.5, accuracy: 0.001)
        // And the JSON of hostile names loads back identically.
        XCTAssertEqual(try Snapshot.decode(json: snapshot.jsonBytes()), snapshot.asSaved)
    }

    /// An empty root has no /etc/passwd: users are known by uid, the snapshot says why (in its JSON
    /// too), and it says so whether the names were read at once or by `complete` after a survey.
    func testWithoutPasswdUsersAreUidsAndTheSnapshotSaysWhy() throws {
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8), uid: 0)
        try tree.addProcess(pid: 10, ppid: 1, comm: Array("worker".utf8), uid: 65534)
        let source = LinuxSnapshotSource(procRoot: tree.path, passwdPath: tree.path + "/passwd")
        let why = tree.path + "/passwd: No such file or directory"

        let snapshot = try source.collect(what: .standard)
        XCTAssertEqual(snapshot.processes.map(\.uid), [0, 65534])
        XCTAssertEqual(snapshot.processes.map(\.user), [nil, nil])
        XCTAssertEqual(snapshot.userDatabaseError, why)
        let loaded = try Snapshot.decode(json: snapshot.jsonBytes())
        XCTAssertEqual(loaded.userDatabaseError, why)
        XCTAssertEqual(loaded, snapshot.asSaved)

        var surveyed = try source.survey(what: .standard)
        XCTAssertNil(surveyed.userDatabaseError, "the survey reads no user")
        source.complete(&surveyed, plan: [10: [.status]])
        XCTAssertEqual(surveyed.userDatabaseError, why)
        XCTAssertEqual(surveyed.process(pid: 10)?.uid, 65534)

        XCTAssertNil(try source.collect(what: [.cmdline]).userDatabaseError, "no user was needed")
        try tree.write("passwd", "root:x:0:0::/root:/bin/sh\n")
        let named = try source.collect(what: .standard)
        XCTAssertNil(named.userDatabaseError, "a uid the file does not list is no unreadable database")
        XCTAssertEqual(named.processes.map(\.user), ["root", nil])
    }

    func testProcessesThatVanishMidScanAreDroppedAndCounted() throws {
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8))
        try tree.addProcess(pid: 20, ppid: 1, comm: Array("gone-before-stat".utf8))
        try tree.remove("20/stat")
        try tree.addProcess(pid: 21, ppid: 1, comm: Array("gone-after-stat".utf8))
        try tree.remove("21/status")
        try tree.addProcess(pid: 22, ppid: 1, comm: Array("zombie".utf8), state: "Z", exe: nil)
        try tree.remove("22/fd")
        try tree.addProcess(pid: 23, ppid: 1, comm: Array("garbage".utf8))
        try tree.write("23/stat", "this is not a stat line")
        try tree.write("not-a-pid/stat", "x")
        let snapshot = try collect(tree)
        XCTAssertEqual(snapshot.processes.map(\.pid), [1, 22])
        XCTAssertEqual(snapshot.counters.vanished, 3)
        let zombie = snapshot.process(pid: 22)!
        XCTAssertNil(zombie.exe, "a zombie has no executable: null, not a failure")
        XCTAssertEqual(zombie.fds, 0)
        XCTAssertEqual(zombie.cmdline, "")
    }

    func testSocketsOwnersAndOtherNamespacesReadOncePerNamespace() throws {
        let tree = try ProcTree()
        try tree.write("net/tcp", String(ParserTests.tcp4))
        // Namespace 4026532000 is only visible through its members' /proc/PID/net.
        let otherTCP6 = """
              sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0000000000000000 100 0 0 10 0

            """
        for pid in [40, 41] {
            try tree.write("\(pid)/net/tcp6", otherTCP6)
            for table in ["tcp", "udp", "udp6"] { try tree.write("\(pid)/net/\(table)", "  sl header\n") }
        }
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8), sockets: [17])
        try tree.addProcess(pid: 30, ppid: 1, sid: 1, comm: Array("server".utf8), sockets: [4242, 4243])
        try tree.addProcess(pid: 31, ppid: 30, sid: 1, comm: Array("worker".utf8), sockets: [4242])
        try tree.addProcess(pid: 40, ppid: 1, sid: 1, comm: Array("netns-a".utf8), sockets: [9001], netns: 4_026_532_000)
        try tree.addProcess(pid: 41, ppid: 40, sid: 1, comm: Array("netns-b".utf8), sockets: [9001], netns: 4_026_532_000)
        let snapshot = try collect(tree)
        let listening = snapshot.listeningSockets
        XCTAssertEqual(listening.map(\.localPort), [2024, 8001, 8081])
        XCTAssertEqual(listening[1].owners, [30, 31])
        XCTAssertEqual(listening[0].owners, [1])
        XCTAssertEqual(listening[2].owners, [40, 41])
        XCTAssertEqual(listening[2].netns, 4_026_532_000)
        XCTAssertEqual(snapshot.sockets.filter { $0.inode == 9001 }.count, 1, "the other namespace is read once")
        XCTAssertEqual(snapshot.process(pid: 30)?.ports, [8001])
        XCTAssertEqual(snapshot.process(pid: 30)?.connections, 1)
        XCTAssertEqual(snapshot.process(pid: 30)?.fds, 4)
        XCTAssertTrue(listening.allSatisfy(\.ownerKnown))
    }

    func testOnlyRequestedFilesAreRead() throws {
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8), cmdline: Array("init\0".utf8), sockets: [17])
        try tree.write("1/environ", "SECRET=hunter2\0")
        let minimal = try collect(tree, [])
        let p = minimal.process(pid: 1)!
        XCTAssertNil(p.cmdline)
        XCTAssertNil(p.uid)
        XCTAssertNil(p.fds)
        XCTAssertNil(p.env)
        XCTAssertNil(p.ports)
        XCTAssertTrue(minimal.sockets.isEmpty)
        XCTAssertNil(try collect(tree).process(pid: 1)!.env, "env only on request: it holds secrets")
        XCTAssertEqual(try collect(tree, .all).process(pid: 1)!.env, ["SECRET": "hunter2"])
    }

    func testMissingProcRootIsAnError() {
        XCTAssertThrowsError(try LinuxSnapshotSource(procRoot: "/nonexistent-proc").collect(what: .standard)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot read /nonexistent-proc: No such file"), "\(error)")
        }
    }
}
