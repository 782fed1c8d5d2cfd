import XCTest
@testable import ZScanCore

/// The reparenting and orphan rules of `Lineage`, on snapshots built in code for each situation
/// the design names: a dead shell's dev server, container entrypoints, services, namespaces.
final class LineageTests: XCTestCase {
    /// The snapshot linked, each process given the provenance facts of one started from a
    /// terminal (SIGHUP not ignored, standard streams on the terminal, no CI job) unless it has its own.
    private func linked(_ processes: [ProcessRecord]) -> Snapshot {
        let withFacts = processes.map { process in
            var p = process
            if p.stdio == nil { p.stdio = Array(repeating: "/dev/pts/0", count: 3) }
            if p.ignoresSighup == nil { p.ignoresSighup = false }
            if p.job == nil { p.job = "none" }
            return p
        }
        var snapshot = Snapshot(host: HostInfo(), processes: withFacts)
        snapshot.link()
        return snapshot
    }

    func testDevServerWhoseShellDiedIsOrphaned() {
        // init(1) ← uvicorn(4242); its session leader, shell 4000, is gone.
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1, name: "systemd"),
            ProcessRecord(pid: 4242, ppid: 1, pgid: 4242, sid: 4000, name: "uvicorn"),
        ])
        let server = s.process(pid: 4242)!
        XCTAssertEqual(server.adopted, true)
        XCTAssertEqual(server.sessionAlive, false)
        XCTAssertTrue(server.orphaned)
        XCTAssertEqual(s.process(pid: 1)!.children, [4242])
    }

    func testAdoptedWhileTheSessionLeaderLivesIsOrphaned() {
        // A terminal's shell 4000 is alive; the `sh -c 'server &'` in between exited.
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1),
            ProcessRecord(pid: 4000, ppid: 1, pgid: 4000, sid: 4000, name: "bash"),
            ProcessRecord(pid: 4242, ppid: 1, pgid: 4242, sid: 4000, name: "vite"),
        ])
        XCTAssertEqual(s.process(pid: 4242)!.adopted, true)
        XCTAssertEqual(s.process(pid: 4242)!.sessionAlive, true)
        XCTAssertTrue(s.process(pid: 4242)!.orphaned, "the live terminal does not keep its script's server")
        XCTAssertEqual(
            s.process(pid: 4242)!.evidence, ["parent exited; now init (1)", "session leader bash (4000) still running"])
    }

    func testContainerEntrypointChildrenWereNeverReparented() {
        // PID 1 is the job's own shell; its children share its session.
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1, name: "bash"),
            ProcessRecord(pid: 7, ppid: 1, pgid: 1, sid: 1, name: "uvicorn"),
        ])
        XCTAssertEqual(s.process(pid: 7)!.adopted, false)
        XCTAssertFalse(s.process(pid: 7)!.orphaned)
    }

    func testSessionZeroIsUnknownNotGone() {
        // Inside a PID namespace whose init was started from outside: sid and pgid read 0.
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 0, sid: 0, name: "entrypoint"),
            ProcessRecord(pid: 9, ppid: 1, pgid: 0, sid: 0, name: "server"),
        ])
        let server = s.process(pid: 9)!
        XCTAssertNil(server.sessionAlive)
        XCTAssertEqual(server.adopted, false)
        XCTAssertFalse(server.orphaned)
    }

    func testServiceLeadingItsOwnSessionIsNotReparented() {
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1, name: "systemd"),
            ProcessRecord(pid: 300, ppid: 1, pgid: 300, sid: 300, name: "sshd"),
        ])
        XCTAssertEqual(s.process(pid: 300)!.adopted, false)
        XCTAssertEqual(s.process(pid: 300)!.sessionAlive, true)
    }

    func testSubreaperAdoptionCounts() {
        // systemd --user (a child subreaper, pid 900) adopted a process from session 5000 (gone).
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1),
            ProcessRecord(pid: 900, ppid: 1, pgid: 900, sid: 900, name: "systemd"),
            ProcessRecord(pid: 5100, ppid: 900, pgid: 5100, sid: 5000, name: "next-server"),
        ])
        XCTAssertEqual(s.process(pid: 5100)!.adopted, true)
        XCTAssertTrue(s.process(pid: 5100)!.orphaned)
    }

    func testWorkerOfAnOrphanIsNotItselfReparented() {
        // The orphaned server's own worker shares its session: part of the tree, not adopted.
        let s = linked([
            ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1),
            ProcessRecord(pid: 4242, ppid: 1, pgid: 4242, sid: 4000),
            ProcessRecord(pid: 4243, ppid: 4242, pgid: 4242, sid: 4000),
        ])
        XCTAssertEqual(s.process(pid: 4243)!.adopted, false)
        XCTAssertFalse(s.process(pid: 4243)!.orphaned)
        XCTAssertEqual(s.process(pid: 4243)!.sessionAlive, false)
    }

    func testZombieOrReusedSessionLeaderIsNotAlive() {
        let zombieLeader = linked([
            ProcessRecord(pid: 4000, ppid: 1, pgid: 4000, sid: 4000, state: "Z"),
            ProcessRecord(pid: 4242, ppid: 4000, pgid: 4242, sid: 4000),
        ])
        XCTAssertEqual(zombieLeader.process(pid: 4242)!.sessionAlive, false)
        // pid 4000 now belongs to some other process in another session.
        let reused = linked([
            ProcessRecord(pid: 4000, ppid: 1, pgid: 77, sid: 77),
            ProcessRecord(pid: 4242, ppid: 1, pgid: 4242, sid: 4000),
        ])
        XCTAssertEqual(reused.process(pid: 4242)!.sessionAlive, false)
    }

    func testKernelThreadsAndInvisibleParents() {
        let s = linked([
            ProcessRecord(pid: 2, ppid: 0, name: "kthreadd", kernelThread: true),
            ProcessRecord(pid: 3, ppid: 2, name: "rcu_gp", kernelThread: true),
            ProcessRecord(pid: 50, ppid: 49, pgid: 50, sid: 10),
        ])
        XCTAssertEqual(s.process(pid: 3)!.adopted, false)
        XCTAssertNil(s.process(pid: 50)!.adopted, "parent not in the snapshot: unknown")
        XCTAssertFalse(s.process(pid: 50)!.orphaned)
    }

    func testSocketOwnersPortsAndOwnerKnown() {
        var snapshot = Snapshot(
            host: HostInfo(),
            counters: ScanCounters(fdsUnreadable: 1),
            processes: [
                ProcessRecord(pid: 10, ppid: 1, fds: 3, socketInodes: [100, 101]),
                ProcessRecord(pid: 11, ppid: 10, fds: 1, socketInodes: [100]),
                ProcessRecord(pid: 12, ppid: 1),
            ],
            sockets: [
                SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, state: "LISTEN", inode: 100),
                SocketRecord(
                    proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, remoteAddress: "127.0.0.1", remotePort: 5555, state: "ESTABLISHED", inode: 101),
                SocketRecord(proto: .udp, localAddress: "0.0.0.0", localPort: 5353, state: "UNCONN", inode: 102),
                SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8002, state: "TIME_WAIT", inode: 0),
            ])
        snapshot.link()
        XCTAssertEqual(snapshot.sockets[0].owners, [10, 11], "a shared socket belongs to all its holders")
        XCTAssertEqual(snapshot.process(pid: 10)!.ports, [8001])
        XCTAssertEqual(snapshot.process(pid: 10)!.connections, 1)
        XCTAssertEqual(snapshot.process(pid: 11)!.listening, true)
        XCTAssertNil(snapshot.process(pid: 12)!.ports, "descriptors not read: null, not empty")
        XCTAssertFalse(snapshot.sockets[2].ownerKnown, "some fd directory was unreadable")
        XCTAssertTrue(snapshot.sockets[3].ownerKnown, "inode 0: nobody can hold it")
        XCTAssertEqual(snapshot.listeningSockets.map(\.localPort), [5353, 8001])
    }
}
