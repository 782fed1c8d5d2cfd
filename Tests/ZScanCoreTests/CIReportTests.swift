import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import ZScanCore

/// The CI formats (JUnit, GitHub annotations and job summary, Prometheus) rendered from results
/// built in code: counts, placement, escaping of hostile text, the annotation cap. Golden files
/// are in `GoldenReportTests`; real runs and the external parsers in `ZScanCLITests.CIFormatTests`.
final class CIReportTests: XCTestCase {
    // MARK: - The list of formats

    func testEveryFormatHasOneLowercaseNameAndSaysWhatItIsFor() {
        let names = ScanReporters.all.map { $0.identifier }
        XCTAssertEqual(Set(names).count, names.count, "two formats share a name: \(names)")
        for reporter in ScanReporters.all {
            XCTAssertNotNil(reporter.identifier.wholeMatch(of: /[a-z][a-z0-9]*/), reporter.identifier)
            XCTAssertFalse(reporter.description.isEmpty, reporter.identifier)
            XCTAssertTrue(ScanReporters.named(reporter.identifier) == reporter, reporter.identifier)
        }
        XCTAssertNil(ScanReporters.named("xml"))
        XCTAssertNil(ScanReporters.named("summary"), "the job summary comes with github, it is not a format")
        // The one place the list is written out: usage-error tests elsewhere interpolate it.
        XCTAssertEqual(ScanReporters.identifierList, "text, json, junit, github or prometheus")
    }

    /// Every report that lists findings for people orders them alike: severity, then rule id.
    func testFormatsForPeopleShareOrderAndWording() {
        let result = GoldenFixture.result()
        let ordered = ReportWording.ordered(result.findings)
        let subjects = ordered.map(ReportWording.subjectLine)
        let summary = ScanMarkdownSummary(result: result).render()
        let junit = ScanJUnitReport(result: result).render()
        var position = summary.startIndex
        for subject in subjects {
            let cell = ReportEscaping.markdownCell(subject)
            guard let found = summary[position...].range(of: cell) else { return XCTFail("summary: \(subject) out of order") }
            position = found.upperBound
            XCTAssertTrue(junit.contains(ReportEscaping.xml(subject)), "junit: \(subject)")
        }
        let summaryLine = ReportWording.summaryLine(result)
        XCTAssertTrue(ScanGitHubReport(result: result).render().contains("\nzscan: " + summaryLine + "\n"))
        XCTAssertTrue(summary.contains(ReportEscaping.markdownCell(summaryLine)))
        XCTAssertTrue(ScanTextReport(result: result, style: .plain, width: nil).render().contains("\n" + summaryLine + "\n"))
    }

    // MARK: - Escaping

    func testXMLEscapingLeavesOnlyXML10Characters() {
        XCTAssertEqual(ReportEscaping.xml(#"a&b<c>"d'"#), "a&amp;b&lt;c&gt;&quot;d&apos;")
        XCTAssertEqual(ReportEscaping.xml("x]]>y"), "x]]&gt;y", "a CDATA end is harmless as escaped text")
        XCTAssertEqual(ReportEscaping.xml("\u{0}\u{1}\u{1B}[31m\t\r\n\u{7F}\u{9B}"), #"\x00\x01\e[31m\t\r\n\x7f\x9b"#)
        XCTAssertEqual(ReportEscaping.xml("\u{FFFE}\u{FFFF}\u{FFFD}é"), "\\u{fffe}\\u{ffff}\u{FFFD}é", "U+FFFD (bad UTF-8) is a legal character")
        XCTAssertEqual(ReportEscaping.xml("plain text"), "plain text")
    }

    func testWorkflowCommandEscapingExactly() {
        XCTAssertEqual(ReportEscaping.workflowData("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b")
        XCTAssertEqual(ReportEscaping.workflowProperty("zscan a:b,c%d\r\n"), "zscan a%3Ab%2Cc%25d%0D%0A")
        XCTAssertEqual(ReportEscaping.workflowData("%0A stays literal"), "%250A stays literal", "an encoded-looking input is not decoded twice")
        XCTAssertEqual(ReportEscaping.workflowData("\u{1B}[31mred\u{7}::warning::x"), #"\e[31mred\x07::warning::x"#)
        XCTAssertEqual(ReportEscaping.workflowProperty("\u{1B}]8;;x\u{9C}"), #"\e]8;;x\x9c"#)
    }

    func testMarkdownCellEscaping() {
        XCTAssertEqual(ReportEscaping.markdownCell("a | b\nc"), #"a \| b\nc"#)
        XCTAssertEqual(
            ReportEscaping.markdownCell("<img src=x> & [x](y) `c` *e* ~s~ \\"),
            #"&lt;img src=x&gt; &amp; \[x\](y) \`c\` \*e\* \~s\~ \\"#)
    }

    func testPrometheusLabelEscaping() {
        XCTAssertEqual(ReportEscaping.prometheusLabel("a\"b\\c\nd"), #"a\"b\\c\nd"#)
        XCTAssertEqual(ReportEscaping.prometheusLabel("\u{1B}x\r"), #"\ex\r"#)
    }

    func testTimestampsAndDecimals() {
        XCTAssertEqual(ReportWording.timestamp(0), "1970-01-01T00:00:00")
        XCTAssertEqual(ReportWording.timestamp(951_782_400), "2000-02-29T00:00:00")
        XCTAssertEqual(ReportWording.timestamp(1_700_003_600.25), "2023-11-14T23:13:20")
        XCTAssertEqual(ReportWording.timestamp(4_102_444_799), "2099-12-31T23:59:59")
        XCTAssertEqual(ReportWording.timestamp(-1), "1969-12-31T23:59:59")
        XCTAssertEqual(ReportWording.seconds(milliseconds: 12.4), "0.012")
        XCTAssertEqual(ReportWording.seconds(milliseconds: 61_234.5), "61.235")
        XCTAssertEqual(ReportWording.decimal(0.0124, places: 6), "0.0124")
        XCTAssertEqual(ReportWording.decimal(1_700_003_600.25, places: 3), "1700003600.25")
        XCTAssertEqual(ReportWording.decimal(3, places: 6), "3")
        XCTAssertEqual(ReportWording.decimal(0.0000004, places: 6), "0")
    }

    // MARK: - JUnit

    func testJUnitOneCasePerRuleUnderItsFirstTag() {
        let suites = ScanJUnitReport(result: GoldenFixture.result()).suites()
        XCTAssertEqual(suites.map(\.tag), ["zombie", "orphan", "port", "pidfile", "hang", "leak"])
        // A rule's case, and beside it one per container with findings of the rule.
        XCTAssertEqual(
            suites.flatMap(\.cases).map(\.name),
            [
                "zombie", "zombie in docker 1fce13e5e58e", "orphaned_dev_server", "port_held_by_stopped",
                "port_held_by_stopped in kubernetes 0c1d2e3f4a5b pod 7d9c5f4e", "port_owner_unknown", "stale_pidfile", "cpu_hang", "leaked_process",
            ])
        XCTAssertFalse(suites.contains { $0.tag == "dev-server" }, "a rule sits under its first tag only")
        // Failing per --fail-on after cleanup: zombie 4244 (in docker) survived, the leak was denied.
        XCTAssertEqual(suites.flatMap(\.cases).filter { !$0.failing.isEmpty }.map(\.name), ["zombie in docker 1fce13e5e58e", "leaked_process"])
        let zombie = suites[0].cases[1]
        XCTAssertEqual(zombie.failing.map(\.subject.kind), ["process"])
        XCTAssertEqual(suites[0].cases[0].failing.count, 0)
        XCTAssertEqual(suites[0].cases[0].passing.count, 1, "the reaped zombie no longer fails")
    }

    func testJUnitCountsAgree() throws {
        let xml = ScanJUnitReport(result: GoldenFixture.result()).render()
        let doc = try XMLDocument(xmlString: xml)
        let root = try XCTUnwrap(doc.rootElement())
        XCTAssertEqual(root.name, "testsuites")
        let suites = root.elements(forName: "testsuite")
        XCTAssertEqual(suites.count, 7, "six tags and the scan's warnings")
        var tests = 0, failures = 0
        for suite in suites {
            let cases = suite.elements(forName: "testcase")
            XCTAssertEqual(Int(suite.attribute(forName: "tests")!.stringValue!), cases.count)
            XCTAssertEqual(Int(suite.attribute(forName: "failures")!.stringValue!), cases.count { !$0.elements(forName: "failure").isEmpty })
            XCTAssertEqual(suite.attribute(forName: "timestamp")?.stringValue, "2023-11-14T23:13:20")
            XCTAssertEqual(suite.attribute(forName: "hostname")?.stringValue, "ci-runner")
            for testCase in cases {
                XCTAssertEqual(testCase.attribute(forName: "classname")?.stringValue, suite.attribute(forName: "name")?.stringValue)
            }
            tests += cases.count
            failures += cases.count { !$0.elements(forName: "failure").isEmpty }
        }
        XCTAssertEqual(root.attribute(forName: "tests")?.stringValue, String(tests))
        XCTAssertEqual(root.attribute(forName: "failures")?.stringValue, String(failures))
        XCTAssertEqual(tests, GoldenFixture.rules.count + 2, "a case per rule, and per container with findings of it (docker's zombie, the pod's port)")
        XCTAssertEqual(failures, 2)
        XCTAssertEqual(root.attribute(forName: "time")?.stringValue, "0.012")
        let warnings = try XCTUnwrap(suites.last)
        XCTAssertEqual(warnings.attribute(forName: "name")?.stringValue, "zscan")
        XCTAssertEqual(warnings.elements(forName: "system-err").first?.stringValue, #"pidfiles: cannot read /var/run/x\e]0;pwned\x07.pid: permission denied"#)
    }

    func testJUnitCarriesHostileTextEscapedAndActionsWithTheirRule() throws {
        let xml = ScanJUnitReport(result: GoldenFixture.result()).render()
        XCTAssertFalse(xml.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0xFFFE || $0.value == 0xFFFF })
        XCTAssertFalse(xml.contains("]]>"))
        let doc = try XMLDocument(xmlString: xml)
        let leak = try XCTUnwrap(try doc.nodes(forXPath: "//testcase[@name='leaked_process']/failure").first as? XMLElement)
        XCTAssertEqual(leak.attribute(forName: "type")?.stringValue, "error")
        XCTAssertEqual(leak.attribute(forName: "message")?.stringValue, GoldenFixture.leakMessageShown)
        let text = try XCTUnwrap(leak.stringValue)
        XCTAssertTrue(text.contains("\n  denied  " + GoldenFixture.hostileNameShown + " (4400)  leaked_process  SIGTERM; operation not permitted"), text)
        let zombieOut = try XCTUnwrap(try doc.nodes(forXPath: "//testcase[@name='zombie']/system-out").first?.stringValue)
        XCTAssertTrue(zombieOut.hasPrefix("not failing the run (resolved by cleanup, or not selected by --fail-on):\n"), zombieOut)
        let info = try XCTUnwrap(try doc.nodes(forXPath: "//testcase[@name='port_owner_unknown']/system-out").first?.stringValue)
        XCTAssertTrue(info.hasPrefix("not selected by --fail-on:\nno visible process holds port 9090\n"), info)
        XCTAssertTrue(try doc.nodes(forXPath: "//testcase[@name='cpu_hang']/*").isEmpty, "a rule that found nothing is a passing, empty case")
    }

    func testJUnitOfAnEmptyScan() {
        let empty = ScanResult(
            host: HostInfo(hostname: "h"), startedAt: 0, durationMs: 0, scope: ScanScope(processes: 0, sockets: 0),
            rules: [], findings: [], failing: [])
        XCTAssertEqual(
            ScanJUnitReport(result: empty).render(),
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="zscan" tests="0" failures="0" errors="0" time="0.000">
            </testsuites>

            """)
    }

    // MARK: - GitHub

    func testGitHubAnnotationsBySeverity() {
        let lines = ScanGitHubReport(result: GoldenFixture.result()).render().split(separator: "\n").map(String.init)
        let annotations = lines.filter { $0.hasPrefix("::") }
        XCTAssertEqual(
            annotations.map { $0.prefix { $0 != " " } },
            [
                "::error", "::error", "::error", "::error", "::error",
                "::warning", "::warning", "::warning", "::notice",
            ])
        XCTAssertTrue(
            annotations.contains(
                "::notice title=zscan port_owner_unknown::no visible process holds port 9090%0Atcp6  [::]:9090  LISTEN  owner not visible (permission denied)"))
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("::") || $0.hasPrefix("zscan") || $0.hasPrefix("  ") }, lines.joined(separator: "\n"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("::notice title=zscan::") }, "nothing hidden: no overflow notice")
    }

    func testGitHubCapsEachSeverityAndCountsTheRest() {
        func render(errors: Int, warnings: Int, infos: Int) -> [String] {
            var findings: [Finding] = []
            for (rule, count) in [(GoldenFixture.leaked, errors), (ScanReportFixture.cpu, warnings), (ScanReportFixture.unknown, infos)] {
                for i in 0..<count {
                    let process = ProcessRecord(pid: Int32(5000 + findings.count), ppid: 1, name: "p\(i)", startTicks: 1)
                    findings.append(Finding(rule: rule, message: "finding \(i)", hint: nil, subject: .process(process)))
                }
            }
            let result = ScanResult(
                host: HostInfo(), startedAt: 0, durationMs: 1, scope: ScanScope(processes: 1, sockets: 0),
                rules: GoldenFixture.rules, findings: findings, failing: findings)
            return ScanGitHubReport(result: result).render().split(separator: "\n").map(String.init)
        }
        func count(_ lines: [String], _ prefix: String) -> Int { lines.count { $0.hasPrefix(prefix) } }

        let many = render(errors: 25, warnings: 12, infos: 3)
        XCTAssertEqual(count(many, "::error "), 10)
        XCTAssertEqual(count(many, "::warning "), 10)
        XCTAssertEqual(count(many, "::notice title=zscan port_owner_unknown::"), 3)
        XCTAssertEqual(
            many.filter { $0.hasPrefix("::") }.last,
            "::notice title=zscan::17 more findings not shown as annotations (see the job summary / report)")
        XCTAssertEqual(count(many, "::notice"), 4)
        XCTAssertEqual(many.last, "zscan: failing: 40 findings selected by --fail-on")

        // Eleven notices: nine fit beside the one that counts the rest.
        let notices = render(errors: 0, warnings: 0, infos: 11)
        XCTAssertEqual(count(notices, "::notice title=zscan port_owner_unknown::"), 9)
        XCTAssertTrue(notices.contains("::notice title=zscan::2 more findings not shown as annotations (see the job summary / report)"))
        XCTAssertEqual(count(notices, "::notice"), 10)

        // Exactly at the limit: everything shown, no extra notice.
        let full = render(errors: 10, warnings: 10, infos: 10)
        XCTAssertEqual(count(full, "::"), 30)
        XCTAssertFalse(full.contains { $0.hasPrefix("::notice title=zscan::") })

        let one = render(errors: 11, warnings: 0, infos: 10)
        XCTAssertEqual(count(one, "::notice title=zscan port_owner_unknown::"), 9, "the counting notice needs a slot of its own")
        XCTAssertTrue(one.contains("::notice title=zscan::2 more findings not shown as annotations (see the job summary / report)"))
    }

    func testGitHubHostileFindingStaysOneAnnotation() {
        let output = ScanGitHubReport(result: GoldenFixture.result()).render()
        XCTAssertFalse(output.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) })
        let leak = output.split(separator: "\n").filter { $0.hasPrefix("::error title=zscan leaked_process::") }
        XCTAssertEqual(leak.count, 1)
        XCTAssertEqual(
            String(leak[0]),
            "::error title=zscan leaked_process::"
                + (GoldenFixture.leakMessageShown + " (because: " + GoldenFixture.leakEvidenceShown.joined(separator: "; ") + ")")
                .replacingOccurrences(of: "%", with: "%25")
                + "%0Apid 4400  12s  S  :7000  sh -c echo\\x00\\e[2J]]> & <b>\"q\" 'a' 100%25 a,b:c | d\\r\\nforged\\x9b\\u{fffe}",
            "untrusted CR/LF read \\r\\n as in the text report; the one %0A is zscan's own line break")
        XCTAssertEqual(
            ScanGitHubReport(result: GoldenFixture.result()).annotation(GoldenFixture.leak()).components(separatedBy: "::").count, 3,
            "the message may hold '::' (it is data), but the command is one line")
    }

    // MARK: - Evidence

    /// A finding's evidence reaches every format that writes for people, escaped like its message:
    /// a hostile name in it neither breaks a line nor a document; Prometheus has no place for it.
    func testEvidenceIsShownEscapedInEveryFormatThatExplains() throws {
        let result = GoldenFixture.result()
        let shown = GoldenFixture.leakEvidenceShown
        let text = ScanTextReport(result: result, style: .plain, width: nil).render()
        XCTAssertTrue(text.contains("\n" + shown.map { "    because: " + $0 + "\n" }.joined()), text)
        let color = ScanTextReport(result: result, style: .color, width: nil).render()
        XCTAssertTrue(color.contains("    \u{1B}[2mbecause: parent exited; now init (1)\u{1B}[0m\n"), "dim, like other detail lines")
        XCTAssertFalse(color.contains("\u{1B}[31m]]>"), "the name's own escape sequence is shown, not obeyed")

        let doc = try XMLDocument(xmlString: ScanJUnitReport(result: result).render())
        let leak = try XCTUnwrap(try doc.nodes(forXPath: "//testcase[@name='leaked_process']/failure").first?.stringValue)
        XCTAssertTrue(leak.contains(shown.map { "\n  because: " + $0 }.joined() + "\n"), leak)

        let github = ScanGitHubReport(result: result).render()
        XCTAssertTrue(github.contains(" (because: parent exited; now init (1); session leader \\e[31m]]>\\x01\\r\\n%25|,"), github)
        XCTAssertEqual(github.split(separator: "\n").count { $0.hasPrefix("::error title=zscan leaked_process::") }, 1)

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ScanJSONReport(result: result).render())) as? [String: Any])
        let findings = try XCTUnwrap(json["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.first { $0["rule"] as? String == "leaked_process" }?["evidence"] as? [String], GoldenFixture.leakEvidence)
        XCTAssertTrue(findings.allSatisfy { $0["evidence"] is [Any] }, "every finding has the key, an empty list when it has no evidence")
        let process = try XCTUnwrap(findings.first { $0["rule"] as? String == "leaked_process" }?["process"] as? [String: Any])
        XCTAssertEqual(process["adopted"] as? Bool, true)
        XCTAssertEqual(process["detached"] as? Bool, false)
        XCTAssertEqual(process["job"] as? String, "other")

        let metrics = ScanPrometheusReport(result: result).render()
        XCTAssertFalse(metrics.contains("because") || metrics.contains("session leader"))
    }

    // MARK: - Markdown summary

    /// Unescaped pipes delimit a Markdown row's cells: 4 cells have 5 delimiters.
    static func cellDelimiters(_ row: Substring) -> Int {
        var delimiters = 0, escaped = false
        for c in row {
            if c == "|" && !escaped { delimiters += 1 }
            escaped = c == "\\" && !escaped
        }
        return delimiters
    }

    func testMarkdownSummaryRowsStayInTheirCells() {
        let summary = ScanMarkdownSummary(result: GoldenFixture.result()).render()
        let rows = summary.split(separator: "\n").filter { $0.hasPrefix("| ") }
        XCTAssertEqual(rows.count, 2 + 9 + 2 + 9, "two headers, nine findings, two headers, nine actions")
        for row in rows {
            XCTAssertEqual(Self.cellDelimiters(row), 5, String(row))
        }
        XCTAssertFalse(summary.contains("\u{1B}") || summary.contains("\r") || summary.contains("<b>"))
    }

    // MARK: - Prometheus

    func testPrometheusEverySeriesZerosIncluded() {
        let text = ScanPrometheusReport(result: GoldenFixture.result()).render()
        let lines = Set(text.split(separator: "\n").map(String.init))
        for rule in GoldenFixture.rules {
            let count = GoldenFixture.result().findings.count { $0.rule.id == rule.id && ReportWording.container($0) == nil }
            XCTAssertTrue(
                lines.contains("zscan_findings{rule=\"\(rule.id)\",severity=\"\(rule.severity.rawValue)\",container_id=\"\"} \(count)"), rule.id)
        }
        XCTAssertTrue(lines.contains("zscan_findings{rule=\"cpu_hang\",severity=\"warning\",container_id=\"\"} 0"))
        XCTAssertTrue(lines.contains("zscan_findings{rule=\"zombie\",severity=\"error\",container_id=\"1fce13e5e58e\"} 1"))
        for outcome in ActionOutcome.allCases {
            let n = GoldenFixture.actions.count { $0.outcome == outcome }
            XCTAssertTrue(lines.contains("zscan_cleanup_actions_total{outcome=\"\(outcome.rawValue)\"} \(n)"), outcome.rawValue)
        }
        XCTAssertTrue(lines.contains("zscan_processes 312"))
        XCTAssertTrue(lines.contains("zscan_scan_duration_seconds 0.0124"))
        XCTAssertTrue(lines.contains("zscan_build_info{version=\"\(ToolInfo.version)\"} 1"))
        // Labels are rule, severity, container_id, outcome and version only: never a pid or a command line.
        let labelNames = text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("{") }.flatMap { line in
            line.drop { $0 != "{" }.dropFirst().prefix { $0 != "}" }.split(separator: ",").map { String($0.prefix { $0 != "=" }) }
        }
        XCTAssertEqual(Set(labelNames), ["rule", "severity", "container_id", "outcome", "version"])
        XCTAssertFalse(text.contains("4242") || text.contains("uvicorn"))
        XCTAssertTrue(text.split(separator: "\n").allSatisfy { !$0.hasPrefix("# TYPE") || $0.hasSuffix(" gauge") })
    }

    // MARK: - Containers

    /// A rule's findings in a container are a case of their own, named after the container, beside
    /// the rule's case for the host; each finding is in one case, so the failures still add up.
    func testJUnitNamesTheContainerInTheTestCase() throws {
        let result = ContainerFixture.result()
        let suites = ScanJUnitReport(result: result).suites()
        XCTAssertEqual(
            suites.flatMap(\.cases).map(\.name),
            [
                "zombie", "zombie in docker 1fce13e5e58e", "orphaned_dev_server", "orphaned_dev_server in kubernetes 0c1d2e3f4a5b pod 7d9c5f4e",
                "port_held_by_stopped", "port_held_by_stopped in unknown (cgroup " + ContainerFixture.hostilePathShown + ")", "port_owner_unknown",
                "stale_pidfile", "stale_pidfile in docker 1fce13e5e58e", "cpu_hang",
            ])
        XCTAssertEqual(suites.flatMap(\.cases).reduce(0) { $0 + $1.failing.count + $1.passing.count }, result.findings.count)
        let xml = ScanJUnitReport(result: result).render()
        let doc = try XMLDocument(xmlString: xml)
        let root = try XCTUnwrap(doc.rootElement())
        XCTAssertEqual(root.attribute(forName: "tests")?.stringValue, "10")
        XCTAssertEqual(root.attribute(forName: "failures")?.stringValue, "4")
        let docker = try XCTUnwrap(try doc.nodes(forXPath: "//testcase[@name='zombie in docker 1fce13e5e58e']").first as? XMLElement)
        XCTAssertEqual(docker.attribute(forName: "classname")?.stringValue, "zscan.zombie", "the rule's class: Jenkins lists it beside the host's case")
        let failure = try XCTUnwrap(docker.elements(forName: "failure").first?.stringValue)
        XCTAssertTrue(failure.contains("\n  pid 4244 in docker 1fce13e5e58e  45s  Z  [sleep]\n"), failure)
        let hostZombie = try XCTUnwrap(try doc.nodes(forXPath: "//testcase[@name='zombie']/failure").first?.stringValue)
        XCTAssertFalse(hostZombie.contains("4244"), "the container's zombie is not in the host's case")
        // The hostile path: one attribute, escaped, no control character, valid XML (parsed above).
        let hostile = try XCTUnwrap(
            try doc.nodes(forXPath: "//testcase[starts-with(@name, 'port_held_by_stopped in unknown')]").first as? XMLElement)
        XCTAssertEqual(hostile.attribute(forName: "name")?.stringValue, "port_held_by_stopped in unknown (cgroup " + ContainerFixture.hostilePathShown + ")")
        XCTAssertFalse(xml.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) || $0 == "\u{202E}" })
        XCTAssertFalse(xml.contains("</testcase>&"), "the path's </testcase> is escaped")
    }

    /// Cleanup actions go with the case of the finding they are about.
    func testJUnitPutsActionsInTheirContainersCase() throws {
        let suites = ScanJUnitReport(result: GoldenFixture.result()).suites()
        let zombies = try XCTUnwrap(suites.first { $0.tag == "zombie" }).cases
        XCTAssertEqual(zombies.map(\.name), ["zombie", "zombie in docker 1fce13e5e58e"])
        XCTAssertEqual(zombies.map { $0.actions.map { $0.process!.pid } }, [[4243], [4244]])
        let ports = try XCTUnwrap(suites.first { $0.tag == "port" }).cases
        XCTAssertEqual(ports.map { $0.actions.count }, [0, 2, 0], "the holders' actions are in the pod's case")
    }

    func testGitHubAndMarkdownNameTheContainer() {
        let result = ContainerFixture.result()
        let lines = ScanGitHubReport(result: result).render().split(separator: "\n").map(String.init)
        XCTAssertTrue(
            lines.contains(
                "::error title=zscan zombie in docker 1fce13e5e58e::sleep (4244) is a zombie; make (4000) has not reaped it%0Apid 4244 in docker 1fce13e5e58e  45s  Z  [sleep]"
            ),
            lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("::error title=zscan orphaned_dev_server in kubernetes 0c1d2e3f4a5b pod 7d9c5f4e::uvicorn (4242)") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("::warning title=zscan stale_pidfile in docker 1fce13e5e58e::/run/app.pid names pid 4245") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("::error title=zscan zombie::") }, "a host finding's title is unchanged")
        // The hostile path: still one annotation per finding, its ':' and ',' encoded in the title.
        XCTAssertEqual(lines.count { $0.hasPrefix("::") }, result.findings.count)
        let hostile = lines.first { $0.hasPrefix("::warning title=zscan port_held_by_stopped in unknown ") }!
        // The title ends where zscan ends it: the path's "::" is encoded there (in the data it may stay).
        XCTAssertEqual(
            hostile.dropFirst(2).components(separatedBy: "::").first,
            #"warning title=zscan port_held_by_stopped in unknown (cgroup /machine.slice/x\n%3A%3Aerror title=forged%3A%3Apwned\r\e[2J\x9b\u{202e}%3A%2C%25|"</testcase>&\.scope)"#
        )
        XCTAssertTrue(
            hostile.contains(#"in unknown (cgroup /machine.slice/x\n%3A%3Aerror title=forged%3A%3Apwned\r\e[2J\x9b\u{202e}%3A%2C%25|"</testcase>&\.scope)::"#),
            hostile)
        XCTAssertFalse(lines.contains { $0.hasPrefix("pwned") || $0.hasPrefix("::error title=forged") })

        let summary = ScanMarkdownSummary(result: result).render()
        XCTAssertTrue(summary.contains("| error | zombie | pid 4244 in docker 1fce13e5e58e  45s  Z  \\[sleep\\] | sleep (4244)"), summary)
        let rows = summary.split(separator: "\n").filter { $0.hasPrefix("| ") }
        XCTAssertEqual(rows.count, 2 + result.findings.count)
        for row in rows {
            XCTAssertEqual(Self.cellDelimiters(row), 5, String(row))
        }
    }

    /// `container_id` on `zscan_findings` only: "" for the host on every rule (zeros included), a
    /// container's short id (its runtime when it has none) only where it has findings.
    func testPrometheusLabelsFindingsByContainer() {
        let text = ScanPrometheusReport(result: ContainerFixture.result()).render()
        let findings = text.split(separator: "\n").filter { $0.hasPrefix("zscan_findings{") }.map(String.init)
        XCTAssertEqual(
            findings,
            [
                #"zscan_findings{rule="zombie",severity="error",container_id=""} 1"#,
                #"zscan_findings{rule="zombie",severity="error",container_id="1fce13e5e58e"} 1"#,
                #"zscan_findings{rule="orphaned_dev_server",severity="error",container_id=""} 1"#,
                #"zscan_findings{rule="orphaned_dev_server",severity="error",container_id="0c1d2e3f4a5b"} 1"#,
                #"zscan_findings{rule="port_held_by_stopped",severity="warning",container_id=""} 0"#,
                #"zscan_findings{rule="port_held_by_stopped",severity="warning",container_id="unknown"} 1"#,
                #"zscan_findings{rule="stale_pidfile",severity="warning",container_id=""} 1"#,
                #"zscan_findings{rule="stale_pidfile",severity="warning",container_id="1fce13e5e58e"} 1"#,
                #"zscan_findings{rule="port_owner_unknown",severity="info",container_id=""} 1"#,
                #"zscan_findings{rule="cpu_hang",severity="warning",container_id=""} 0"#,
            ])
        XCTAssertEqual(text.split(separator: "\n").count { $0.contains("container_id") }, findings.count, "no other series has it")
        XCTAssertFalse(text.contains("machine.slice") || text.contains("pwned"), "never a path")
        XCTAssertTrue(text.contains("\nzscan_failing_findings 4\n"))
    }

    func testDryRunIsSaidInEveryFormatThatListsCleanup() {
        var result = GoldenFixture.result()
        result.dryRun = true
        result.actions = result.actions.map {
            var a = $0; a.outcome = .planned; a.reason = nil; return a
        }
        XCTAssertTrue(ScanJUnitReport(result: result).render().contains("cleanup (dry run: nothing was signalled):\n  planned  "))
        XCTAssertTrue(ScanGitHubReport(result: result).render().contains("\nzscan cleanup (dry run: nothing was signalled):\n  planned  "))
        XCTAssertTrue(ScanMarkdownSummary(result: result).render().contains("cleanup (dry run: nothing was signalled):\n\n| outcome |"))
        XCTAssertTrue(ScanPrometheusReport(result: result).render().contains("zscan_cleanup_actions_total{outcome=\"planned\"} 9\n"))
    }
}

/// `ScanReportFixture`'s scan after a cleanup, plus a leaked process whose name and command line are
/// as hostile as a process can make them: the one result every golden file is rendered from.
enum GoldenFixture {
    static let leaked = RuleSummary(
        id: "leaked_process", title: "Leaked process", severity: .error, tags: ["leak"], subject: "process", action: .terminateTree)
    static let rules = ScanReportFixture.rules + [leaked]

    /// ESC colour, CDATA end, C0 controls, `%`, `|`, `,`, and U+FFFD where bad UTF-8 was.
    static let hostileName = "\u{1B}[31m]]>\u{1}\r\n%|,\u{FFFD}"
    static let hostileNameShown = #"\e[31m]]>\x01\r\n%|,"# + "\u{FFFD}"
    static let hostileCommand = "sh -c echo\u{0}\u{1B}[2J]]> & <b>\"q\" 'a' 100% a,b:c | d\r\nforged\u{9B}\u{FFFE}"
    static let leakMessage = "\(hostileName) (4400) outlived the test run: \(hostileCommand)"
    static let leakMessageShown =
        #"\e[31m]]>\x01\r\n%|,"# + "\u{FFFD}" + #" (4400) outlived the test run: sh -c echo\x00\e[2J]]> & <b>"q" 'a' 100% a,b:c | d\r\nforged\x9b\u{fffe}"#

    /// Why the leak is one: the hostile name again, as its session leader, so evidence is shown
    /// escaped in every format.
    static let leakEvidence = [
        "parent exited; now init (1)", "session leader \(hostileName) (4390) still running",
        "job cookie RUNNER_TRACKING_ID=github_0c9e1f2a… is not this job's",
    ]
    static let leakEvidenceShown = [
        "parent exited; now init (1)", "session leader \(hostileNameShown) (4390) still running",
        "job cookie RUNNER_TRACKING_ID=github_0c9e1f2a… is not this job's",
    ]

    static func leak() -> Finding {
        var process = ProcessRecord(
            pid: 4400, ppid: 1, pgid: 4400, sid: 4390, state: "S", name: hostileName, cmdline: hostileCommand,
            user: "ci", uid: 1001, startTicks: 9500, age: 12, ports: [7000], adopted: true)
        process.detached = false
        process.job = "other"
        return Finding(
            rule: leaked, message: leakMessage, hint: "end it: zscan --cleanup --only leaked_process", subject: .process(process),
            evidence: leakEvidence)
    }

    static let actions: [CleanupAction] = [
        CleanupAction(
            rule: "orphaned_dev_server", action: .terminateTree, process: ProcessIdentity(pid: 4242, startTicks: 8000),
            name: "uvicorn", cmdline: ScanReportFixture.longCommand, steps: ["SIGTERM", "waited 0.2s"], outcome: .terminated),
        CleanupAction(
            rule: "orphaned_dev_server", action: .terminateTree, process: ProcessIdentity(pid: 4300, startTicks: 7000),
            name: "node", steps: ["SIGTERM", "waited 5s", "SIGKILL"], outcome: .killed),
        CleanupAction(
            rule: "zombie", action: .reap, process: ProcessIdentity(pid: 4243, startTicks: 9000), name: "\u{1B}[31mx\ny",
            steps: ["SIGCHLD to 4000"], outcome: .reaped),
        CleanupAction(
            rule: "zombie", action: .reap, process: ProcessIdentity(pid: 4244, startTicks: 9002), name: "sleep",
            steps: ["SIGCHLD to 4000", "waited 5s"], outcome: .survived, reason: "its parent does not reap it"),
        CleanupAction(
            rule: "port_held_by_stopped", action: .terminate, process: ProcessIdentity(pid: 4250, startTicks: 6000),
            name: "node", outcome: .alreadyGone, reason: "exited before it was signalled"),
        CleanupAction(
            rule: "port_held_by_stopped", action: .terminate, process: ProcessIdentity(pid: 4251, startTicks: 6000),
            name: "node", outcome: .protected, reason: "protected: cmdline contains 'server.js'"),
        CleanupAction(
            rule: "stale_pidfile", action: .removeFile, process: nil, name: "worker.pid", path: "/tmp/worker.pid",
            steps: ["unlink"], outcome: .removed),
        CleanupAction(
            rule: "orphaned_dev_server", action: .terminateTree, process: ProcessIdentity(pid: 4310, startTicks: 7100),
            name: "python3", cmdline: "python3 -m http.server 8080", outcome: .skipped,
            reason: "detached on purpose (ignores SIGHUP (nohup)); name its rule to end it: --only orphaned_dev_server"),
        CleanupAction(
            rule: "leaked_process", action: .terminateTree, process: ProcessIdentity(pid: 4400, startTicks: 9500),
            name: hostileName, cmdline: hostileCommand, steps: ["SIGTERM"], outcome: .denied, reason: "operation not permitted"),
    ]

    /// Zombie 4244 is in a docker container, the stopped holders of port 3000 in a Kubernetes pod:
    /// the goldens show container sections, objects, case names, titles and labels.
    static func result() -> ScanResult {
        var result = ScanReportFixture.result()
        result.rules = rules
        result.findings = result.findings.map { finding in
            switch finding.subject {
            case .process(let p) where p.pid == 4244:
                return ContainerFixture.placing(finding, in: ContainerFixture.docker, pidNs: 4_026_532_801, nsPids: [4244: 12])
            case .socket:
                return ContainerFixture.placing(finding, in: ContainerFixture.kubernetes, pidNs: 4_026_532_902, nsPids: [4250: 1, 4251: 7])
            default:
                return finding
            }
        }
        result.findings.append(leak())
        result.failing = result.findings.filter { finding in
            finding.rule.severity == .error
                && !actions.contains { action in
                    guard action.outcome.resolves, action.rule == finding.rule.id, case .process(let p) = finding.subject else { return false }
                    return action.process == p.identity
                }
        }
        result.actions = actions
        return result
    }
}
