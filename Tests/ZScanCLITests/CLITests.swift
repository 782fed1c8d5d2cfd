import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// The command line as users and scripts meet it: exact help and error text, exit codes, files.
final class CLITests: XCTestCase {
    func zscan(_ arguments: String...) throws -> ToolResult {
        try runCapturing(Products.path("zscan"), arguments)
    }

    func testRootHelp() throws {
        let expected = """
            OVERVIEW: Find what processes left behind: zombies, orphaned dev servers, ports
            held by dead, stopped or orphaned processes, hangs and leaks.

            With no subcommand, zscan scans this machine with its built-in rules (see 'zscan
            scan --help').

            USAGE: zscan [<subcommand>] [<options>]

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              scan                    Scan for what processes left behind (the default
                                      command).
              run                     Run a command, then report (and with --cleanup end)
                                      what it left running.
              rules                   List, check or explain rules.
              snapshot                Write the process and socket snapshot as JSON.
              ports                   Show who holds listening ports.
              version                 Show the version.
              help                    Show subcommand help information.

              See 'zscan help <subcommand>' for detailed help.

            EXAMPLES:
              zscan                              Scan this machine with the built-in rules.
              zscan --fail-on zombie             In CI: exit 1 only when there is a zombie.
              zscan --dry-run --pattern uvicorn  What cleanup would end; signals nothing.
              zscan --cleanup --pattern uvicorn  End leftover uvicorn servers (guarded).
              zscan run -- npm test              Report what the tests left running.
              zscan ports 8001                   Who holds port 8001.
              zscan rules explain zombie         What a rule finds and how cleanup ends it.

            """
        for form in [["--help"], ["-h"], ["help"]] {
            let result = try runCapturing(Products.path("zscan"), form)
            XCTAssertEqual(result.stdout, expected, "\(form)")
            XCTAssertEqual(result.stderr, "")
            XCTAssertEqual(result.status, 0)
        }
    }

    func testSnapshotHelp() throws {
        let expected = """
            OVERVIEW: Write the process and socket snapshot as JSON.

            The snapshot is what --baseline and --from read. Environment variables are left
            out unless --fields names env or all: they often hold secrets.

            USAGE: zscan snapshot [--output <file>] [--pretty] [--fields <list>]
                                  [--proc-root <dir>]

            OPTIONS:
              -o, --output <file>     Write to <file> (atomically) instead of standard
                                      output.
              --pretty                Indent the JSON.
              --fields <list>         Field groups to read, comma-separated: status,
                                      cmdline, exe, cwd, cgroup, fds, sockets, listeners,
                                      env, standard, all. (default: standard)
              --proc-root <dir>       Read processes from <dir> instead of /proc. (default:
                                      /proc)
              -h, --help              Show help information.

            EXAMPLES:
              zscan snapshot -o before.json
                  Record what runs now (at the start of a CI job).
              zscan --baseline before.json --only leak
                  Later: what was started since and still runs.
              zscan --from before.json
                  Run the rules on the saved snapshot instead of this machine.

            """
        XCTAssertEqual(try zscan("snapshot", "--help").stdout, expected)
        XCTAssertEqual(try zscan("help", "snapshot").stdout, expected)
        XCTAssertEqual(try zscan("snapshot", "-h").stdout, expected)
    }

    func testPortsHelp() throws {
        XCTAssertEqual(try zscan("ports", "--help").stdout, """
            OVERVIEW: Show who holds listening ports.

            With no <port>, lists every listening TCP port and bound UDP port. Exits 1 when
            a named port is held and 0 when every named port is free, so 'zscan ports 8001
            || ...' works in scripts.

            USAGE: zscan ports [<port> ...] [--format <format>] [--tcp] [--udp]
                               [--proc-root <dir>]

            ARGUMENTS:
              <port>                  Ports to look up (1-65535).

            OPTIONS:
              --format <format>       Output format: text or json. (default: text)
              --tcp                   Only TCP sockets.
              --udp                   Only UDP sockets.
              --proc-root <dir>       Read processes from <dir> instead of /proc. (default:
                                      /proc)
              -h, --help              Show help information.

            EXAMPLES:
              zscan ports                    Every listening port and every process holding
                                             it.
              zscan ports 8001 || echo free  Who holds port 8001; exit 0 when nobody does.
              zscan --dry-run --port 8001    What cleanup would end to free it (if its
                                             holder is stopped or orphaned).

            """)
    }

    /// Help, usage errors and `rules list`/`explain` fit an 80-column terminal.
    func testEveryHelpFitsEightyColumns() throws {
        let forms: [[String]] = [["--help"], ["scan", "--help"], ["run", "--help"], ["rules", "--help"], ["snapshot", "--help"],
                                 ["ports", "--help"], ["version", "--help"], ["--bogus"], ["rules"], ["ports", "--bogus"],
                                 ["rules", "explain", "orphaned_dev_server"], ["rules", "explain", "zombei"]]
        for form in forms {
            let result = try runCapturing(Products.path("zscan"), form)
            for line in (result.stdout + result.stderr).split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(form): \(line)")
            }
            XCTAssertFalse(result.stdout.isEmpty && result.stderr.isEmpty, "\(form)")
        }
        var environment = neutralEnvironment
        environment["COLUMNS"] = "80"
        let list = try runCapturing(Products.path("zscan"), ["rules", "list"], environment: environment)
        XCTAssertEqual(list.status, 0)
        for line in list.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, line.description) }
        // Every rule is still listed, its title whole across the wrapped lines.
        XCTAssertTrue(list.stdout.contains("port_owner_unknown    info      port               Listening port with an owner\n"
            + String(repeating: " ", count: 51) + "zscan cannot see\n"), list.stdout)
        XCTAssertEqual(list.stdout.split(separator: "\n").filter { !$0.hasPrefix(" ") }.count, 14)
    }

    func testVersion() throws {
        for form in ["version", "--version"] {
            let result = try zscan(form)
            XCTAssertEqual(result.stdout, "zscan \(ToolInfo.version)\n")
            XCTAssertEqual(result.status, 0)
        }
    }

    func testUsageErrorsExitTwoWithExactText() throws {
        let snapshotUsage = "Usage: zscan snapshot [--output <file>] [--pretty] [--fields <list>]\n                      [--proc-root <dir>]\n  See 'zscan snapshot --help' for more information.\n"
        let portsUsage = "Usage: zscan ports [<port> ...] [--format <format>] [--tcp] [--udp]\n                   [--proc-root <dir>]\n  See 'zscan ports --help' for more information.\n"
        let rootUsage = "Usage: zscan [<subcommand>] [<options>]\n  See 'zscan --help' for more information.\n"
        let scanUsage = "Usage: zscan scan [--rules <path> ...] [--only <sel>] [--skip <sel>]\n                  [--fail-on <sel>] [--format <format>] [options]\n  See 'zscan scan --help' for more information.\n"
        let cases: [([String], String)] = [
            (["frobnicate"], "Error: Unknown subcommand 'frobnicate'\n" + rootUsage),
            (["--frobnicate"], "Error: Unknown option '--frobnicate'\n" + scanUsage),
            (["snapshto"], "Error: Unknown subcommand 'snapshto' (did you mean 'snapshot'?)\n" + rootUsage),
            (["--fail-on", "zombi"], "Error: --fail-on: no rule, tag or severity 'zombi' (did you mean 'zombie'?)\n" + scanUsage),
            (["scan", "--format", "xml"], "Error: Unknown format 'xml' (expected text, json, junit, github or prometheus)\n" + scanUsage),
            (["rules", "frob"], "Error: Unknown action 'frob' (expected list, check or explain)\n" + "Usage: zscan rules list | check [<path> ...] | explain <id> [--rules <path> ...]\n                   [--config <file>]\n  See 'zscan rules --help' for more information.\n"),
            (["help", "nope"], "Error: Unknown subcommand 'nope'\n" + rootUsage),
            (["snapshot", "--bogus"], "Error: Unknown option '--bogus'\n" + snapshotUsage),
            (["snapshot", "-x"], "Error: Unknown option '-x'\n" + snapshotUsage),
            (["snapshot", "-o"], "Error: Missing value for '--output <file>'\n" + snapshotUsage),
            (["snapshot", "--pretty=yes"], "Error: Option '--pretty' takes no value\n" + snapshotUsage),
            (["snapshot", "extra"], "Error: Unexpected argument 'extra'\n" + snapshotUsage),
            (["snapshot", "-o", "a", "-o", "b"], "Error: Option '--output' given more than once\n" + snapshotUsage),
            (["snapshot", "--fields", "cmdline,bogus"],
             "Error: Unknown field group 'bogus' (known: status, cmdline, exe, cwd, cgroup, fds, sockets, listeners, env, standard, all)\n" + snapshotUsage),
            (["ports", "0"], "Error: Invalid port '0' (expected 1-65535)\n" + portsUsage),
            (["ports", "http"], "Error: Invalid port 'http' (expected 1-65535)\n" + portsUsage),
            (["ports", "--format", "xml"], "Error: Unknown format 'xml' (expected text or json)\n" + portsUsage),
        ]
        for (arguments, expected) in cases {
            let result = try runCapturing(Products.path("zscan"), arguments)
            XCTAssertEqual(result.stderr, expected, "\(arguments)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
            XCTAssertEqual(result.status, 2, "\(arguments)")
        }
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
