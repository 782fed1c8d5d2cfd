import Foundation
import XCTest
import ZScanTestSupport
@testable import ZScanCore
@testable import ZScanLinux

/// zscan against the peer tools. Each tool runs before and after the snapshot; only what both of its
/// runs agree on is compared, so processes that come, go or change meanwhile are tolerated, and
/// nothing else is.
final class DifferentialTests: XCTestCase {
    struct PSRow: Equatable {
        var ppid: Int32
        var state: String
        var uid: UInt32
        var comm: String
        var args: String
    }

    /// `ps -eww -o pid=,ppid=,stat=,euid=,comm=,args=` keyed by pid; comm is fixed-width, so
    /// ps is asked twice (once with comm, once with args) to split unambiguously.
    func psTable() throws -> [Int32: PSRow] {
        let main = try runTool("/bin/ps", ["-eww", "-o", "pid=,ppid=,stat=,euid=,args="])
        let names = try runTool("/bin/ps", ["-e", "-o", "pid=,comm="])
        var comm: [Int32: String] = [:]
        for line in names.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, let pid = Int32(parts[0]) { comm[pid] = String(parts[1]) }
        }
        var table: [Int32: PSRow] = [:]
        for line in main.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: true)
            guard parts.count == 5, let pid = Int32(parts[0]), let ppid = Int32(parts[1]), let uid = UInt32(parts[3]) else { continue }
            table[pid] = PSRow(ppid: ppid, state: String(parts[2].prefix(1)), uid: uid, comm: comm[pid] ?? "", args: String(parts[4]))
        }
        return table
    }

    func testProcessesAgreeWithPS() throws {
        // Something of ours with a known shape among whatever else runs here.
        let zombies = try FixtureProcess(["zombies", "--count", "2"])
        defer { zombies.stop() }
        let orphan = try FixtureProcess(["orphan"])
        defer { orphan.stop() }

        let before = try psTable()
        let snapshot = try LinuxSnapshotSource().collect(what: .standard)
        let after = try psTable()
        var compared = 0
        for (pid, row) in before where after[pid] == row {
            guard let process = snapshot.process(pid: pid) else {
                XCTFail("pid \(pid) (\(row.comm)) seen by ps before and after, missing from the snapshot")
                continue
            }
            XCTAssertEqual(process.ppid, row.ppid, "ppid of \(pid)")
            XCTAssertEqual(process.uid, row.uid, "uid of \(pid)")
            let stable = row.state != "R" && process.state != "R"
            if stable { XCTAssertEqual(process.state, row.state, "state of \(pid) \(row.comm)") }
            // ps shows `[comm]` for an empty command line and '?' for unprintable bytes.
            let cmdline = process.cmdline ?? ""
            if cmdline.isEmpty {
                XCTAssertTrue(row.args.hasPrefix("["), "pid \(pid): ps args '\(row.args)'")
            } else if cmdline.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
                XCTAssertEqual(cmdline, row.args, "cmdline of \(pid)")
            }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 5)
        for pid in zombies.ints("zombies") + [orphan.int("orphan")!] {
            XCTAssertNotNil(before[pid], "ps sees the fixture's \(pid)")
        }
        XCTAssertEqual(snapshot.process(pid: zombies.ints("zombies")[0])?.state, "Z")
    }

    /// `ss -lHnp{t,u}` lines as (proto, port) → owner pids.
    func ssListeners() throws -> Set<String> {
        var rows: Set<String> = []
        for (proto, flag) in [("tcp", "-ltnpH"), ("udp", "-lunpH")] {
            // ss writes a process name as it is: a name holding a newline (another test's hostile
            // fixture, anyone's process) continues its row on the next line.
            var records: [Substring] = []
            for line in try runTool("/usr/bin/ss", [flag]).split(separator: "\n") {
                if line.hasPrefix("LISTEN") || line.hasPrefix("UNCONN") || records.isEmpty {
                    records.append(line)
                } else {
                    records[records.count - 1] = records[records.count - 1] + "\n" + line
                }
            }
            for line in records {
                let columns = line.split(separator: " ", omittingEmptySubsequences: true)
                guard columns.count >= 4, let colon = columns[3].lastIndex(of: ":"),
                    let port = Int(columns[3][columns[3].index(after: colon)...])
                else { continue }
                let family = columns[3].hasPrefix("[") ? "6" : ""
                var pids: [Int32] = []
                var rest = line[...]
                while let range = rest.range(of: "pid=") {
                    rest = rest[range.upperBound...]
                    pids.append(Int32(rest.prefix { $0.isNumber })!)
                }
                rows.insert("\(proto)\(family) \(port) \(Set(pids).sorted())")
            }
        }
        return rows
    }

    /// Both ways zscan reads listeners agree with ss: the whole snapshot, and the holders-only one
    /// `zscan ports` takes (descriptors first; only the holders of a listed socket read whole).
    func testListeningSocketsAgreeWithSS() throws {
        let tcp4 = try FixtureProcess(["listen", "--port", "0", "--share", "2"])
        defer { tcp4.stop() }
        let tcp6 = try FixtureProcess(["listen", "--port", "0", "--host", "::1", "--count", "2"])
        defer { tcp6.stop() }
        let udp = try FixtureProcess(["listen", "--port", "0", "--udp"])
        defer { udp.stop() }
        let stopped = try FixtureProcess(["stopped-listener", "--port", "0"])
        defer { stopped.stop() }
        let idle = try FixtureProcess(["sleep"])
        defer { idle.stop() }
        let fixturePorts = tcp4.ints("ports") + tcp6.ints("ports") + udp.ints("ports") + [stopped.int("port")!]
        XCTAssertEqual(fixturePorts.count, 5)

        for (label, source, fields) in [
            ("snapshot", LinuxSnapshotSource(), FieldSet.standard),
            ("holders only", LinuxSnapshotSource(onlySocketHolders: true), [.status, .cmdline, .fds, .listeners]),
        ] {
            // Listeners of unrelated processes open, close and fork between the three reads; a
            // difference that churn made is gone on the next try, a real one stays.
            var snapshot = try source.collect(what: fields)
            var missed: Set<String> = []
            var extra: Set<String> = []
            for _ in 1...3 {
                let before = try ssListeners()
                snapshot = try source.collect(what: fields)
                let after = try ssListeners()
                var ours: Set<String> = []
                for socket in snapshot.listeningSockets {
                    // ss writes IPv4-mapped and plain IPv6 alike in brackets.
                    let family = socket.proto == .tcp6 || socket.proto == .udp6 ? "6" : ""
                    let proto = socket.proto.isTCP ? "tcp" : "udp"
                    ours.insert("\(proto)\(family) \(socket.localPort) \(socket.owners)")
                }
                missed = before.intersection(after).subtracting(ours)
                extra = ours.subtracting(before.union(after))
                if missed.isEmpty && extra.isEmpty { break }
            }
            XCTAssertEqual(missed, [], "\(label): ss saw these in both runs, zscan did not")
            XCTAssertEqual(extra, [], "\(label): zscan saw these, ss in neither run")
            let ours = Set(snapshot.listeningSockets.map { Int32($0.localPort) })
            for port in fixturePorts {
                XCTAssertTrue(ours.contains(port), "\(label): fixture port \(port)")
            }
            if source.onlySocketHolders {
                let listed = Set(snapshot.sockets.map(\.inode))
                let strays = snapshot.processes.filter { process in
                    !process.socketInodes.contains(where: listed.contains) && process.netns == nil
                }
                XCTAssertEqual(strays.map(\.pid), [], "holders only: processes that hold no listed socket")
                XCTAssertNil(snapshot.process(pid: idle.pid), "holders only: the idle fixture holds no socket")
                XCTAssertNotNil(snapshot.process(pid: stopped.int("listener")!)?.cmdline, "holders only: a holder is read whole")
            } else {
                XCTAssertNotNil(snapshot.process(pid: idle.pid))
            }
        }
    }

    /// The netlink path and the `/proc/net` path see the same TCP sockets (compared on what both
    /// reads agree on, as sockets open and close meanwhile).
    func testNetlinkAndProcNetAgree() throws {
        let fixture = try FixtureProcess(["listen", "--port", "0", "--host", "::", "--count", "2"])
        defer { fixture.stop() }
        func tcp(_ netlink: Bool, _ fields: FieldSet) throws -> Set<String> {
            let s = try LinuxSnapshotSource(useNetlink: netlink).collect(what: fields)
            return Set(
                s.sockets.filter { $0.proto.isTCP }.map {
                    "\($0.proto) \($0.localAddress):\($0.localPort) \($0.remoteAddress):\($0.remotePort) \($0.state) \($0.inode) \($0.uid) \($0.owners)"
                })
        }
        let viaProc = try tcp(false, .standard)
        let viaNetlink = try tcp(true, .standard)
        let again = try tcp(false, .standard)
        let stable = viaProc.intersection(again)
        XCTAssertEqual(stable.subtracting(viaNetlink).filter { !$0.contains("TIME_WAIT") }, [])
        let port = fixture.ints("ports")[0]
        XCTAssertTrue(viaNetlink.contains { $0.hasPrefix("tcp6 :::\(port) :::0 LISTEN") }, "\(viaNetlink)")
        // Listening-only requests return exactly the listening subset.
        let listeners = try tcp(true, [.fds, .listeners])
        XCTAssertTrue(listeners.allSatisfy { $0.contains(" LISTEN ") })
        XCTAssertTrue(listeners.contains { $0.hasPrefix("tcp6 :::\(port) ") })
        let processes = try LinuxSnapshotSource().collect(what: [.fds, .listeners])
        XCTAssertNil(processes.process(pid: fixture.pid)?.connections, "unknown when only listeners were read")
        XCTAssertEqual(processes.process(pid: fixture.pid)?.ports?.count, 2)
    }

    /// Inside a fresh PID namespace the shell is PID 1 and its own session leader lives outside:
    /// sid 0 means unknown, and a double-forked child is adopted by that PID 1.
    func testInsidePrivatePIDNamespace() throws {
        guard (try? runTool("/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", "true"])) != nil,
            FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
        else { throw XCTSkip("unshare is not available") }
        let fixture = Products.path("zscan-fixture")
        let zscan = Products.path("zscan")
        guard FileManager.default.isExecutableFile(atPath: zscan) else { throw XCTSkip("zscan is not built") }
        let script = """
            out=$(mktemp); \(fixture) orphan --ttl 30 --marker zscan-ns-test > "$out" & f=$!; \
            i=0; while [ ! -s "$out" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; \
            cat "$out"; \(zscan) snapshot; kill $f; wait $f; rm -f "$out"
            """
        let output = try runTool("/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script])
        let lines = output.split(separator: "\n", maxSplits: 1)
        guard lines.count == 2 else { throw XCTSkip("unshare did not run the script here: \(output.prefix(200))") }
        let ready = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        let snapshot = try Snapshot.decode(json: Array(lines[1].utf8))
        XCTAssertEqual(snapshot.host.initPid, 1)
        XCTAssertEqual(snapshot.host.initName, "sh")
        XCTAssertLessThan(snapshot.processes.count, 10, "only the namespace's processes are visible")
        let shell = try XCTUnwrap(snapshot.process(pid: 1))
        XCTAssertEqual(shell.sid, 0, "the shell's session leader is outside the namespace")
        XCTAssertNil(shell.sessionAlive)
        let handle = try XCTUnwrap(snapshot.process(pid: Int32(ready["pid"] as! Int)))
        XCTAssertEqual(handle.ppid, 1)
        XCTAssertNil(handle.sessionAlive, "session 0: unknown, not gone")
        XCTAssertEqual(handle.adopted, false, "a direct child of PID 1 was never reparented")
        XCTAssertFalse(handle.orphaned)
        let orphan = try XCTUnwrap(snapshot.process(pid: Int32(ready["orphan"] as! Int)))
        XCTAssertEqual(orphan.ppid, 1, "adopted by the namespace init")
        XCTAssertEqual(orphan.adopted, true)
        XCTAssertEqual(orphan.sessionAlive, false)
        XCTAssertTrue(orphan.orphaned)
    }
}
