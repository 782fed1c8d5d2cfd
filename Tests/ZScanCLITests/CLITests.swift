import Foundation
import XCTest
@testable import ZScanCLI
import ZScanCore
import ZScanTestSupport

/// The binary as users and scripts meet it: exit codes, files, streams, what it reads of this machine.
final class CLITests: XCTestCase {
    func zscan(_ arguments: String...) throws -> ToolResult {
        try runCapturing(Products.path("zscan"), arguments)
    }

    /// The binary prints what the command says, on the right stream with the right status (the
    /// texts themselves are checked exactly, called in-process, in HelpAndUsageTests).
    func testBinaryPrintsHelpVersionAndUsageErrors() throws {
        let help = try zscan("--help")
        XCTAssertEqual(help.stdout, ZScanCommand.spec.helpText)
        XCTAssertTrue(help.stdout.hasPrefix("OVERVIEW: Find what processes left behind: zombies, orphaned dev servers, ports\n"), help.stdout)
        XCTAssertEqual(help.stderr, "")
        XCTAssertEqual(help.status, 0)
        let version = try zscan("--version")
        XCTAssertEqual(version.stdout, "zscan \(ToolInfo.version)\n")
        XCTAssertEqual(version.status, 0)
        let unknown = try zscan("frobnicate")
        XCTAssertEqual(
            unknown.stderr, "Error: Unknown subcommand 'frobnicate'\nUsage: zscan [<subcommand>] [<options>]\n  See 'zscan --help' for more information.\n")
        XCTAssertEqual(unknown.stdout, "")
        XCTAssertEqual(unknown.status, 2)
    }

    func testUnreadableProcRootExitsTwo() throws {
        let result = try zscan("snapshot", "--proc-root", "/nonexistent-zscan")
        XCTAssertEqual(result.stderr, "Error: cannot read /nonexistent-zscan: No such file or directory\n")
        XCTAssertEqual(result.status, 2)
    }

    func testSnapshotToFileRoundTrips() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-snap-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fixture = try FixtureProcess(["zombies", "--count", "1"])
        defer { fixture.stop() }
        let result = try zscan("snapshot", "-o", path, "--pretty")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout, "")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let snapshot = try Snapshot.decode(json: bytes)
        XCTAssertEqual(snapshot.process(pid: fixture.ints("zombies")[0])?.state, "Z")
        XCTAssertEqual(snapshot.jsonBytes(pretty: true), bytes, "writing what was read gives the same file")
        XCTAssertNil(snapshot.processes.first { $0.env != nil }, "no environment without --fields env")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp.\(getpid())"))
    }

    /// `-o` must never replace a device, FIFO or link with a plain file (`-o /dev/null` as root once
    /// did): those are written in place; regular files are replaced atomically.
    func testOutputToSpecialFilesWritesInPlace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let reader = try runCapturingAsync("/bin/cat", [fifo])
        let result = try zscan("snapshot", "-o", fifo, "--fields", "status")
        XCTAssertEqual(result.status, 0, result.stderr)
        let read = reader()
        XCTAssertNoThrow(try Snapshot.decode(json: Array(read.stdout.utf8)))
        var info = stat()
        XCTAssertEqual(lstat(fifo, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "still a FIFO")

        let target = dir.appendingPathComponent("target.json").path
        let link = dir.appendingPathComponent("link.json").path
        XCTAssertTrue(FileManager.default.createFile(atPath: target, contents: Data("old".utf8)))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        XCTAssertEqual(try zscan("snapshot", "-o", link, "--fields", "status").status, 0)
        XCTAssertEqual(lstat(link, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK, "still a link")
        XCTAssertNoThrow(try Snapshot.decode(json: Array(try Data(contentsOf: URL(fileURLWithPath: target)))))

        let denied = try zscan("snapshot", "-o", dir.appendingPathComponent("missing-dir/x.json").path)
        XCTAssertEqual(denied.status, 2)
        XCTAssertTrue(denied.stderr.hasPrefix("Error: cannot write "), denied.stderr)
    }

    func testPortsExitCodesForScripts() throws {
        let fixture = try FixtureProcess(["listen", "--port", "0"])
        defer { fixture.stop() }
        let port = try XCTUnwrap(fixture.ints("ports").first)
        let held = try zscan("ports", String(port))
        XCTAssertEqual(held.status, 1, held.stdout + held.stderr)
        let lines = held.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first?.split(separator: " "), ["PROTO", "ADDRESS", "PORT", "PID", "USER", "STATE", "AGE", "COMMAND"])
        XCTAssertTrue(lines.contains { $0.contains(" \(port) ") && $0.contains(" \(fixture.pid) ") && $0.contains(fixture.marker) }, held.stdout)

        // A port nobody holds: said plainly, exit 0. Find one by binding and closing.
        let free = try XCTUnwrap(freePort())
        let freeResult = try zscan("ports", String(free))
        XCTAssertEqual(freeResult.stdout, "port \(free): free (no listening socket)\n")
        XCTAssertEqual(freeResult.status, 0)

        let json = try zscan("ports", String(port), String(free), "--format", "json")
        XCTAssertEqual(json.status, 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["free"] as? [Int], [Int(free)])
        let owners = (object["ports"] as! [[String: Any]]).flatMap { $0["owners"] as! [[String: Any]] }
        XCTAssertEqual(owners.map { $0["pid"] as! Int }, [Int(fixture.pid)])

        XCTAssertEqual(try zscan("ports", String(port), "--udp").status, 0, "a TCP port is free for UDP")
    }

    /// As an unprivileged user most of /proc/PID is closed: fields become null and are counted,
    /// sockets whose owners cannot be seen say so, and the scan still succeeds.
    func testUnprivilegedSnapshotDegradesToNulls() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run zscan as nobody")
        }
        let fixture = try FixtureProcess(["listen", "--port", "0"])
        defer { fixture.stop() }
        let port = Int(try XCTUnwrap(fixture.ints("ports").first))
        // The binary must be reachable by nobody: copy it out of a possibly private build tree.
        let copy = "/tmp/zscan-nobody-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: Products.path("zscan"), toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let result = try runCapturing("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", copy, "snapshot"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let snapshot = try Snapshot.decode(json: Array(result.stdout.utf8))
        XCTAssertGreaterThan(snapshot.counters.denied, 0)
        XCTAssertGreaterThan(snapshot.counters.fdsUnreadable, 0)
        let root = try XCTUnwrap(snapshot.process(pid: fixture.pid))
        XCTAssertNil(root.exe, "another user's exe is not visible")
        XCTAssertNil(root.fds)
        XCTAssertNil(root.ports)
        XCTAssertEqual(root.uid, 0)
        XCTAssertNotNil(root.cmdline, "cmdline stays world-readable")
        let socket = try XCTUnwrap(snapshot.listeningSockets.first { $0.localPort == port })
        XCTAssertEqual(socket.owners, [])
        XCTAssertFalse(socket.ownerKnown, "unknown owner is not 'no owner'")
        let own = try XCTUnwrap(snapshot.process(pid: snapshot.host.collectorPid))
        XCTAssertEqual(own.uid, 65534)
        XCTAssertNotNil(own.fds, "its own descriptors are readable")
    }

    private func freePort() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int32(UInt16(bigEndian: address.sin_port)) : nil
    }
}

/// README's table of built-in rules is generated (scripts/rules-table); it must match the rules.
final class ReadmeRulesTableTests: XCTestCase {
    func testReadmeRulesTableIsCurrent() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = "<!-- rules-table:begin (scripts/rules-table) -->\n"
        let parts = text.components(separatedBy: begin)
        XCTAssertEqual(parts.count, 2, "README.md needs exactly one rules-table block")
        let table = try XCTUnwrap(parts.last?.components(separatedBy: "\n<!-- rules-table:end -->").first)
        let current = try runCapturing(Products.path("zscan"), ["rules", "list", "--markdown"])
        XCTAssertEqual(current.status, 0)
        XCTAssertEqual(table + "\n", current.stdout, "README's rules table is stale: run scripts/rules-table")
    }
}
