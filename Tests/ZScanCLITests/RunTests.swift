import Foundation
import XCTest
import ZScanTestSupport

/// `zscan run -- CMD`: the command's output and status pass through; what it leaves behind is
/// reported as `leaked_process` on standard error, and with `--cleanup` ended.
final class RunTests: XCTestCase {
    let marker = "zscan-run-\(UUID().uuidString.prefix(8))"
    /// Daemons the fixture left, ended in teardown by pid (only while they carry the marker).
    var daemons: [Int32] = []

    override func tearDown() {
        for pid in daemons {
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            if cmdline.contains(marker) { kill(pid, SIGKILL) }
        }
    }

    func zscanRun(_ options: [String], _ command: [String]) throws -> ToolResult {
        try runCapturing(Products.path("zscan"), ["run"] + options + ["--"] + command)
    }

    func fixture(_ arguments: [String]) -> [String] {
        [Products.path("zscan-fixture")] + arguments + ["--marker", marker, "--ttl", "60"]
    }

    /// The fixture's ready line (the command's own stdout).
    func readyLine(_ result: ToolResult) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
    }

    func report(_ result: ToolResult) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any], result.stderr)
    }

    func testLeakedListenerFailsTheRunAndIsNamedWithItsPort() throws {
        let result = try zscanRun(["--fail-on", "leak", "--format", "json"], fixture(["daemon", "--listen", "0"]))
        let ready = try readyLine(result)
        let daemon = try XCTUnwrap(ready["daemon"] as? Int)
        daemons.append(Int32(daemon))
        let port = try XCTUnwrap(ready["port"] as? Int)
        XCTAssertEqual(result.status, 1, "the command exited 0 but leaked: \(result.stderr)")

        let findings = try report(result)["findings"] as? [[String: Any]] ?? []
        XCTAssertEqual(findings.map { $0["rule"] as? String }, ["leaked_process"])
        let process = try XCTUnwrap(findings.first?["process"] as? [String: Any])
        XCTAssertEqual(process["pid"] as? Int, daemon)
        XCTAssertEqual(process["ports"] as? [Int], [port])
        // What ps and ss say about the same process.
        let ps = try runTool("/bin/ps", ["-o", "pid=,args=", "-p", "\(daemon)"])
        XCTAssertTrue(ps.contains(marker), "ps does not show the leaked daemon: \(ps)")
        let ss = try runTool("/usr/bin/ss", ["-ltnpH", "sport = :\(port)"])
        XCTAssertTrue(ss.contains("pid=\(daemon),"), "ss does not show the daemon holding \(port): \(ss)")
    }

    func testCleanupLeavesNothingBehind() throws {
        let sandbox = try CleanupSandbox()
        defer { sandbox.remove() }
        try sandbox.run(
            """
            "$ZSCAN" run --pattern "$MARKER" --cleanup --grace 1s --fail-on leak --format json -- \\
              "$FIXTURE" daemon --listen 0 --marker "$MARKER" --ttl 60 > ready.json 2> report.json
            echo $? > status
            processes after
            ss -ltnH "sport = :$(field ready port)" > held
            """)
        let daemon = try XCTUnwrap(sandbox.int("ready", "daemon"))
        if !CleanupSandbox.isolated { daemons.append(daemon) }
        let report = sandbox.report("report")
        XCTAssertEqual(report.outcome(of: daemon), "terminated")
        XCTAssertEqual(sandbox.text("status"), "0\n", "every leak was ended, so the run passes")
        XCTAssertEqual(sandbox.text("held"), "")
        let left = sandbox.processes("after").values.filter { $0.args.contains(sandbox.marker) && !$0.args.contains("scenario.sh") }
        XCTAssertEqual(left.map(\.pid), [], "zscan run --cleanup left processes behind")
    }

    func testCommandThatCleansUpAfterItselfHasNoFinding() throws {
        let result = try zscanRun(["--fail-on", "leak", "--format", "json"], fixture(["daemon", "--listen", "0", "--clean"]))
        daemons += [(try readyLine(result)["daemon"] as? Int).map(Int32.init)].compactMap { $0 }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual((try report(result)["findings"] as? [Any])?.count, 0)
    }

    func testCommandStatusPassesThrough() throws {
        XCTAssertEqual(try zscanRun(["-q"], ["/bin/sh", "-c", "exit 3"]).status, 3)
        XCTAssertEqual(try zscanRun(["-q"], ["/bin/sh", "-c", "kill -TERM $$"]).status, 128 + SIGTERM)
        let missing = try zscanRun(["-q"], ["/nonexistent/\(marker)"])
        XCTAssertEqual(missing.status, 127)
        XCTAssertTrue(missing.stderr.contains("cannot run /nonexistent/\(marker)"), missing.stderr)
    }

    func testOutputPassesThroughUntouchedAndTheReportGoesToStandardError() throws {
        let result = try zscanRun(["--format", "json"], ["/usr/bin/printf", "a\\nb\\0c"])
        XCTAssertEqual(result.stdout, "a\nb\0c")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(try report(result)["format_version"] as? String, "1.4")
        XCTAssertTrue((try report(result)["scope"] as? [String: Any]).map { "\($0)" }?.contains("run: /usr/bin/printf") ?? false)
    }

    func testSigintReachesTheCommand() throws {
        let script = "trap 'echo got-int; exit 42' INT; echo ready; while :; do sleep 0.05; done"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.path("zscan"))
        process.arguments = ["run", "-q", "--", "/bin/sh", "-c", script, marker]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let ready = out.fileHandleForReading.readData(ofLength: 6)
        XCTAssertEqual(String(decoding: ready, as: UTF8.self), "ready\n")
        kill(process.processIdentifier, SIGINT)
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(String(decoding: rest, as: UTF8.self), "got-int\n")
        XCTAssertEqual(process.terminationStatus, 42, "the command's trap did not run")
    }

    /// Against a baseline, the shell running zscan started after the snapshot but is not a leak.
    func testTheShellRunningZscanIsNeverNew() throws {
        let before = FileManager.default.temporaryDirectory.appendingPathComponent("\(marker)-before.json").path
        defer { try? FileManager.default.removeItem(atPath: before) }
        XCTAssertEqual(try runCapturing(Products.path("zscan"), ["snapshot", "-o", before]).status, 0)
        let script = "\"$0\" --baseline \"$1\" --only leak --where \"cmdline contains '$2'\" --format json; : $2"
        let result = try runCapturing("/bin/sh", ["-c", script, Products.path("zscan"), before, marker])
        let findings = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])["findings"] as? [Any]
        XCTAssertEqual(findings?.count, 0, "zscan's own parent shell was reported: \(result.stdout)")
        XCTAssertEqual(result.status, 0)
        // A process started after the baseline that is not an ancestor of zscan is new.
        let later = try FixtureProcess(["sleep"])
        defer { later.stop() }
        let outside = try runCapturing(Products.path("zscan"), ["--baseline", before, "--only", "leak", "--where", "pid == \(later.pid)", "--format", "json"])
        XCTAssertEqual(outside.status, 1, "a process started after the baseline is new: \(outside.stdout)")
    }
}
