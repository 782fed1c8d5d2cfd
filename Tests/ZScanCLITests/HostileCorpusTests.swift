import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// Every text of the hostile corpus as a process name and command line, through a procfs fixture
/// tree (any bytes, any length) and through real processes (what the kernel lets a process set),
/// into every report zscan writes: JSON parses and carries the text exactly, JUnit validates
/// against the Jenkins schema, each GitHub workflow command stays on one line, Prometheus parses,
/// and the terminal gets no control character it did not send itself.
final class HostileCorpusTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Per corpus text: a stopped process holding a listening port (its comm and command line
    /// the text) and its zombie child with the text as comm, so stopped_process,
    /// port_held_by_stopped and zombie each name every text.
    func testCorpusThroughAProcfsTree() throws {
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8), cmdline: Array("/sbin/init\0".utf8), uid: 0)
        var table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        var expected: [Int32: (name: String, cmdline: String)] = [:]
        let texts = HostileCorpus.texts + [HostileText("100 KB", HostileCorpus.longArgument)]
        for (index, text) in texts.enumerated() {
            let stopped = 100 + index, zombie = 300 + index, inode = 9000 + index, port = 20000 + index
            let arguments = HostileCorpus.commandLine(text)
            try tree.addProcess(
                pid: stopped, ppid: 1, comm: text.bytes, state: "T",
                cmdline: arguments.flatMap { $0 + [0] }, sockets: [UInt64(inode)])
            try tree.addProcess(pid: zombie, ppid: stopped, pgid: stopped, comm: text.bytes, state: "Z", otherFds: 0)
            table +=
                "   \(index): 0100007F:\(String(format: "%04X", port)) 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 \(inode) 1 0000000000000000 100 0 0 10 0\n"
            expected[Int32(stopped)] = (text.decoded, HostileCorpus.shownCommandLine(arguments))
            expected[Int32(zombie)] = (text.decoded, "")
        }
        try tree.write("net/tcp", table)

        let scan = ["--proc-root", tree.path, "--skip", "cpu_hang,d_state_hang,orphan", "--where", "cmdline != 'absent'", "--fail-on", "any"]
        let findings = try checkEveryFormat(scan, expected: expected)
        XCTAssertEqual(findings["stopped_process"], texts.count)
        XCTAssertEqual(findings["port_held_by_stopped"], texts.count)
        XCTAssertEqual(findings["zombie"], texts.count)
        XCTAssertEqual(findings.values.reduce(0, +), 3 * texts.count, "\(findings)")

        // The snapshot and `zscan ports` carry the same names.
        let snapshot = try zscan(["snapshot", "--proc-root", tree.path])
        let processes = try XCTUnwrap((try Self.json(snapshot) as? [String: Any])?["processes"] as? [[String: Any]])
        for process in processes {
            guard let pid = (process["pid"] as? Int).map(Int32.init), let want = expected[pid] else { continue }
            XCTAssertEqual(process["name"] as? String, want.name, "snapshot, pid \(pid)")
            XCTAssertEqual(process["cmdline"] as? String, want.cmdline, "snapshot, pid \(pid)")
        }
        XCTAssertEqual(processes.count, expected.count + 1)
        let ports = try zscan(["ports", "--proc-root", tree.path, "--format", "json"])
        let listed = (try Self.json(ports) as? [String: Any])?["ports"] as? [[String: Any]] ?? []
        let owners = listed.flatMap { $0["owners"] as? [[String: Any]] ?? [] }
        XCTAssertEqual(owners.count, texts.count, "\(ports.stdout.prefix(2000))")
        for owner in owners {
            let pid = try XCTUnwrap((owner["pid"] as? Int).map(Int32.init))
            XCTAssertEqual(owner["name"] as? String, expected[pid]?.name, "ports, pid \(pid)")
        }
        try assertSafeForATerminal(try zscan(["ports", "--proc-root", tree.path]), "ports")
    }

    /// The corpus on real processes: each a stopped listener whose comm (15 bytes at most, set
    /// with prctl) and argv (execve'd; no NUL inside an argument) are the text.
    func testCorpusThroughRealProcesses() throws {
        var fixtures: [FixtureProcess] = []
        defer { fixtures.forEach { $0.stop() } }
        var expected: [Int32: (name: String, cmdline: String)] = [:]
        var ports: [String] = []
        let marker = "zscan-hostile-\(UUID().uuidString.prefix(8))"
        for text in HostileCorpus.texts + [HostileText("100 KB", HostileCorpus.longArgument)] {
            let arguments = HostileCorpus.commandLine(text)
            // Hex doubles the size, past the kernel's 128 KiB per argument: the 100 KB text, valid
            // UTF-8, goes as it is.
            let argv =
                text.bytes.count > 60_000
                ? ["--argv", HostileCorpus.shownCommandLine(arguments)]
                : ["--argv-hex", arguments.map { HostileText("", bytes: $0).hex }.joined(separator: "20")]
            let comm = HostileText("", bytes: text.comm)
            let fixture = try FixtureProcess(argv + ["--name-hex", comm.hex, "--marker", marker, "stopped-listener", "--port", "0"])
            fixtures.append(fixture)
            let listener = try XCTUnwrap(fixture.int("listener"))
            ports.append(String(try XCTUnwrap(fixture.int("port"))))
            expected[listener] = (comm.decoded, HostileCorpus.shownCommandLine(arguments))
        }
        // The fixture's own arguments follow the fake words; what was set must lead the command line.
        let scan =
            [
                "--only", "stopped_process,port_held_by_stopped", "--where", "cmdline contains '\(marker)'",
                "--fail-on", "any",
            ] + ports.flatMap { ["--port", $0] }
        let findings = try checkEveryFormat(scan, expected: expected, cmdlineIsPrefix: true)
        XCTAssertEqual(findings["stopped_process"], expected.count)
        XCTAssertEqual(findings["port_held_by_stopped"], expected.count)
    }

    // MARK: - Checks

    /// Runs the scan in every format (text also coloured) and checks each report; returns the
    /// number of findings per rule, from JSON, which every other format must agree with.
    @discardableResult
    func checkEveryFormat(_ scan: [String], expected: [Int32: (name: String, cmdline: String)], cmdlineIsPrefix: Bool = false) throws -> [String: Int] {
        let json = try Self.json(try zscan(scan + ["--format", "json"])) as? [String: Any]
        let findings = try XCTUnwrap(json?["findings"] as? [[String: Any]])
        var perRule: [String: Int] = [:]
        for finding in findings {
            perRule[finding["rule"] as? String ?? "?", default: 0] += 1
            guard let process = finding["process"] as? [String: Any] else { continue }
            let pid = try XCTUnwrap((process["pid"] as? Int).map(Int32.init))
            let want = try XCTUnwrap(expected[pid], "a finding about pid \(pid), not planted")
            XCTAssertEqual(process["name"] as? String, want.name, "JSON name of pid \(pid)")
            let cmdline = process["cmdline"] as? String ?? ""
            XCTAssertTrue(
                cmdlineIsPrefix ? cmdline.hasPrefix(want.cmdline + " ") : cmdline == want.cmdline,
                "JSON command line of pid \(pid): \(cmdline.debugDescription.prefix(300))")
        }
        // One check per format of `ScanReporters.all`: a format without one fails here.
        var checks: [String: () throws -> Void] = [:]
        checks["json"] = {
            if ReportSchema.available {
                let path = self.file("report.json")
                try JSONSerialization.data(withJSONObject: json as Any).write(to: URL(fileURLWithPath: path))
                XCTAssertNil(try ReportSchema.problems(inReportAt: path))
            }
        }
        checks["text"] = {
            try self.assertSafeForATerminal(try self.zscan(scan + ["--format", "text", "--color", "never"]), "text")
            let coloured = try self.zscan(scan + ["--format", "text", "--color", "always"])
            XCTAssertTrue(coloured.stdout.contains("\u{1B}[1m") || coloured.stdout.contains("\u{1B}[3"), "no colour at all")
            try self.assertSafeForATerminal(coloured, "coloured text", allowingOwnColour: true)
        }
        checks["junit"] = {
            let junit = try self.zscan(scan + ["--format", "junit"])
            try self.assertNoControls(junit, "junit")
            let junitPath = self.file("report.xml")
            try Data(junit.stdoutBytes).write(to: URL(fileURLWithPath: junitPath))
            if ReportTools.xmllint != nil {
                XCTAssertNil(try ReportTools.junitSchemaProblems(junitPath))
            }
            XCTAssertEqual(junit.stdout.components(separatedBy: "<failure ").count - 1, perRule.count, "one JUnit failure per rule that found something")
        }
        checks["github"] = {
            let github = try self.zscan(scan + ["--format", "github"])
            try self.assertNoControls(github, "github")
            let commands = github.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
            for command in commands {
                XCTAssertNotNil(
                    command.wholeMatch(of: /::(error|warning|notice)( title=[^:\n]*)?::[^\n]*/), "a forged workflow command: \(command.prefix(200))")
            }
            // One annotation per finding, at most 10 of each severity, then one notice counting the rest.
            let severities = Dictionary(grouping: findings) { $0["severity"] as? String ?? "?" }.mapValues(\.count)
            let overflow = severities.values.contains { $0 > 10 }
            let annotations =
                min(severities["error"] ?? 0, 10) + min(severities["warning"] ?? 0, 10)
                + min(severities["info"] ?? 0, overflow ? 9 : 10) + (overflow ? 1 : 0)
            XCTAssertEqual(commands.count, annotations, "\(severities)")
        }
        checks["prometheus"] = {
            let metrics = try self.zscan(scan + ["--format", "prometheus"])
            try self.assertNoControls(metrics, "prometheus")
            if ReportTools.hasPython("prometheus_client") {
                let path = self.file("report.prom")
                try Data(metrics.stdoutBytes).write(to: URL(fileURLWithPath: path))
                let families = try XCTUnwrap(try ReportTools.python(ReportTools.prometheusScript, [path]) as? [[String: Any]])
                let samples = families.first { $0["name"] as? String == "zscan_findings" }?["samples"] as? [[String: Any]] ?? []
                XCTAssertEqual(samples.reduce(0) { $0 + Int(($1["value"] as? Double) ?? 0) }, findings.count)
            }
        }
        for format in ScanReporters.all.map({ $0.identifier }) {
            guard let check = checks.removeValue(forKey: format) else {
                XCTFail("no hostile-name check for --format \(format): add one to checkEveryFormat")
                continue
            }
            try check()
        }
        XCTAssertEqual(checks.keys.sorted(), [], "checks for formats zscan does not have")
        return perRule
    }

    /// Valid UTF-8 with no C0/C1 control but the line feed (and, when `allowingOwnColour`, the
    /// SGR colour sequences zscan writes itself), no DEL, no bidirectional control.
    func assertSafeForATerminal(_ result: ToolResult, _ what: String, allowingOwnColour: Bool = false) throws {
        var text = try XCTUnwrap(String(validating: result.stdoutBytes, as: UTF8.self), "\(what) is not valid UTF-8")
        if allowingOwnColour { text = text.replacing(/\x{1B}\[[0-9;]*m/, with: "") }
        let unsafe = text.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) || [0x200E, 0x200F, 0x061C].contains($0.value)
                || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029
        }
        XCTAssertEqual(unsafe.map { String($0.value, radix: 16) }, [], "\(what) lets control characters through: \(text.prefix(3000))")
    }

    /// The machine formats: valid UTF-8, no control character but the line feed.
    func assertNoControls(_ result: ToolResult, _ what: String) throws {
        let text = try XCTUnwrap(String(validating: result.stdoutBytes, as: UTF8.self), "\(what) is not valid UTF-8")
        let controls = text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) }
        XCTAssertEqual(controls.map { String($0.value, radix: 16) }, [], "\(what): \(text.prefix(3000))")
    }

    /// zscan run to completion; it must exit 0, or 1 for findings (every finding fails with --fail-on any).
    func zscan(_ arguments: [String]) throws -> ToolResult {
        let result = try runCapturing(Products.path("zscan"), arguments)
        XCTAssertTrue(result.status == 0 || result.status == 1, "zscan \(arguments.prefix(6).joined(separator: " ")) exited \(result.status): \(result.stderr)")
        return result
    }

    static func json(_ result: ToolResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdoutBytes))
    }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
