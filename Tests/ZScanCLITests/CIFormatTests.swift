import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// The CI formats end to end: real scans of zscan-fixture processes written as JUnit, GitHub
/// annotations and job summary, and Prometheus metrics, then read back the way CI systems read them
/// (xmllint with the Jenkins schema, junitparser, prometheus_client) and compared with what the same
/// scan said in JSON. Hostile process names go through every format.
final class CIFormatTests: XCTestCase {
    /// `ESC[31m ]]> \x01 CR LF % | , \xff`: 15 bytes, the most a comm holds.
    static let hostileNameHex = "1b5b33316d5d5d3e010d0a257c2cff"
    static let hostileNameShown = #"\e[31m]]>\x01\r\n%|,"# + "\u{FFFD}"

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-ci-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// zscan with the environment of this test minus anything that picks a format or a summary.
    func zscan(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ToolResult {
        var environment = neutralEnvironment
        environment.merge(extra) { $1 }
        let result = try runCapturing(Products.path("zscan"), arguments, environment: environment)
        XCTAssertNotEqual(result.status, 2, result.stderr)
        return result
    }

    enum Tool { case xmllint, junitparser, prometheusClient }

    /// Skips the test when a checking tool is missing (.ci/run installs them all).
    func require(_ tool: Tool) throws {
        let (available, install): (Bool, String) =
            switch tool {
            case .xmllint: (ReportTools.xmllint != nil, "apt-get install libxml2-utils")
            case .junitparser: (ReportTools.hasPython("junitparser"), "pip install junitparser")
            case .prometheusClient: (ReportTools.hasPython("prometheus_client"), "pip install prometheus_client")
            }
        if !available { throw XCTSkip("\(tool) is not installed (\(install); .ci/run does)") }
    }

    /// The JUnit case a JSON finding is in: its rule, and ` in LABEL` when its process is in a container.
    static func caseName(_ finding: [String: Any]) -> String {
        let process = finding["process"] as? [String: Any]
        let container = (process?["container"] as? [String: Any])?["label"] as? String
        return (finding["rule"] as! String) + (container.map { " in " + $0 } ?? "")
    }

    static func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    // MARK: - JUnit

    func testJUnitOfARealScanIsValidAndSaysWhatTheScanFound() throws {
        try require(.xmllint)
        try require(.junitparser)
        let fixture = try FixtureProcess(["zombies", "--count", "3", "--name-hex", Self.hostileNameHex])
        defer { fixture.stop() }
        let zombies = fixture.ints("zombies")
        let junit = file("zscan.xml")
        let run = try zscan(["--skip", "hang", "--format", "json", "--report", "junit=\(junit)"])
        XCTAssertEqual(run.status, 1)
        let report = try Self.json(run.stdout)

        XCTAssertNil(try ReportTools.junitSchemaProblems(junit))
        let parsed = try XCTUnwrap(try ReportTools.python(ReportTools.junitScript, [junit]) as? [String: Any])
        let suites = try XCTUnwrap(parsed["suites"] as? [[String: Any]])
        let cases = suites.flatMap { $0["cases"] as! [[String: Any]] }
        let summary = try XCTUnwrap(report["summary"] as? [String: Any])
        let findings = try XCTUnwrap(report["findings"] as? [[String: Any]])
        // One case per rule that ran, each once, and one per container with findings of it (where
        // the tests run in one that zscan sees as such).
        let names = cases.map { $0["name"] as! String }
        XCTAssertEqual(names.filter { !$0.contains(" ") }.sorted(), (summary["rules"] as! [String]).sorted())
        XCTAssertEqual(Set(names.filter { $0.contains(" ") }), Set(findings.map(Self.caseName)).filter { $0.contains(" ") })
        // A case fails exactly when it has a finding --fail-on (default: error) selects.
        let failingCases = Set(findings.filter { $0["severity"] as? String == "error" }.map(Self.caseName))
        let failedCases = Set(cases.filter { !($0["failures"] as! [Any]).isEmpty }.map { $0["name"] as! String })
        XCTAssertEqual(failedCases, failingCases)
        XCTAssertTrue(failedCases.contains { $0.hasPrefix("zombie") })
        XCTAssertEqual(parsed["tests"] as? Int, cases.count)
        XCTAssertEqual(parsed["failures"] as? Int, failedCases.count)
        for suite in suites {
            let suiteCases = suite["cases"] as! [[String: Any]]
            XCTAssertEqual(suite["tests"] as? Int, suiteCases.count)
            XCTAssertEqual(suite["failures"] as? Int, suiteCases.count { !($0["failures"] as! [Any]).isEmpty })
            XCTAssertEqual(suite["errors"] as? Int, 0)
            XCTAssertTrue(suiteCases.allSatisfy { $0["classname"] as? String == suite["name"] as? String })
        }
        // Each finding's rule: its first tag names the case's class; the failure lists our zombies.
        for finding in findings {
            let testCase = try XCTUnwrap(cases.first { $0["name"] as? String == Self.caseName(finding) })
            XCTAssertEqual(testCase["classname"] as? String, "zscan." + ((finding["tags"] as? [String])?.first ?? "untagged"))
        }
        let ours = try XCTUnwrap(findings.first { ($0["process"] as? [String: Any])?["pid"] as? Int == zombies.first.map(Int.init) })
        let zombie = try XCTUnwrap(cases.first { $0["name"] as? String == Self.caseName(ours) })
        let failure = try XCTUnwrap((zombie["failures"] as? [[String: Any]])?.first)
        XCTAssertEqual(failure["type"] as? String, "error")
        let text = try XCTUnwrap(failure["text"] as? String)
        for pid in zombies {
            XCTAssertTrue(text.contains("  pid \(pid) "), text)
            XCTAssertTrue(text.contains(Self.hostileNameShown + " (\(pid)) is a zombie"), text)
        }
        // zombie_parent is a warning: listed in system-out, not failed.
        let parentFinding = try XCTUnwrap(findings.first { $0["rule"] as? String == "zombie_parent" })
        let parent = try XCTUnwrap(cases.first { $0["name"] as? String == Self.caseName(parentFinding) })
        XCTAssertEqual((parent["failures"] as? [Any])?.count, 0)
        XCTAssertTrue((parent["system_out"] as? String)?.contains("(\(fixture.pid))") == true, "\(parent)")
    }

    func testGoldenJUnitFileIsValidAgainstTheJenkinsSchema() throws {
        try require(.xmllint)
        XCTAssertNil(try ReportTools.junitSchemaProblems(Repository.path("Tests/Golden/scan.junit.xml")))
        // The schema is strict enough to matter: a testcase without a name is rejected.
        let broken = file("broken.xml")
        try #"<testsuites><testsuite name="a" tests="1" failures="0" errors="0"><testcase classname="x"/></testsuite></testsuites>"#
            .write(toFile: broken, atomically: true, encoding: .utf8)
        XCTAssertNotNil(try ReportTools.junitSchemaProblems(broken))
    }

    // MARK: - Prometheus

    func testPrometheusOfARealScanParsesToTheScansNumbers() throws {
        try require(.prometheusClient)
        let fixture = try FixtureProcess(["zombies", "--count", "3"])
        defer { fixture.stop() }
        let metrics = file("zscan.prom")
        try "stale\n".write(toFile: metrics, atomically: false, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: metrics)[.systemFileNumber] as? Int
        let run = try zscan(["--skip", "hang", "--format", "json", "--report", "prometheus=\(metrics)"])
        let report = try Self.json(run.stdout)
        let summary = try XCTUnwrap(report["summary"] as? [String: Any])

        // Replaced by rename (a new inode), with no temporary file left beside it.
        let after = try FileManager.default.attributesOfItem(atPath: metrics)[.systemFileNumber] as? Int
        XCTAssertNotEqual(before, after, "written to a temporary file and renamed over the old one")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["zscan.prom"])

        let families = try Self.families(metrics)
        let byRule = try XCTUnwrap(summary["by_rule"] as? [String: Int])
        let findings = try XCTUnwrap(families["zscan_findings"])
        XCTAssertEqual(Set(findings.map { $0.labels["rule"]! }), Set(summary["rules"] as! [String]), "every enabled rule, zeros included")
        // Per rule, the series by container add up to the rule's count; the host's is always there.
        for (rule, count) in byRule {
            XCTAssertEqual(findings.filter { $0.labels["rule"] == rule }.reduce(0) { $0 + $1.value }, Double(count), rule)
            XCTAssertTrue(findings.contains { $0.labels["rule"] == rule && $0.labels["container_id"] == "" }, rule)
        }
        for sample in findings { XCTAssertEqual(Set(sample.labels.keys), ["rule", "severity", "container_id"]) }
        XCTAssertGreaterThanOrEqual(findings.filter { $0.labels["rule"] == "zombie" }.reduce(0) { $0 + $1.value }, 3)
        XCTAssertEqual(findings.first { $0.labels["rule"] == "zombie" }?.labels["severity"], "error")
        XCTAssertEqual(families["zscan_processes"]?.first?.value, Double((report["scope"] as! [String: Any])["processes"] as! Int))
        XCTAssertEqual(families["zscan_failing_findings"]?.first?.value, Double(summary["failing"] as! Int))
        XCTAssertEqual(families["zscan_scan_duration_seconds"]!.first!.value, (report["duration_ms"] as! Double) / 1000, accuracy: 1e-6)
        XCTAssertEqual(families["zscan_last_run_timestamp_seconds"]!.first!.value, report["started_at"] as! Double, accuracy: 0.001)
        let outcomes = try XCTUnwrap(families["zscan_cleanup_actions_total"])
        XCTAssertEqual(outcomes.map { $0.labels["outcome"]! }, ActionOutcome.allCases.map(\.rawValue))
        XCTAssertTrue(outcomes.allSatisfy { $0.value == 0 }, "no cleanup, every outcome 0")
        XCTAssertEqual(families["zscan_build_info"]?.first?.labels, ["version": ToolInfo.version])
        XCTAssertEqual(families["zscan_build_info"]?.first?.value, 1)
    }

    /// Findings in containers, one with a cgroup path as hostile as a path can be: the JUnit stays
    /// valid for Jenkins and names each container's case, prometheus_client reads `container_id`.
    func testContainerFindingsReadBackByJenkinsSchemaJUnitParserAndPrometheusClient() throws {
        try require(.xmllint)
        try require(.junitparser)
        try require(.prometheusClient)
        let rule = RuleSummary(id: "zombie", title: "Zombie process", severity: .error, tags: ["zombie"], subject: "process", action: .reap)
        let docker = ContainerInfo(runtime: "docker", id: String(repeating: "1fce13e5e58e", count: 6).prefix(64).description, path: "/docker/x")
        let hostile = ContainerInfo(runtime: "unknown", id: nil, path: "/x\n]]></failure>\u{1B}[2J\r\u{7}\u{9B}\u{202E}\"'&<,:%")
        let findings = [(4243, nil), (4244, docker), (4245, hostile)].map { (pid: Int, container: ContainerInfo?) in
            var process = ProcessRecord(pid: Int32(pid), ppid: 4000, state: "Z", name: "sleep", startTicks: 1)
            process.container = container
            return Finding(rule: rule, message: "sleep (\(pid)) is a zombie", hint: nil, subject: .process(process))
        }
        let result = ScanResult(
            host: HostInfo(hostname: "h"), startedAt: 1_700_000_000, durationMs: 2, scope: ScanScope(processes: 3, sockets: 0),
            rules: [rule], findings: findings, failing: findings)

        let junit = file("containers.xml")
        try ScanJUnitReport(result: result).render().write(toFile: junit, atomically: true, encoding: .utf8)
        XCTAssertNil(try ReportTools.junitSchemaProblems(junit))
        let parsed = try XCTUnwrap(try ReportTools.python(ReportTools.junitScript, [junit]) as? [String: Any])
        let cases = try XCTUnwrap((parsed["suites"] as? [[String: Any]])?.flatMap { $0["cases"] as! [[String: Any]] })
        XCTAssertEqual(
            cases.map { $0["name"] as? String },
            ["zombie", "zombie in docker 1fce13e5e58e", #"zombie in unknown (cgroup /x\n]]></failure>\e[2J\r\x07\x9b\u{202e}"'&<,:%)"#])
        XCTAssertEqual(parsed["failures"] as? Int, 3)

        let metrics = file("containers.prom")
        try ScanPrometheusReport(result: result).render().write(toFile: metrics, atomically: true, encoding: .utf8)
        let samples = try XCTUnwrap(try Self.families(metrics)["zscan_findings"])
        XCTAssertEqual(samples.map { $0.labels["container_id"] }, ["", "1fce13e5e58e", "unknown"])
        XCTAssertEqual(samples.map(\.value), [1, 1, 1])
    }

    func testPrometheusCountsADryRunsPlannedActions() throws {
        try require(.prometheusClient)
        let fixture = try FixtureProcess(["zombies", "--count", "2"])
        defer { fixture.stop() }
        let metrics = file("zscan.prom")
        // --dry-run plans and signals nothing.
        let run = try zscan(["--only", "zombie", "--where", "ppid == \(fixture.pid)", "--dry-run", "-q", "--report", "prometheus=\(metrics)"])
        XCTAssertEqual(run.stdout, "")
        let outcomes = try XCTUnwrap(try Self.families(metrics)["zscan_cleanup_actions_total"])
        XCTAssertEqual(outcomes.first { $0.labels["outcome"] == "planned" }?.value, 2)
        XCTAssertEqual(outcomes.reduce(0) { $0 + $1.value }, 2)
    }

    func testPrometheusLabelEscapingRoundTrips() throws {
        try require(.prometheusClient)
        // Rule files allow only snake_case ids; a result built in code tries what the format must survive.
        let hostile = "a\"b\\c\nd}e,f=g"
        let rule = RuleSummary(id: hostile, title: "t", severity: .warning, tags: [], subject: "process", action: .none)
        let result = ScanResult(
            host: HostInfo(), startedAt: 1_700_000_000, durationMs: 2, scope: ScanScope(processes: 1, sockets: 0),
            rules: [rule], findings: [], failing: [])
        let metrics = file("hostile.prom")
        try ScanPrometheusReport(result: result).render().write(toFile: metrics, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Self.families(metrics)["zscan_findings"]?.first?.labels, ["rule": hostile, "severity": "warning", "container_id": ""])
        // And the golden file parses too.
        XCTAssertEqual(try Self.families(Repository.path("Tests/Golden/scan.prom"))["zscan_processes"]?.first?.value, 312)
    }

    struct Sample {
        var labels: [String: String]
        var value: Double
    }

    /// Metric families by name as prometheus_client parses them; each must be a gauge with help.
    static func families(_ path: String) throws -> [String: [Sample]] {
        let parsed = try XCTUnwrap(try ReportTools.python(ReportTools.prometheusScript, [path]) as? [[String: Any]])
        var families: [String: [Sample]] = [:]
        for family in parsed {
            let name = family["name"] as! String
            XCTAssertEqual(family["type"] as? String, "gauge", name)
            XCTAssertFalse((family["documentation"] as? String ?? "").isEmpty, name)
            families[name] = (family["samples"] as! [[String: Any]]).map {
                XCTAssertEqual($0["name"] as? String, name)
                return Sample(labels: $0["labels"] as! [String: String], value: ($0["value"] as! NSNumber).doubleValue)
            }
        }
        return families
    }

    // MARK: - GitHub

    func testGitHubCapsAnnotationsAndAppendsTheJobSummary() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "12", "--name-hex", Self.hostileNameHex])
        defer { fixture.stop() }
        let summary = file("summary.md")
        let earlier = "# Earlier step\n\nsomething another step wrote\n"
        try earlier.write(toFile: summary, atomically: true, encoding: .utf8)
        // No --format: GITHUB_ACTIONS=true makes github the default.
        let run = try zscan(
            ["--only", "zombie", "--where", "ppid == \(fixture.pid)"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        XCTAssertEqual(run.status, 1)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let errors = lines.filter { $0.hasPrefix("::error title=zscan zombie::") }
        XCTAssertEqual(errors.count, 10, run.stdout)
        XCTAssertEqual(lines.filter { $0.hasPrefix("::") }.count, 11)
        XCTAssertEqual(
            lines.filter { $0.hasPrefix("::") }.last,
            "::notice title=zscan::2 more findings not shown as annotations (see the job summary / report)")
        for line in errors {
            XCTAssertTrue(line.contains(Self.hostileNameShown.replacingOccurrences(of: "%", with: "%25") + " ("), line)
        }
        XCTAssertTrue(lines.contains("zscan: failing: 12 findings selected by --fail-on"), run.stdout)
        XCTAssertEqual(lines.last, "")
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.hasPrefix("::") || $0.hasPrefix("zscan") }, run.stdout)
        XCTAssertFalse(run.stdout.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) })

        // The summary was appended: what was there stays, the table follows with every finding.
        let written = try String(contentsOfFile: summary, encoding: .utf8)
        XCTAssertTrue(written.hasPrefix(earlier + "\n### zscan\n\n| severity | rule | process / port | message |\n| --- | --- | --- | --- |\n"), written)
        let rows = written.split(separator: "\n").filter { $0.hasPrefix("| error | zombie | ") }
        XCTAssertEqual(rows.count, 12)
        for pid in fixture.ints("zombies") {
            XCTAssertEqual(rows.count { $0.contains("| pid \(pid)  ") }, 1, "\(pid)")
        }
        XCTAssertTrue(rows.allSatisfy { $0.contains(#"\|"#) && !$0.contains("\r") }, "the name's pipe escaped")
        XCTAssertTrue(written.hasSuffix("\nfailing: 12 findings selected by --fail-on\n"), written)

        // A second run appends a second section.
        _ = try zscan(["--only", "zombie", "--where", "ppid == \(fixture.pid)"], environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        let twice = try String(contentsOfFile: summary, encoding: .utf8)
        XCTAssertTrue(twice.hasPrefix(written))
        XCTAssertEqual(twice.components(separatedBy: "### zscan").count, 3)
    }

    func testGitHubIsTheDefaultOnlyInActionsAndWhenNoFormatIsNamed() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "1"])
        defer { fixture.stop() }
        let narrow = ["--only", "zombie", "--where", "ppid == \(fixture.pid)"]
        let summary = file("summary.md")
        let actions = ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary]

        let github = try zscan(narrow, environment: actions)
        XCTAssertTrue(github.stdout.hasPrefix("::error title=zscan zombie::"), github.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary))
        try FileManager.default.removeItem(atPath: summary)

        let text = try zscan(narrow + ["--format", "text"], environment: actions)
        XCTAssertTrue(text.stdout.hasPrefix("error  zombie  Zombie process (1)\n"), text.stdout)
        let json = try zscan(narrow, environment: actions.merging(["ZSCAN_FORMAT": "json"]) { $1 })
        XCTAssertEqual(try Self.json(json.stdout)["format_version"] as? String, ScanJSONReport.formatVersion)
        XCTAssertFalse(FileManager.default.fileExists(atPath: summary), "no github format, no job summary")

        let elsewhere = try zscan(narrow, environment: ["GITHUB_ACTIONS": "false"])
        XCTAssertTrue(elsewhere.stdout.hasPrefix("error  zombie"), elsewhere.stdout)
        let explicit = try zscan(narrow + ["--format", "github"])
        XCTAssertTrue(explicit.stdout.hasPrefix("::error title=zscan zombie::"), "--format github works outside Actions too")
    }

    // MARK: - Every format

    func testEveryFormatByFlagAndByFileAndUnknownOnes() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "1"])
        defer { fixture.stop() }
        let narrow = ["--only", "zombie", "--where", "ppid == \(fixture.pid)"]
        for format in ScanReporters.all.map({ $0.identifier }) {
            let path = file("report.\(format)")
            let run = try zscan(narrow + ["--format", format, "--report", "\(format)=\(path)"])
            XCTAssertEqual(run.status, 1, format)
            XCTAssertFalse(run.stdout.isEmpty, format)
            // A file report is uncoloured and uncut, like a pipe: the same bytes as stdout (the
            // scan time aside, which differs between the two renderings only if the scans do).
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), run.stdout, format)
        }
        let bad = try runCapturing(Products.path("zscan"), ["--report", "xml=\(file("x"))"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("Error: --report takes FORMAT=PATH with FORMAT \(ScanReporters.identifierList), not 'xml="), bad.stderr)
    }

    func testHostileNamesAndCommandLinesInEveryFormat() throws {
        try require(.xmllint)
        let hostileWord = "\u{1B}[2J]]>&<x>\"'%0A|,:\r\nforged\u{1}"
        let fixture = try FixtureProcess(["--argv", "python3 " + hostileWord, "stopped-listener", "--port", "0", "--name-hex", Self.hostileNameHex])
        defer { fixture.stop() }
        let listener = fixture.int("listener")!
        // --where reads command lines, so they are in every report.
        let narrow = [
            "--only", "port_held_by_stopped,stopped_process", "--port", String(fixture.int("port")!),
            "--where", "cmdline contains '\(fixture.marker)'",
        ]
        let json = try Self.json(try zscan(narrow + ["--format", "json"]).stdout)
        let findings = try XCTUnwrap(json["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.map { $0["rule"] as! String }.sorted(), ["port_held_by_stopped", "stopped_process"])
        let process = try XCTUnwrap(findings.first { $0["rule"] as? String == "stopped_process" }?["process"] as? [String: Any])
        XCTAssertEqual(process["pid"] as? Int, Int(listener))
        XCTAssertEqual(process["name"] as? String, "\u{1B}[31m]]>\u{1}\r\n%|,\u{FFFD}", "JSON carries the name exactly (bad UTF-8 as U+FFFD)")
        XCTAssertTrue((process["cmdline"] as? String)?.hasPrefix("python3 " + hostileWord + " ") == true, "\(process)")

        for format in ScanReporters.all.map({ $0.identifier }) {
            let out = try zscan(narrow + ["--format", format, "--color", "always"]).stdout
            let controls = out.unicodeScalars.filter {
                ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) || $0.value == 0xFFFE || $0.value == 0xFFFF
            }
            if format == "text" {
                // Colour adds SGR sequences of zscan's own; the name's own escape is shown, not obeyed.
                XCTAssertTrue(out.contains(#"\e[31m]]>\x01\r\n%|,"#), out)
                XCTAssertTrue(out.contains(#"python3 \e[2J]]>&<x>"'%0A|,:\r\nforged\x01"#), out)
                XCTAssertFalse(out.contains("\u{1B}[2J") || out.contains("\u{1B}[31m]]"))
            } else {
                XCTAssertEqual(controls.count, 0, "\(format): \(out)")
            }
            switch format {
            case "text", "json":
                break  // checked above: text shows the escapes, JSON carries the name exactly
            case "junit":
                let path = file("hostile.xml")
                try out.write(toFile: path, atomically: true, encoding: .utf8)
                XCTAssertNil(try ReportTools.junitSchemaProblems(path))
                XCTAssertTrue(out.contains(#"python3 \e[2J]]&gt;&amp;&lt;x&gt;&quot;&apos;%0A|,:\r\nforged\x01"#), out)
            case "github":
                let lines = out.split(separator: "\n")
                XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("::") || $0.hasPrefix("zscan") }, out)
                XCTAssertEqual(lines.count { $0.hasPrefix("::") }, 2)
                XCTAssertTrue(out.contains(#"python3 \e[2J]]>&<x>"'%250A|,:\r\nforged\x01"#), out)
            case "prometheus":
                XCTAssertFalse(out.contains("forged") || out.contains("]]>"), "no names or command lines in metrics")
                if ReportTools.hasPython("prometheus_client") {
                    let path = file("hostile.prom")
                    try out.write(toFile: path, atomically: true, encoding: .utf8)
                    XCTAssertEqual(try Self.families(path)["zscan_findings"]?.count, 2)
                }
            default:
                XCTFail("no hostile-name check for --format \(format): add one here")
            }
        }
    }
}
