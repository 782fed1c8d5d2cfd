import Foundation
import XCTest
@testable import ZScanCore

/// The scan's text and JSON reports, on a result built in code with hostile names in it.
final class ScanReportTests: XCTestCase {
    // MARK: - Text

    func testPlainTextIsTheGolden() {
        let text = ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: 80).render()
        XCTAssertEqual(text, ScanReportFixture.golden)
    }

    func testPlainTextHasNoControlCharacterButNewline() {
        let text = ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: 80, verbose: true).render()
        let bad = text.utf8.filter { $0 < 0x20 && $0 != 0x0A || $0 == 0x7F }
        XCTAssertEqual(bad, [])
        XCTAssertFalse(text.unicodeScalars.contains { (0x80..<0xA0).contains($0.value) })
    }

    func testHostileNameStaysOnItsLine() {
        let lines = ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: nil).render().split(separator: "\n")
        XCTAssertTrue(lines.contains("  pid 4243  1m   Z  [\\e[31mx\\ny]"), lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0 == "y]" || $0.hasPrefix("y") })
    }

    func testColorAddsOnlySGRSequences() {
        let result = ScanReportFixture.result()
        for verbose in [false, true] {
            let plain = ScanTextReport(result: result, style: .plain, width: 80, verbose: verbose).render()
            let color = ScanTextReport(result: result, style: .color, width: 80, verbose: verbose).render()
            XCTAssertNotEqual(color, plain)
            XCTAssertEqual(Self.strippingSGR(color), plain)
        }
        let color = ScanTextReport(result: result, style: .color, width: 80).render()
        XCTAssertTrue(color.contains("\u{1B}[1;31merror\u{1B}[0m  \u{1B}[1mzombie\u{1B}[0m  Zombie process \u{1B}[2m(2)\u{1B}[0m"))
        XCTAssertTrue(color.contains("\u{1B}[33mwarning\u{1B}[0m  \u{1B}[1mstale_pidfile\u{1B}[0m"))
        XCTAssertTrue(color.contains("\u{1B}[36minfo\u{1B}[0m  \u{1B}[1mport_owner_unknown\u{1B}[0m"))
        XCTAssertTrue(color.contains("\u{1B}[2mhint: make the parent reap it: kill -CHLD 4000\u{1B}[0m"))
        XCTAssertTrue(color.contains("\u{1B}[33mwarning\u{1B}[0m: pidfiles:"))
        XCTAssertTrue(color.contains("(\u{1B}[1;31m4 errors\u{1B}[0m, \u{1B}[33m3 warnings\u{1B}[0m, \u{1B}[36m1 info\u{1B}[0m)"))
        XCTAssertTrue(color.contains("\u{1B}[1;31mfailing\u{1B}[0m: 4 findings"))
        // The hostile name's own escape sequence is shown, not obeyed.
        XCTAssertFalse(color.contains("\u{1B}[31mx"))
    }

    func testSummaryWording() {
        func summary(_ findings: [Finding], failing: Int = 0, processes: Int, sockets: Int, ms: Double) -> String {
            let scope = ScanScope(processes: processes, sockets: sockets)
            let result = ScanResult(
                host: HostInfo(), startedAt: 0, durationMs: ms, scope: scope, rules: [ScanReportFixture.zombie],
                findings: findings, failing: Array(findings.prefix(failing)))
            return ScanTextReport(result: result, style: .plain, width: 80).render()
        }
        let zombie = ScanReportFixture.zombies()[0]
        XCTAssertEqual(summary([], processes: 1, sockets: 1, ms: 0.42), "no findings in 1 process, 1 socket · 0.4 ms\n")
        XCTAssertTrue(
            summary([ScanReportFixture.unknownOwner()], processes: 2, sockets: 0, ms: 12.4)
                .hasSuffix("\n1 finding (0 errors, 0 warnings, 1 info) in 2 processes, 0 sockets · 12 ms\n"))
        XCTAssertTrue(
            summary([zombie, ScanReportFixture.stoppedHolder()], failing: 1, processes: 312, sockets: 40, ms: 1530)
                .hasSuffix("\n2 findings (1 error, 1 warning, 0 info) in 312 processes, 40 sockets · 1.5 s\nfailing: 1 finding selected by --fail-on\n"))
    }

    func testWidthCutsRowsAndWrapsMessagesAndHints() {
        let lines = ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: 50).render().split(separator: "\n")
        let rows = lines.filter { $0.hasPrefix("  pid ") || $0.hasPrefix("  tcp") || $0.hasPrefix("  /") }
        XCTAssertEqual(rows.count, 8)
        XCTAssertTrue(rows.allSatisfy { $0.unicodeScalars.count <= 50 }, rows.joined(separator: "\n"))
        // Messages and hints wrap at the width instead (words whole, continuation indented); only a
        // single word longer than the width may stick out.
        XCTAssertTrue(lines.contains("    uvicorn (4242) outlived its session; listening"), lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("    on 8001, 8002"), lines.joined(separator: "\n"))
        let wrapped = lines.filter { $0.hasPrefix("    ") || $0.hasPrefix("  hint: ") }
        XCTAssertTrue(wrapped.allSatisfy { $0.unicodeScalars.count <= 50 || !$0.dropFirst(8).contains(" ") }, wrapped.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("  hint: ") } && lines.contains { $0.hasPrefix("        ") && !$0.hasPrefix("         ") })
        // The summary breaks before "in" (never inside a coloured count).
        XCTAssertEqual(
            Array(lines.suffix(3)),
            [
                "8 findings (4 errors, 3 warnings, 1 info)",
                "  in 312 processes (2 sampled), 40 sockets, 2 PID files · 12 ms",
                "failing: 4 findings selected by --fail-on",
            ])
        let uncut = ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: nil).render()
        XCTAssertTrue(uncut.contains(ScanReportFixture.longCommand))
        XCTAssertTrue(uncut.contains("    uvicorn (4242) outlived its session; listening on 8001, 8002\n"))
    }

    func testVerboseAddsDetailsQuietRulesAndCounters() {
        let text = ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: 80, verbose: true).render()
        XCTAssertTrue(text.contains("\n    ppid 1  user dev  cwd /srv/app\n"), text)
        XCTAssertTrue(text.contains("\n    inode 5551  uid 1000\n"), text)
        XCTAssertTrue(text.contains("\nno findings: cpu_hang\n"), text)
        XCTAssertTrue(text.contains("\nnot seen: 2 processes vanished, 1 descriptor table unreadable\n"), text)
        XCTAssertFalse(ScanTextReport(result: ScanReportFixture.result(), style: .plain, width: 80).render().contains("ppid"))
    }

    func testColorDecisionTruthTable() {
        typealias Case = (flag: String?, env: [String: String], tty: Bool, color: Bool, line: UInt)
        let cases: [Case] = [
            (nil, [:], true, true, #line),
            (nil, [:], false, false, #line),
            ("auto", [:], true, true, #line),
            ("auto", [:], false, false, #line),
            ("always", [:], false, true, #line),
            ("always", ["NO_COLOR": "1", "TERM": "dumb"], false, true, #line),
            ("never", [:], true, false, #line),
            ("never", ["FORCE_COLOR": "1"], true, false, #line),
            (nil, ["NO_COLOR": "1"], true, false, #line),
            (nil, ["NO_COLOR": ""], true, true, #line),
            (nil, ["NO_COLOR": "1", "FORCE_COLOR": "1"], true, false, #line),
            (nil, ["FORCE_COLOR": "1"], false, true, #line),
            (nil, ["FORCE_COLOR": "3"], false, true, #line),
            (nil, ["FORCE_COLOR": "0"], true, true, #line),
            (nil, ["FORCE_COLOR": "0"], false, false, #line),
            (nil, ["FORCE_COLOR": ""], false, false, #line),
            (nil, ["FORCE_COLOR": "1", "TERM": "dumb"], false, true, #line),
            (nil, ["TERM": "dumb"], true, false, #line),
            (nil, ["TERM": "xterm-256color"], true, true, #line),
            (nil, ["TERM": "xterm-256color"], false, false, #line),
        ]
        for c in cases {
            let style = TextStyle.decide(flag: c.flag, environment: c.env, isTTY: c.tty)
            XCTAssertEqual(style, c.color ? .color : .plain, "flag \(c.flag ?? "nil") env \(c.env) tty \(c.tty)", line: c.line)
        }
    }

    func testPlainStyleWritesNoEscape() {
        XCTAssertEqual(TextStyle.plain.severity("error", .error), "error")
        XCTAssertEqual(TextStyle.plain.bold("x") + TextStyle.plain.dim("y"), "xy")
        XCTAssertEqual(TextStyle.color.dim(""), "")
    }

    // MARK: - JSON

    func testJSONValues() throws {
        let doc = try Self.object(ScanJSONReport(result: ScanReportFixture.result()).render())
        XCTAssertEqual(doc["format_version"] as? String, "1.4")
        XCTAssertEqual((doc["tool"] as? [String: Any])?["name"] as? String, "zscan")
        let host = try XCTUnwrap(doc["host"] as? [String: Any])
        XCTAssertEqual(host["hostname"] as? String, "ci-runner")
        XCTAssertEqual(host["init_pid"] as? Int, 1)
        XCTAssertEqual(doc["duration_ms"] as? Double, 12.4)
        let scope = try XCTUnwrap(doc["scope"] as? [String: Any])
        XCTAssertEqual(scope["processes"] as? Int, 312)
        XCTAssertEqual(scope["sample_seconds"] as? Double, 1.01)
        XCTAssertEqual(scope["sampled_processes"] as? Int, 2)
        XCTAssertEqual(scope["baseline"] as? String, "/tmp/base.json")
        XCTAssertEqual(scope["filters"] as? [String], ["--port 8001"])
        let summary = try XCTUnwrap(doc["summary"] as? [String: Any])
        XCTAssertEqual(summary["findings"] as? Int, 8)
        XCTAssertEqual(summary["failing"] as? Int, 4)
        XCTAssertEqual(summary["by_severity"] as? [String: Int], ["error": 4, "warning": 3, "info": 1] as [String: Int]?)
        XCTAssertEqual(
            summary["by_rule"] as? [String: Int],
            [
                "zombie": 2, "orphaned_dev_server": 2, "port_held_by_stopped": 1, "stale_pidfile": 2,
                "port_owner_unknown": 1, "cpu_hang": 0,
            ])
        XCTAssertEqual(summary["rules"] as? [String], ScanReportFixture.rules.map(\.id))
        XCTAssertEqual((doc["actions"] as? [Any])?.count, 0)
        XCTAssertEqual(doc["errors"] as? [String], ScanReportFixture.errors)

        let findings = try XCTUnwrap(doc["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.map { $0["rule"] as? String }, ScanReportFixture.result().findings.map(\.rule.id))
        let zombie = try XCTUnwrap(findings.first { $0["rule"] as? String == "zombie" })
        XCTAssertEqual(zombie["subject"] as? String, "process")
        XCTAssertEqual(zombie["action"] as? String, "reap")
        XCTAssertEqual(zombie["severity"] as? String, "error")
        let process = try XCTUnwrap(zombie["process"] as? [String: Any])
        XCTAssertEqual(process["name"] as? String, "\u{1B}[31mx\ny", "JSON carries the name exactly, escaped by JSON rules")
        XCTAssertEqual(process["pid"] as? Int, 4243)
        XCTAssertEqual(process["start_ticks"] as? Int, 9000)
        XCTAssertEqual(process["age"] as? Double, 61)
        XCTAssertTrue(process["user"] is NSNull)
        XCTAssertTrue(process["ports"] is NSNull)
        XCTAssertNil(zombie["socket"])

        let socket = try XCTUnwrap(findings.first { $0["rule"] as? String == "port_held_by_stopped" }?["socket"] as? [String: Any])
        XCTAssertEqual(socket["local_port"] as? Int, 3000)
        XCTAssertEqual(socket["owner_known"] as? Bool, true)
        XCTAssertEqual((socket["owners"] as? [[String: Any]])?.map { $0["pid"] as? Int }, [4250, 4251])
        let pidfiles = findings.filter { $0["subject"] as? String == "pidfile" }.compactMap { $0["pidfile"] as? [String: Any] }
        XCTAssertEqual(pidfiles.map { $0["path"] as? String }, ["/run/app.pid", "/tmp/worker.pid"])
        XCTAssertEqual((pidfiles[0]["process"] as? [String: Any])?["cmdline"] as? String, "sleep 1000")
        XCTAssertTrue(pidfiles[1]["process"] is NSNull)
        XCTAssertTrue(pidfiles[1]["locked"] is NSNull)
        let info = try XCTUnwrap(findings.first { $0["severity"] as? String == "info" })
        XCTAssertTrue(info["hint"] is NSNull)
    }

    func testJSONIsOneLineWithoutRawControls() {
        let bytes = ScanJSONReport(result: ScanReportFixture.result()).render()
        XCTAssertEqual(bytes.last, 0x0A)
        XCTAssertFalse(bytes.dropLast().contains { $0 < 0x20 })
        let pretty = ScanJSONReport(result: ScanReportFixture.result(), pretty: true).render()
        XCTAssertFalse(pretty.contains(0x1B))
    }

    func testJSONMatchesTheSchema() throws {
        let empty = ScanResult(
            host: HostInfo(initPid: nil), startedAt: 0, durationMs: 0, scope: ScanScope(processes: 0, sockets: 0),
            rules: [], findings: [], failing: [])
        let documents = [
            ScanJSONReport(result: ScanReportFixture.result()).render(),
            ScanJSONReport(result: ScanReportFixture.result(), pretty: true).render(),
            ScanJSONReport(result: empty).render(),
            ScanJSONReport(result: GoldenFixture.result()).render(),
            ScanJSONReport(result: ContainerFixture.result()).render(),
            ScanJSONReport(result: ContainerFixture.inside()).render(),
        ]
        let verdicts = try SchemaValidator().validate(documents.map { Data($0) })
        XCTAssertEqual(verdicts, Array(repeating: "valid", count: documents.count))
    }

    /// The schema must reject what the report must never contain, or validating against it proves nothing.
    func testSchemaRejectsTyposAndBadValues() throws {
        let good = try Self.object(ScanJSONReport(result: ScanReportFixture.result()).render())
        /// The document with its first process finding changed.
        func finding(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var doc = good
            var findings = doc["findings"] as! [[String: Any]]
            let i = findings.firstIndex { $0["subject"] as? String == "process" }!
            change(&findings[i])
            doc["findings"] = findings
            return doc
        }
        let broken: [(String, [String: Any])] = [
            ("an extra top-level key", good.merging(["finding": [Any]()]) { $1 }),
            ("no actions", good.filter { $0.key != "actions" }),
            ("format_version 2.0", good.merging(["format_version": "2.0"]) { $1 }),
            ("a bad severity", finding { $0["severity"] = "critical" }),
            ("a bad action", finding { $0["action"] = "kill" }),
            ("a typo'd finding key", finding { $0["hnt"] = $0.removeValue(forKey: "hint") }),
            ("a subject without its record", finding { $0["subject"] = "socket" }),
            ("no evidence", finding { $0["evidence"] = nil }),
            ("evidence as one string", finding { $0["evidence"] = "parent exited" }),
            (
                "a job that is no verdict",
                finding { f in
                    var p = f["process"] as! [String: Any]
                    p["job"] = "RUNNER_TRACKING_ID=github_1"
                    f["process"] = p
                }
            ),
            ("a process without its container", finding { f in f["process"] = (f["process"] as! [String: Any]).filter { $0.key != "container" } }),
            (
                "a container without its runtime",
                finding { f in
                    var p = f["process"] as! [String: Any]
                    p["container"] = [
                        "id": ContainerFixture.dockerID, "short_id": "1fce13e5e58e", "pod_uid": NSNull(), "qos": NSNull(), "path": "/", "label": "x",
                    ]
                    f["process"] = p
                }
            ),
            (
                "a runtime no report names",
                finding { f in
                    var p = f["process"] as! [String: Any]
                    p["container"] = [
                        "runtime": "rkt", "id": NSNull(), "short_id": NSNull(), "pod_uid": NSNull(), "qos": NSNull(), "path": "/", "label": "rkt /",
                    ]
                    f["process"] = p
                }
            ),
            ("a host without zscan's own container", good.merging(["host": (good["host"] as! [String: Any]).filter { $0.key != "container" }]) { $1 }),
            (
                "a pid as a string",
                finding { f in
                    var p = f["process"] as! [String: Any]
                    p["pid"] = "4243"
                    f["process"] = p
                }
            ),
        ]
        let verdicts = try SchemaValidator().validate(try broken.map { try JSONSerialization.data(withJSONObject: $0.1) })
        XCTAssertEqual(verdicts.count, broken.count)
        for ((what, _), verdict) in zip(broken, verdicts) {
            XCTAssertTrue(verdict.hasPrefix("invalid: "), "the schema accepted a document with \(what)")
        }
    }

    // MARK: - Helpers

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// Removes every `ESC [ digits/semicolons m`; anything else stays, so other escapes would show up.
    static func strippingSGR(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\u{1B}", i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2
                while j < scalars.count, scalars[j] == ";" || ("0"..."9").contains(scalars[j]) { j += 1 }
                if j < scalars.count, scalars[j] == "m" {
                    i = j + 1
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    // MARK: - Containers

    /// Findings in containers go under a heading per container (most severe first), the host's
    /// last, each with today's rule groups; a report without any is unchanged (the golden above).
    func testTextGroupsFindingsByContainerThenHost() {
        let text = ScanTextReport(result: ContainerFixture.result(), style: .plain, width: nil).render()
        let headings = text.split(separator: "\n").filter { $0.hasPrefix("container ") || $0 == "host" }
        XCTAssertEqual(
            headings,
            [
                "container kubernetes 0c1d2e3f4a5b pod 7d9c5f4e", "container docker 1fce13e5e58e",
                "container unknown (cgroup " + ContainerFixture.hostilePathShown + ")", "host",
            ])
        let expectedDocker = """

            container docker 1fce13e5e58e
            error  zombie  Zombie process (1)
              pid 4244  45s  Z  [sleep]
                sleep (4244) is a zombie; make (4000) has not reaped it
              hint: make the parent reap it: kill -CHLD 4000

            warning  stale_pidfile  Stale PID file (1)
              /run/app.pid  pid 4245  3h03m  reused by another program: sleep 1000
                /run/app.pid names pid 4245, now another program
              hint: remove it with: zscan --cleanup --only stale_pidfile

            container unknown
            """
        XCTAssertTrue(text.contains(expectedDocker), text)
        // Within the host, today's order: severity, then rule id.
        let host = text[text.range(of: "\nhost\n")!.upperBound...]
        XCTAssertTrue(host.hasPrefix("error  orphaned_dev_server  Orphaned dev server (1)\n  pid 4300  "), String(host))
        XCTAssertEqual(
            host.split(separator: "\n").filter { $0.first?.isLetter == true }.map { $0.prefix { $0 != " " } },
            ["error", "error", "warning", "info", "warning:", "failing:"])
        // Every finding once, and the summary counts all of them.
        XCTAssertEqual(text.split(separator: "\n").count { $0.hasPrefix("  pid ") || $0.hasPrefix("  tcp") || $0.hasPrefix("  /") }, 8)
        XCTAssertTrue(text.contains("\n8 findings (4 errors, 3 warnings, 1 info) in 312 processes"))
        // Verbose shows the pid the container's own `ps` shows.
        let verbose = ScanTextReport(result: ContainerFixture.result(), style: .plain, width: nil, verbose: true).render()
        XCTAssertTrue(verbose.contains("\n    ppid 4000  ns_pid 12\n"), verbose)
        XCTAssertTrue(verbose.contains("\n    ppid 4000\n"), "a process on the host has no ns_pid line")
        // Headings are bold and add nothing else.
        let color = ScanTextReport(result: ContainerFixture.result(), style: .color, width: 80).render()
        XCTAssertTrue(color.contains("\n\u{1B}[1mcontainer docker 1fce13e5e58e\u{1B}[0m\n"))
        XCTAssertEqual(Self.strippingSGR(color), ScanTextReport(result: ContainerFixture.result(), style: .plain, width: 80).render())
    }

    /// zscan inside a container says so in the summary line, in every format that has one.
    func testScanInsideAContainerSaysSo() {
        let result = ContainerFixture.inside()
        let line = "1 finding (1 error, 0 warnings, 0 info) in 3 processes, 0 sockets in container docker 1fce13e5e58e · 2.0 ms"
        XCTAssertEqual(ReportWording.summaryLine(result), line)
        XCTAssertTrue(
            ScanTextReport(result: result, style: .plain, width: nil).render().hasSuffix("\n" + line + "\nfailing: 1 finding selected by --fail-on\n"))
        XCTAssertTrue(ScanGitHubReport(result: result).render().contains("\nzscan: " + line + "\n"))
        XCTAssertTrue(ScanMarkdownSummary(result: result).render().contains("\n" + line + "\n"))
        var hostile = result
        hostile.host.container = ContainerFixture.unknown
        XCTAssertTrue(ReportWording.summaryLine(hostile).contains(" in container unknown (cgroup " + ContainerFixture.hostilePathShown + ") · "))
        // Its own processes are in that container too: they are grouped under it like any other.
        let text = ScanTextReport(result: result, style: .plain, width: nil).render()
        XCTAssertTrue(text.hasPrefix("container docker 1fce13e5e58e\nerror  zombie  Zombie process (1)\n  pid 40  "), text)
    }

    func testJSONCarriesContainersAndNamespaces() throws {
        let doc = try Self.object(ScanJSONReport(result: ContainerFixture.result()).render())
        let host = try XCTUnwrap(doc["host"] as? [String: Any])
        XCTAssertEqual(host["pid_ns"] as? Int, 4_026_531_836)
        XCTAssertTrue(host["container"] is NSNull)
        let findings = try XCTUnwrap(doc["findings"] as? [[String: Any]])
        func process(_ pid: Int) throws -> [String: Any] {
            try XCTUnwrap(findings.compactMap { $0["process"] as? [String: Any] }.first { $0["pid"] as? Int == pid })
        }
        let uvicorn = try process(4242)
        XCTAssertEqual(uvicorn["pid_ns"] as? Int, 4_026_532_902)
        XCTAssertEqual(uvicorn["ns_pid"] as? Int, 1)
        XCTAssertEqual(uvicorn["ns_init"] as? Bool, true)
        let pod = try XCTUnwrap(uvicorn["container"] as? [String: Any])
        XCTAssertEqual(pod["runtime"] as? String, "kubernetes")
        XCTAssertEqual(pod["id"] as? String, ContainerFixture.kubernetesID)
        XCTAssertEqual(pod["short_id"] as? String, "0c1d2e3f4a5b")
        XCTAssertEqual(pod["pod_uid"] as? String, ContainerFixture.podUID)
        XCTAssertEqual(pod["qos"] as? String, "burstable")
        XCTAssertEqual(pod["label"] as? String, ContainerFixture.kubernetes.label)
        let zombie = try process(4244)
        XCTAssertEqual(zombie["ns_pid"] as? Int, 12)
        XCTAssertEqual(zombie["ns_init"] as? Bool, false)
        XCTAssertEqual((zombie["container"] as? [String: Any])?["id"] as? String, ContainerFixture.dockerID)
        XCTAssertTrue((zombie["container"] as? [String: Any])?["pod_uid"] is NSNull)
        let onHost = try process(4300)
        XCTAssertTrue(onHost["container"] is NSNull && onHost["ns_pid"] is NSNull && onHost["pid_ns"] is NSNull && onHost["ns_init"] is NSNull)
        // A socket's owners and a PID file's process carry theirs; the hostile path exactly, JSON-escaped.
        let socket = try XCTUnwrap(findings.compactMap { $0["socket"] as? [String: Any] }.first { $0["local_port"] as? Int == 3000 })
        let owners = try XCTUnwrap(socket["owners"] as? [[String: Any]])
        XCTAssertEqual(owners.map { ($0["container"] as? [String: Any])?["path"] as? String }, [ContainerFixture.hostilePath, ContainerFixture.hostilePath])
        XCTAssertTrue((owners[0]["container"] as? [String: Any])?["id"] is NSNull)
        let reused = try XCTUnwrap(findings.compactMap { $0["pidfile"] as? [String: Any] }.first { $0["path"] as? String == "/run/app.pid" })
        XCTAssertEqual(((reused["process"] as? [String: Any])?["container"] as? [String: Any])?["short_id"] as? String, "1fce13e5e58e")
        let bytes = ScanJSONReport(result: ContainerFixture.result()).render()
        XCTAssertFalse(bytes.dropLast().contains { $0 < 0x20 }, "the path's newline and ESC are JSON escapes")

        let inside = try Self.object(ScanJSONReport(result: ContainerFixture.inside()).render())
        XCTAssertEqual(((inside["host"] as? [String: Any])?["container"] as? [String: Any])?["label"] as? String, "docker 1fce13e5e58e")
    }

    /// The hostile path stays on its line in text: no raw control, no bidi override, no forged line.
    func testHostileContainerPathNeverBreaksTheText() {
        for verbose in [false, true] {
            let text = ScanTextReport(result: ContainerFixture.result(), style: .plain, width: 60, verbose: verbose).render()
            XCTAssertFalse(text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) || $0 == "\u{202E}" })
            XCTAssertFalse(text.split(separator: "\n").contains { $0.hasPrefix("::error") || $0.hasPrefix("pwned") })
        }
    }
}

/// Runs Python's `jsonschema.validate` on documents against `Tests/Schemas/zscan-report.schema.json`,
/// all in one interpreter (importing jsonschema takes a third of a second).
private struct SchemaValidator {
    static let script = """
        import json, jsonschema, sys
        schema = json.load(open(sys.argv[1]))
        for path in sys.argv[2:]:
            try:
                jsonschema.validate(json.load(open(path)), schema)
                print("valid")
            except jsonschema.ValidationError as e:
                print("invalid: " + e.message.replace("\\n", " "))
        """

    let schema: URL

    init() throws {
        guard Self.python(["-c", "import jsonschema"]).status == 0 else {
            throw XCTSkip("python3 with the jsonschema module is not installed (pip install jsonschema)")
        }
        // Tests/ZScanCoreTests/ScanReportTests.swift → package root → Tests/Schemas.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        schema = root.appendingPathComponent("Tests/Schemas/zscan-report.schema.json")
    }

    /// One verdict per document: `valid` or `invalid: <jsonschema's message>`; a broken schema fails the test.
    func validate(_ documents: [Data]) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (i, document) in documents.enumerated() {
            let file = directory.appendingPathComponent("\(i).json")
            try document.write(to: file)
            paths.append(file.path)
        }
        let run = Self.python(["-c", Self.script, schema.path] + paths)
        XCTAssertEqual(run.status, 0, run.stderr)
        return run.stdout.split(separator: "\n").map(String.init)
    }

    static func python(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return (127, "", "\(error)") }
        // Small outputs: reading one pipe to its end cannot block the other.
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// One scan's worth of findings: every subject kind, every severity, a hostile process name, a rule
/// that found nothing, and the scanner's order deliberately not the report's.
enum ScanReportFixture {
    static let zombie = RuleSummary(id: "zombie", title: "Zombie process", severity: .error, tags: ["zombie"], subject: "process", action: .reap)
    static let devServer = RuleSummary(
        id: "orphaned_dev_server", title: "Orphaned dev server", severity: .error, tags: ["orphan", "dev-server"],
        subject: "process", action: .terminateTree)
    static let stopped = RuleSummary(
        id: "port_held_by_stopped", title: "Port held by a stopped process", severity: .warning, tags: ["port"],
        subject: "socket", action: .terminate)
    static let stale = RuleSummary(id: "stale_pidfile", title: "Stale PID file", severity: .warning, tags: ["pidfile"], subject: "pidfile", action: .removeFile)
    static let unknown = RuleSummary(id: "port_owner_unknown", title: "Port owner unknown", severity: .info, tags: ["port"], subject: "socket", action: .none)
    static let cpu = RuleSummary(id: "cpu_hang", title: "CPU hang", severity: .warning, tags: ["hang"], subject: "process", action: .terminate)
    static let rules = [zombie, devServer, stopped, stale, unknown, cpu]

    static let longCommand = "python3 -m uvicorn app.main:app --host 127.0.0.1 --port 8001 --reload --reload-dir /srv/app/src"
    static let errors = ["pidfiles: cannot read /var/run/x\u{1B}]0;pwned\u{07}.pid: permission denied"]

    static func zombies() -> [Finding] {
        [(4243, "\u{1B}[31mx\ny", 61.0), (4244, "sleep", 45.0)].map { pid, name, age in
            let process = ProcessRecord(
                pid: Int32(pid), ppid: 4000, pgid: 4000, sid: 3900, state: "Z", name: name, cmdline: "",
                startTicks: UInt64(pid) * 2 + 514, age: age)
            return Finding(
                rule: zombie, message: "\(name) (\(pid)) is a zombie; make (4000) has not reaped it",
                hint: "make the parent reap it: kill -CHLD 4000", subject: .process(process))
        }
    }

    static func devServers() -> [Finding] {
        let uvicorn = ProcessRecord(
            pid: 4242, ppid: 1, pgid: 4242, sid: 4000, name: "uvicorn", exe: "/usr/bin/python3.11", cmdline: longCommand,
            cwd: "/srv/app", user: "dev", uid: 1000, startTicks: 8000, age: 130, ports: [8001, 8002], orphaned: true)
        let vite = ProcessRecord(
            pid: 4300, ppid: 1, name: "node", cmdline: "node /srv/web/node_modules/.bin/vite --port 5173", user: "dev",
            uid: 1000, startTicks: 7000, age: 7300, ports: [5173], adopted: true, orphaned: true)
        return [
            Finding(
                rule: devServer, message: "uvicorn (4242) outlived its session; listening on 8001, 8002",
                hint: "stop it with: zscan --cleanup --pattern uvicorn", subject: .process(uvicorn)),
            Finding(
                rule: devServer, message: "node (4300) outlived its session; listening on 5173",
                hint: "stop it with: zscan --cleanup --pattern node", subject: .process(vite)),
        ]
    }

    static func stoppedHolder() -> Finding {
        let socket = SocketRecord(
            proto: .tcp, localAddress: "127.0.0.1", localPort: 3000, state: "LISTEN", inode: 5551,
            uid: 1000, owners: [4250, 4251])
        let owners = [4250, 4251].map {
            ProcessRecord(pid: Int32($0), ppid: 1, state: "T", name: "node", cmdline: "node server.js", startTicks: 6000, age: 900)
        }
        return Finding(
            rule: stopped, message: "port 3000 is held by node (4250), which is stopped",
            hint: "resume it with kill -CONT 4250, or end it", subject: .socket(socket, owners: owners))
    }

    static func unknownOwner() -> Finding {
        let socket = SocketRecord(proto: .tcp6, localAddress: "::", localPort: 9090, state: "LISTEN", inode: 777, ownerKnown: false)
        return Finding(rule: unknown, message: "no visible process holds port 9090", hint: nil, subject: .socket(socket, owners: []))
    }

    static func stalePidfiles() -> [Finding] {
        let sleeper = ProcessRecord(pid: 4245, ppid: 1, name: "sleep", cmdline: "sleep 1000", startTicks: 9100, age: 20)
        let reused = PidFileRecord(path: "/run/app.pid", pid: 4245, alive: true, reused: true, age: 11000, locked: false)
        let dead = PidFileRecord(path: "/tmp/worker.pid", pid: 999, alive: false, age: 400)
        let hint = "remove it with: zscan --cleanup --only stale_pidfile"
        return [
            Finding(rule: stale, message: "/run/app.pid names pid 4245, now another program", hint: hint, subject: .pidfile(reused, process: sleeper)),
            Finding(rule: stale, message: "/tmp/worker.pid names pid 999, which is not running", hint: hint, subject: .pidfile(dead, process: nil)),
        ]
    }

    static func result() -> ScanResult {
        let findings = stalePidfiles() + [unknownOwner()] + zombies() + [stoppedHolder()] + devServers()
        return ScanResult(
            host: HostInfo(hostname: "ci-runner", kernel: "6.1.0-18-amd64", bootTime: 1_700_000_000.5, initPid: 1),
            startedAt: 1_700_003_600.25, durationMs: 12.4,
            scope: ScanScope(
                processes: 312, sockets: 40, pidfiles: 2, sampleSeconds: 1.01, sampledProcesses: 2, baseline: "/tmp/base.json", filters: ["--port 8001"]),
            rules: rules, findings: findings, failing: findings.filter { $0.rule.severity == .error },
            counters: ScanCounters(vanished: 2, fdsUnreadable: 1), errors: errors)
    }

    /// `ScanTextReport(result: result(), style: .plain, width: 80).render()`, checked by eye.
    static let golden = #"""
        error  orphaned_dev_server  Orphaned dev server (2)
          pid 4242  2m     S  :8001,8002  python3 -m uvicorn app.main:app --host 127.0.…
            uvicorn (4242) outlived its session; listening on 8001, 8002
          pid 4300  2h01m  S  :5173       node /srv/web/node_modules/.bin/vite --port 5…
            node (4300) outlived its session; listening on 5173
          hint: stop it with: zscan --cleanup --pattern uvicorn
          hint: stop it with: zscan --cleanup --pattern node

        error  zombie  Zombie process (2)
          pid 4243  1m   Z  [\e[31mx\ny]
            \e[31mx\ny (4243) is a zombie; make (4000) has not reaped it
          pid 4244  45s  Z  [sleep]
            sleep (4244) is a zombie; make (4000) has not reaped it
          hint: make the parent reap it: kill -CHLD 4000

        warning  port_held_by_stopped  Port held by a stopped process (1)
          tcp  127.0.0.1:3000  LISTEN  pids 4250, 4251 (node)
            port 3000 is held by node (4250), which is stopped
          hint: resume it with kill -CONT 4250, or end it

        warning  stale_pidfile  Stale PID file (2)
          /run/app.pid     pid 4245  3h03m  reused by another program: sleep 1000
            /run/app.pid names pid 4245, now another program
          /tmp/worker.pid  pid 999   6m     not running
            /tmp/worker.pid names pid 999, which is not running
          hint: remove it with: zscan --cleanup --only stale_pidfile

        info  port_owner_unknown  Port owner unknown (1)
          tcp6  [::]:9090  LISTEN  owner not visible (permission denied)
            no visible process holds port 9090

        warning: pidfiles: cannot read /var/run/x\e]0;pwned\x07.pid: permission denied
        8 findings (4 errors, 3 warnings, 1 info)
          in 312 processes (2 sampled), 40 sockets, 2 PID files · 12 ms
        failing: 4 findings selected by --fail-on

        """#
}

/// Containers for report tests: docker with a full id, a Kubernetes pod's container (pod uid, QoS),
/// and one no runtime is known by whose cgroup path is as hostile as a path can be.
enum ContainerFixture {
    static let dockerID = "1fce13e5e58e4b7a9c0d2e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b"
    static let docker = ContainerInfo(runtime: "docker", id: dockerID, path: "/system.slice/docker-\(dockerID).scope")
    static let kubernetesID = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
    static let podUID = "7d9c5f4e-2b1a-4c3d-9e8f-0a1b2c3d4e5f"
    static let kubernetes = ContainerInfo(
        runtime: "kubernetes", id: kubernetesID, podUID: podUID, qos: "burstable",
        path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7d9c5f4e_2b1a_4c3d_9e8f_0a1b2c3d4e5f.slice/cri-containerd-\(kubernetesID).scope")
    /// A newline and CR (a forged line, a forged workflow command), ESC and CSI (a cleared screen),
    /// a bidi override, and each format's own specials (`:` `,` `%` `|` `"` `<` `&` `\`).
    static let hostilePath = "/machine.slice/x\n::error title=forged::pwned\r\u{1B}[2J\u{9B}\u{202E}:,%|\"</testcase>&\\.scope"
    static let hostilePathShown = #"/machine.slice/x\n::error title=forged::pwned\r\e[2J\x9b\u{202e}:,%|"</testcase>&\.scope"#
    static let unknown = ContainerInfo(runtime: "unknown", id: nil, path: hostilePath)

    /// The finding with its processes (the process, a socket's owners, a PID file's process) in
    /// `container`, under `pidNs`, with the pids `nsPids` gives them there (PID 1 is its init).
    static func placing(_ finding: Finding, in container: ContainerInfo, pidNs: UInt64, nsPids: [Int32: Int32]) -> Finding {
        func place(_ process: ProcessRecord) -> ProcessRecord {
            var p = process
            p.container = container
            p.pidNs = pidNs
            p.nsPid = nsPids[p.pid]
            p.nsInit = p.nsPid.map { $0 == 1 }
            return p
        }
        var finding = finding
        switch finding.subject {
        case .process(let p): finding.subject = .process(place(p))
        case .socket(let s, let owners): finding.subject = .socket(s, owners: owners.map(place))
        case .pidfile(let f, let p): finding.subject = .pidfile(f, process: p.map(place))
        }
        return finding
    }

    /// `ScanReportFixture`'s scan seen from the host, with uvicorn (4242) as PID 1 of a Kubernetes
    /// container, zombie 4244 and the program now behind /run/app.pid in a docker one, and the
    /// stopped holders of port 3000 in the hostile unknown one; the rest on the host.
    static func result() -> ScanResult {
        var result = ScanReportFixture.result()
        result.host.pidNamespace = 4_026_531_836
        result.findings = result.findings.map { finding in
            switch finding.subject {
            case .process(let p) where p.pid == 4242:
                placing(finding, in: kubernetes, pidNs: 4_026_532_902, nsPids: [4242: 1])
            case .process(let p) where p.pid == 4244:
                placing(finding, in: docker, pidNs: 4_026_532_801, nsPids: [4244: 12])
            case .pidfile(_, let p) where p != nil:
                placing(finding, in: docker, pidNs: 4_026_532_801, nsPids: [4245: 13])
            case .socket(_, let owners) where !owners.isEmpty:
                placing(finding, in: unknown, pidNs: 4_026_533_003, nsPids: [4250: 2, 4251: 3])
            default:
                finding
            }
        }
        result.failing = result.findings.filter { $0.rule.severity == .error }
        return result
    }

    /// A scan from inside the docker container: zscan (pid 1 there is its init) sees a zombie of its own container.
    static func inside() -> ScanResult {
        let zombie = placing(ScanReportFixture.zombies()[1], in: docker, pidNs: 4_026_532_801, nsPids: [4244: 40])
        guard case .process(var p) = zombie.subject else { fatalError() }
        p.pid = 40
        var finding = zombie
        finding.subject = .process(p)
        return ScanResult(
            host: HostInfo(hostname: "1fce13e5e58e", kernel: "6.1.0-18-amd64", initPid: 1, pidNamespace: 4_026_532_801, container: docker),
            startedAt: 1_700_003_600, durationMs: 2, scope: ScanScope(processes: 3, sockets: 0), rules: [ScanReportFixture.zombie],
            findings: [finding], failing: [finding])
    }
}
