import XCTest
@testable import ZScanCLI
import ZScanCore

/// Help, usage errors and the version, exactly as the binary prints them (the command runs in this
/// process; CLITests checks the binary prints the same).
final class HelpAndUsageTests: XCTestCase {
    func testRootHelp() {
        let expected = """
            OVERVIEW: Find what processes left behind: zombies, orphaned dev servers, ports
            held by dead, stopped or orphaned processes, hangs and leaks.

            With no subcommand, zscan scans this machine with its built-in rules (see 'zscan
            scan --help'). --cleanup with none of --only, --pattern, --port, --where or
            --container ends only what --fail-on selects (errors by default); a process
            detached on purpose (nohup, a daemon, a service) is ended only when --only names
            its finding's rule.

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
              explain                 Explain why zscan reports a process, or why it does
                                      not.
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
              zscan explain 4242                 Why zscan reports process 4242, or why it
                                                 does not.

            """
        for form in [["--help"], ["-h"], ["help"], ["help", "help"]] {
            let result = zscan(form)
            XCTAssertEqual(result.stdout, expected, "\(form)")
            XCTAssertEqual(result.stderr, "")
            XCTAssertEqual(result.status, 0)
        }
    }

    func testSnapshotHelp() {
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
                                      env, provenance, namespace, standard, all. (default:
                                      standard)
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
        XCTAssertEqual(zscan(["snapshot", "--help"]).stdout, expected)
        XCTAssertEqual(zscan(["help", "snapshot"]).stdout, expected)
        XCTAssertEqual(zscan(["snapshot", "-h"]).stdout, expected)
    }

    func testPortsHelp() {
        XCTAssertEqual(
            zscan(["ports", "--help"]).stdout,
            """
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
        let forms: [[String]] = [
            ["--help"], ["scan", "--help"], ["run", "--help"], ["rules", "--help"], ["snapshot", "--help"],
            ["ports", "--help"], ["version", "--help"], ["--bogus"], ["rules"], ["ports", "--bogus"],
            ["rules", "explain", "orphaned_dev_server"], ["rules", "explain", "zombei"],
        ]
        let environment = ["COLUMNS": "80"]
        for form in forms {
            let result = zscan(form, environment: environment)
            for line in (result.stdout + result.stderr).split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(form): \(line)")
            }
            XCTAssertFalse(result.stdout.isEmpty && result.stderr.isEmpty, "\(form)")
        }
        let list = zscan(["rules", "list"], environment: environment)
        XCTAssertEqual(list.status, 0)
        for line in list.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, line.description) }
        // Every rule is still listed, its title whole across the wrapped lines.
        let lines = list.stdout.split(separator: "\n")
        let row = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("port_owner_unknown ") }, list.stdout)
        let wrapped = lines[row...].prefix { $0 == lines[row] || $0.hasPrefix(" ") }
        XCTAssertTrue(
            wrapped.map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: " ")
                .hasSuffix("Listening port with an owner zscan cannot see"), list.stdout)
        XCTAssertGreaterThan(wrapped.count, 1, "the title wraps under itself")
        let rules = try RuleLoader.load(BuiltinRules.sources, keepExamples: false).rules
        XCTAssertEqual(lines.filter { !$0.hasPrefix(" ") }.count, 1 + rules.count, "a header and one row per rule")
    }

    func testVersion() {
        for form in ["version", "--version"] {
            let result = zscan([form])
            XCTAssertEqual(result.stdout, "zscan \(ToolInfo.version)\n")
            XCTAssertEqual(result.status, 0)
        }
    }

    func testUsageErrorsExitTwoWithExactText() {
        let snapshotUsage =
            "Usage: zscan snapshot [--output <file>] [--pretty] [--fields <list>]\n                      [--proc-root <dir>]\n  See 'zscan snapshot --help' for more information.\n"
        let portsUsage =
            "Usage: zscan ports [<port> ...] [--format <format>] [--tcp] [--udp]\n                   [--proc-root <dir>]\n  See 'zscan ports --help' for more information.\n"
        let rootUsage = "Usage: zscan [<subcommand>] [<options>]\n  See 'zscan --help' for more information.\n"
        let scanUsage =
            "Usage: zscan scan [--rules <path> ...] [--only <sel>] [--skip <sel>]\n                  [--fail-on <sel>] [--format <format>] [options]\n  See 'zscan scan --help' for more information.\n"
        let cases: [([String], String)] = [
            (["frobnicate"], "Error: Unknown subcommand 'frobnicate'\n" + rootUsage),
            (["--frobnicate"], "Error: Unknown option '--frobnicate'\n" + scanUsage),
            (["snapshto"], "Error: Unknown subcommand 'snapshto' (did you mean 'snapshot'?)\n" + rootUsage),
            (["--fail-on", "zombi"], "Error: --fail-on: no rule, tag or severity 'zombi' (did you mean 'zombie'?)\n" + scanUsage),
            (["scan", "--format", "xml"], "Error: Unknown format 'xml' (expected \(ScanReporters.identifierList))\n" + scanUsage),
            (
                ["rules", "frob"],
                "Error: Unknown action 'frob' (expected list, check or explain)\n"
                    + "Usage: zscan rules list | check [<path> ...] | explain <id> [--rules <path> ...]\n                   [--config <file>]\n  See 'zscan rules --help' for more information.\n"
            ),
            (["help", "nope"], "Error: Unknown subcommand 'nope'\n" + rootUsage),
            (["snapshot", "--bogus"], "Error: Unknown option '--bogus'\n" + snapshotUsage),
            (["snapshot", "-x"], "Error: Unknown option '-x'\n" + snapshotUsage),
            (["snapshot", "-o"], "Error: Missing value for '--output <file>'\n" + snapshotUsage),
            (["snapshot", "--pretty=yes"], "Error: Option '--pretty' takes no value\n" + snapshotUsage),
            (["snapshot", "extra"], "Error: Unexpected argument 'extra'\n" + snapshotUsage),
            (["snapshot", "-o", "a", "-o", "b"], "Error: Option '--output' given more than once\n" + snapshotUsage),
            (
                ["snapshot", "--fields", "cmdline,bogus"],
                "Error: Unknown field group 'bogus' (known: status, cmdline, exe, cwd, cgroup, fds, sockets, listeners, env, provenance, namespace, standard, all)\n"
                    + snapshotUsage
            ),
            (["ports", "0"], "Error: Invalid port '0' (expected 1-65535)\n" + portsUsage),
            (["ports", "http"], "Error: Invalid port 'http' (expected 1-65535)\n" + portsUsage),
            (["ports", "--format", "xml"], "Error: Unknown format 'xml' (expected text or json)\n" + portsUsage),
        ]
        for (arguments, expected) in cases {
            let result = zscan(arguments)
            XCTAssertEqual(result.stderr, expected, "\(arguments)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
            XCTAssertEqual(result.status, 2, "\(arguments)")
        }
    }

    func testRunWithoutACommand() {
        let result = zscan(["run"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("Error: Missing the command to run"), result.stderr)
    }
}
