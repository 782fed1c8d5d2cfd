import Foundation
import XCTest
import ZScanTestSupport
@testable import ZScanCore
@testable import ZScanLinux

/// The snapshot sees each real fixture exactly as `zscan-fixture` made it.
final class RealProcessTests: XCTestCase {
    func snapshot(_ fields: FieldSet = .standard) throws -> Snapshot {
        try LinuxSnapshotSource().collect(what: fields)
    }

    func testZombiesAreSeenWithTheirParent() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "3"])
        defer { fixture.stop() }
        let zombies = fixture.ints("zombies")
        XCTAssertEqual(zombies.count, 3)
        let s = try snapshot()
        for pid in zombies {
            let zombie = try XCTUnwrap(s.process(pid: pid), "zombie \(pid)")
            XCTAssertEqual(zombie.state, "Z")
            XCTAssertEqual(zombie.ppid, fixture.pid)
            XCTAssertEqual(zombie.cmdline, "", "a zombie's command line is empty")
            XCTAssertEqual(zombie.args, [])
            XCTAssertNil(zombie.exe)
            XCTAssertEqual(zombie.fds, 0)
        }
        XCTAssertEqual(Set(s.process(pid: fixture.pid)!.children), Set(zombies))
        XCTAssertTrue(s.process(pid: fixture.pid)!.cmdline!.contains(fixture.marker))
    }

    func testOrphanIsReparentedWithItsSessionGone() throws {
        let fixture = try FixtureProcess(["orphan", "--listen", "0"])
        defer { fixture.stop() }
        let pid = try XCTUnwrap(fixture.int("orphan"))
        let leader = try XCTUnwrap(fixture.int("session_leader"))
        let port = try XCTUnwrap(fixture.int("port"))
        let s = try snapshot()
        let orphan = try XCTUnwrap(s.process(pid: pid))
        XCTAssertNil(s.process(pid: leader), "the session leader exited")
        XCTAssertEqual(orphan.sid, leader)
        XCTAssertNotEqual(orphan.ppid, leader)
        XCTAssertNotEqual(orphan.ppid, fixture.pid)
        XCTAssertEqual(orphan.adopted, true)
        XCTAssertEqual(orphan.sessionAlive, false)
        XCTAssertTrue(orphan.orphaned)
        XCTAssertEqual(orphan.ports, [Int(port)])
        XCTAssertEqual(orphan.listening, true)
        XCTAssertTrue(orphan.cmdline!.contains(fixture.marker))
        XCTAssertTrue(s.process(pid: orphan.ppid)!.children.contains(pid))
    }

    func testAdoptedProcessWithLiveSessionIsAnOrphan() throws {
        let fixture = try FixtureProcess(["orphan", "--keep-session"])
        defer { fixture.stop() }
        let pid = try XCTUnwrap(fixture.int("orphan"))
        let leader = try XCTUnwrap(fixture.int("session_leader"))
        let s = try snapshot()
        let process = try XCTUnwrap(s.process(pid: pid))
        XCTAssertNotNil(s.process(pid: leader))
        XCTAssertEqual(process.adopted, true)
        XCTAssertEqual(process.sessionAlive, true)
        XCTAssertEqual(process.ignoresSighup, false)
        XCTAssertEqual(process.detached, false)
        XCTAssertTrue(process.orphaned, "adopted whether or not its session leader lives")
    }

    func testAttachedProcessIsNeitherReparentedNorOrphaned() throws {
        let fixture = try FixtureProcess(["attached"])
        defer { fixture.stop() }
        let pid = try XCTUnwrap(fixture.int("process"))
        let leader = try XCTUnwrap(fixture.int("session_leader"))
        let process = try XCTUnwrap(try snapshot().process(pid: pid))
        XCTAssertEqual(process.ppid, leader)
        XCTAssertEqual(process.sid, leader)
        XCTAssertEqual(process.adopted, false)
        XCTAssertEqual(process.sessionAlive, true)
        XCTAssertFalse(process.orphaned)
    }

    func testSharedListeningSocketBelongsToEveryHolder() throws {
        for (proto, host, extra) in [("tcp", "127.0.0.1", [String]()), ("tcp6", "::1", []), ("udp", "127.0.0.1", ["--udp"]), ("tcp6", "::", [])] {
            let fixture = try FixtureProcess(["listen", "--port", "0", "--host", host, "--share", "2"] + extra)
            defer { fixture.stop() }
            let port = Int(try XCTUnwrap(fixture.ints("ports").first))
            let holders = Set([fixture.pid] + fixture.ints("workers"))
            XCTAssertEqual(holders.count, 3)
            let s = try snapshot()
            let sockets = s.listeningSockets.filter { $0.localPort == port && $0.proto.rawValue == proto }
            XCTAssertEqual(sockets.count, 1, "\(proto) \(host): \(s.listeningSockets.filter { $0.localPort == port })")
            XCTAssertEqual(Set(sockets.first?.owners ?? []), holders, "\(proto) \(host)")
            XCTAssertEqual(sockets.first?.localAddress, host == "::" ? "::" : host)
            XCTAssertEqual(sockets.first?.ownerKnown, true)
            for pid in holders { XCTAssertEqual(s.process(pid: pid)?.ports, [port]) }
        }
    }

    func testStoppedListenerIsInStateT() throws {
        let fixture = try FixtureProcess(["stopped-listener", "--port", "0"])
        defer { fixture.stop() }
        let pid = try XCTUnwrap(fixture.int("listener"))
        let port = Int(try XCTUnwrap(fixture.int("port")))
        let s = try snapshot()
        let listener = try XCTUnwrap(s.process(pid: pid))
        XCTAssertEqual(listener.state, "T")
        XCTAssertTrue(listener.isStopped)
        XCTAssertEqual(listener.ports, [port])
        let socket = s.listeningSockets.first { $0.localPort == port }
        XCTAssertEqual(socket?.state, "LISTEN")
        XCTAssertEqual(socket?.owners, [pid])
    }

    func testTreeLinksParentsAndChildren() throws {
        let fixture = try FixtureProcess(["tree", "--depth", "3", "--width", "2"])
        defer { fixture.stop() }
        let nodes = try XCTUnwrap(fixture.info["nodes"] as? [[String: Int]])
        XCTAssertEqual(nodes.count, 2 + 4 + 8)
        let s = try snapshot()
        for node in nodes {
            let process = try XCTUnwrap(s.process(pid: Int32(node["pid"]!)))
            XCTAssertEqual(process.ppid, Int32(node["ppid"]!))
            let expectedChildren = nodes.filter { $0["ppid"] == node["pid"] }.map { Int32($0["pid"]!) }
            XCTAssertEqual(Set(process.children), Set(expectedChildren))
        }
    }

    func testHostileNamesAndTitlesOfRealProcesses() throws {
        // ESC [31m, a newline, ')' and invalid UTF-8 in comm (at most 15 bytes).
        let fixture = try FixtureProcess(["sleep", "--name-hex", "1b5b33316d0a29ff28"])
        defer { fixture.stop() }
        let process = try XCTUnwrap(try snapshot().process(pid: fixture.pid))
        XCTAssertEqual(process.name, "\u{1B}[31m\n)\u{FFFD}(")
        XCTAssertEqual(process.state, "S")

        let retitled = try FixtureProcess(["sleep", "--title", "postgres: writer process"])
        defer { retitled.stop() }
        let titled = try XCTUnwrap(try snapshot().process(pid: retitled.pid))
        XCTAssertEqual(titled.cmdline, "postgres: writer process")
        XCTAssertEqual(titled.args, ["postgres:", "writer", "process"])

        let disguised = try FixtureProcess(["--argv", "python3 -m uvicorn app:app", "sleep"])
        defer { disguised.stop() }
        let server = try XCTUnwrap(try snapshot().process(pid: disguised.pid))
        XCTAssertEqual(Array(server.args!.prefix(4)), ["python3", "-m", "uvicorn", "app:app"])
        XCTAssertTrue(server.cmdline!.hasPrefix("python3 -m uvicorn app:app"))
        XCTAssertTrue(server.cmdline!.contains(disguised.marker))
    }

    /// `args` are split only for a collection that asks for them (a rule naming `args`); the
    /// command line is the same string either way.
    func testArgumentsAreSplitOnlyWhenAsked() throws {
        let fixture = try FixtureProcess(["--argv", "node dev server.js", "sleep"])
        defer { fixture.stop() }
        let plain = try XCTUnwrap(try LinuxSnapshotSource().collect(what: [.cmdline]).process(pid: fixture.pid))
        let split = try XCTUnwrap(try LinuxSnapshotSource().collect(what: [.args]).process(pid: fixture.pid))
        XCTAssertNil(plain.args)
        XCTAssertEqual(Array(split.args!.prefix(3)), ["node", "dev", "server.js"])
        XCTAssertEqual(plain.cmdline, split.cmdline)
        XCTAssertEqual(plain.cmdline, split.args!.joined(separator: " "))
        XCTAssertEqual(FieldSet([.cmdline]).names, ["cmdline"])
        XCTAssertEqual(FieldSet.standard.names.filter { $0 == "cmdline" }.count, 1)
        XCTAssertTrue(FieldSchema.fields(of: .process).first { $0.name == "args" }!.needs.contains(.args))
    }

    func testHundredKilobyteCommandLineIsReadWhole() throws {
        let long = String(repeating: "x", count: 100_000)
        let fixture = try FixtureProcess(["sleep", "--pad", long])
        defer { fixture.stop() }
        let process = try XCTUnwrap(try snapshot().process(pid: fixture.pid))
        let raw = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(fixture.pid)/cmdline"))
        XCTAssertGreaterThan(raw.count, 100_000)
        XCTAssertEqual(process.args, raw.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) })
        XCTAssertTrue(process.args!.contains(long))
        XCTAssertTrue(process.cmdline!.hasSuffix(fixture.marker + " --ttl 120"))
    }

    func testIdentityAndTimesMatchTheKernel() throws {
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let s = try snapshot()
        let process = try XCTUnwrap(s.process(pid: fixture.pid))
        let stat = try String(contentsOfFile: "/proc/\(fixture.pid)/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        XCTAssertEqual(process.startTicks, UInt64(fields[19])!, "field 22")
        XCTAssertLessThan(process.age, 30)
        XCTAssertEqual(process.startedAt, Date().timeIntervalSince1970 - process.age, accuracy: 2)
        XCTAssertEqual(process.exe, Products.path("zscan-fixture"))
        XCTAssertEqual(process.cwd, FileManager.default.currentDirectoryPath)
        XCTAssertEqual(process.uid, getuid())
        XCTAssertNotNil(process.cgroup)
        XCTAssertEqual(process.identity, ProcessIdentity(pid: fixture.pid, startTicks: UInt64(fields[19])!))
        XCTAssertEqual(s.host.collectorPid, getpid())
        XCTAssertNotNil(s.process(pid: getpid()), "the collector sees itself")
    }

    /// A child that exits and is reaped moments later is a process ending, not a zombie left behind
    /// (as under scripts/churn): the scan reads zombies again once its grace has passed since the
    /// survey and drops the reaped ones; the survey itself keeps every zombie it saw.
    func testZombieReapedDuringTheGraceIsDropped() throws {
        let reaped = try exitedChild()
        let kept = try exitedChild()
        defer { _ = waitpid(kept, nil, 0) }
        // Reaped 0.3 s into the 1 s grace; a survey slower than 0.3 s never sees it at all.
        let reaper = Thread {
            usleep(300_000); _ = waitpid(reaped, nil, 0)
        }
        reaper.start()
        let source = LinuxSnapshotSource()
        let surveyed = try source.survey(what: .standard)
        XCTAssertEqual(surveyed.process(pid: kept)?.state, "Z")
        let rules = try RuleLoader.load([
            RuleSource(
                name: "test.json5",
                bytes: Array(
                    #"{format_version: 1, rules: [{id: "z", title: "t", severity: "warning", when: "state == 'Z' && ppid == \#(getpid())", message: "{pid}"}]}"#
                        .utf8))
        ]).rules
        let pipeline = ScanPipeline(
            source: source, pidfileSource: nil, wait: { usleep(UInt32($0 * 1e6)) }, now: { Date().timeIntervalSince1970 },
            monotonic: { ProcessInfo.processInfo.systemUptime })
        let result = try pipeline.run(ScanPipeline.Request(scanner: Scanner(rules: rules), sampleSeconds: 0, zombieGrace: 1))
        let found = result.findings.compactMap { finding -> Int32? in
            if case let .process(process) = finding.subject { process.pid } else { nil }
        }
        XCTAssertFalse(found.contains(reaped), "a zombie reaped during the grace is dropped")
        XCTAssertTrue(found.contains(kept), "a zombie still there after the grace is kept")
    }

    /// Starts /bin/true as a child of this test and returns its pid once it is a zombie (not reaped).
    private func exitedChild() throws -> Int32 {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { argv.forEach { free($0) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ), 0)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if let close = stat.range(of: ")", options: .backwards), stat[close.upperBound...].hasPrefix(" Z") { return pid }
            usleep(1000)
        }
        throw XCTSkip("/bin/true (\(pid)) did not become a zombie within 10 s")
    }

    func testSnapshotOfThisMachineRoundTrips() throws {
        let s = try snapshot(.all)
        XCTAssertGreaterThan(s.processes.count, 5)
        XCTAssertEqual(try Snapshot.decode(json: s.jsonBytes()), s.asSaved)
        XCTAssertTrue(s.processes.contains { $0.kernelThread } || s.process(pid: 2) == nil)
        XCTAssertEqual(s.processes.map(\.pid), s.processes.map(\.pid).sorted())
    }
}
