/// The scan as JUnit XML (`--format junit`, docs/formats.md) for CI test-report views, valid against the
/// Jenkins `junit-10.xsd` (`Tests/Schemas/junit-10.xsd`).
///
///     <testsuites name="zscan" tests="6" failures="2" errors="0" time="0.012">
///       <testsuite name="zscan.zombie" tests="1" failures="1" errors="0" skipped="0" time="0.000" timestamp="…" hostname="…">
///         <testcase classname="zscan.zombie" name="zombie" time="0.000">
///           <failure message="2 findings: sleep (4244) is a zombie; …" type="error">…</failure>
///         </testcase>
///       </testsuite>
///     </testsuites>
///
/// - One `<testsuite>` per tag, one `<testcase>` per enabled rule, under its **first** tag only
///   (rules without tags under `untagged`): a rule is one test, so the totals count rules and one
///   finding never shows up as two failed tests. Suites keep the order in which rules name them.
/// - Findings in a container are a case of their own per container, beside the rule's:
///   `name="zombie in docker 1fce13e5e58e"`, same classname. The name, not the classname: Jenkins
///   splits a classname at its last dot into package and class (a label holding a path may have
///   dots), lists failed tests by `classname.name`, and keeps the rule's own case, with its
///   history, for the host.
/// - A rule fails (`<failure type="SEVERITY">`) when `--fail-on` selects at least one of its findings
///   (those in `result.failing`), so the report's failures agree with the exit status. The failure
///   lists the selected findings; findings not selected (an `info` finding under the default
///   `--fail-on error`, or one cleanup resolved) are listed in the test case's `<system-out>`, and a
///   rule with only such findings passes. Each rule's cleanup actions follow its findings.
/// - `errors` and `skipped` are 0: rules that did not run are not in the result. Problems that did
///   not stop the scan go to the `<system-err>` of an extra, test-less suite named `zscan`.
/// - The scan's time is on `<testsuites>`; rules are evaluated together, so suites and cases say 0.
public struct ScanJUnitReport: ScanReporter {
    public static let identifier = "junit"
    public static let description = "For CI test-report views: one test case per rule, failing when --fail-on selects its findings."

    public static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8] {
        Array(ScanJUnitReport(result: result).render().utf8)
    }

    public let result: ScanResult

    public init(result: ScanResult) {
        self.result = result
    }

    /// A rule's test case: the findings `--fail-on` selected and the rest. The rule's own case
    /// holds its findings on the host; each container with findings of the rule has a case of its
    /// own (`container` set).
    struct Case {
        var rule: RuleSummary
        var container: ContainerInfo? = nil
        var failing: [Finding] = []
        var passing: [Finding] = []
        var actions: [CleanupAction] = []

        /// `zombie`, or `zombie in docker 1fce13e5e58e`: the name Jenkins lists a failed test by.
        var name: String {
            rule.id + (container.map { " in " + ReportWording.containerLabel($0) } ?? "")
        }
    }

    struct Suite {
        var tag: String
        var cases: [Case] = []
        var failures: Int { cases.count(where: { !$0.failing.isEmpty }) }
    }

    public func render() -> String {
        let suites = suites()
        let failures = suites.reduce(0) { $0 + $1.failures }
        let tests = suites.reduce(0) { $0 + $1.cases.count }
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            "<testsuites name=\"zscan\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" time=\"\(ReportWording.seconds(milliseconds: result.durationMs))\">",
        ]
        for suite in suites {
            lines.append("  " + suiteTag(name: "zscan." + suite.tag, tests: suite.cases.count, failures: suite.failures) + ">")
            for testCase in suite.cases { lines += caseLines(testCase, classname: "zscan." + suite.tag) }
            lines.append("  </testsuite>")
        }
        if !result.errors.isEmpty {
            lines.append("  " + suiteTag(name: "zscan", tests: 0, failures: 0) + ">")
            lines.append("    <system-err>" + xmlLines(result.errors) + "</system-err>")
            lines.append("  </testsuite>")
        }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rules grouped by their first tag.
    func suites() -> [Suite] {
        let findings = Dictionary(grouping: result.findings, by: \.rule.id)
        let failing = Dictionary(grouping: result.failing, by: \.rule.id)
        var suites: [Suite] = []
        for rule in result.reportedRules {
            // The host's case first and always; a container's in the order of its first finding.
            var cases = [Case(rule: rule)]
            // `failing` keeps the findings' order, so the next failing finding is usually the one.
            let selected = failing[rule.id] ?? []
            var next = 0
            for finding in findings[rule.id] ?? [] {
                let container = ReportWording.container(finding)
                var i = cases.firstIndex { $0.container?.label == container?.label }
                if i == nil {
                    cases.append(Case(rule: rule, container: container))
                    i = cases.count - 1
                }
                if next < selected.count && selected[next] == finding {
                    next += 1
                    cases[i!].failing.append(finding)
                } else if selected.contains(finding) {
                    cases[i!].failing.append(finding)
                } else {
                    cases[i!].passing.append(finding)
                }
            }
            // An action goes with the case of the finding it is about; the host's case keeps the rest.
            for action in result.actions where action.rule == rule.id {
                let i = cases.indices.dropFirst().first { i in (cases[i].failing + cases[i].passing).contains { Self.concerns(action, $0) } }
                cases[i ?? 0].actions.append(action)
            }
            let tag = rule.tags.first ?? "untagged"
            if let i = suites.firstIndex(where: { $0.tag == tag }) {
                suites[i].cases += cases
            } else {
                suites.append(Suite(tag: tag, cases: cases))
            }
        }
        return suites
    }

    /// The action's target is the finding's process, one of its socket's owners or its PID file.
    private static func concerns(_ action: CleanupAction, _ finding: Finding) -> Bool {
        switch finding.subject {
        case .process(let p): action.process == p.identity
        case .socket(_, let owners): owners.contains { action.process == $0.identity }
        case .pidfile(let f, let p): action.path == f.path || (p != nil && action.process == p?.identity)
        }
    }

    private func suiteTag(name: String, tests: Int, failures: Int) -> String {
        "<testsuite name=\"\(ReportEscaping.xml(name))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\" time=\"0.000\""
            + " timestamp=\"\(ReportWording.timestamp(result.startedAt))\" hostname=\"\(ReportEscaping.xml(result.host.hostname))\""
    }

    private func caseLines(_ testCase: Case, classname: String) -> [String] {
        let open = "    <testcase classname=\"\(ReportEscaping.xml(classname))\" name=\"\(ReportEscaping.xml(testCase.name))\" time=\"0.000\""
        let actions = testCase.actions
        if testCase.failing.isEmpty && testCase.passing.isEmpty { return [open + "/>"] }
        var lines = [open + ">"]
        if let first = testCase.failing.first {
            let count = testCase.failing.count
            let message = (count == 1 ? "" : "\(count) findings: ") + first.message
            lines.append(
                "      <failure message=\"\(ReportEscaping.xml(message))\" type=\"\(testCase.rule.severity.rawValue)\">"
                    + xmlLines(details(testCase.failing, actions: actions)) + "</failure>")
        }
        if !testCase.passing.isEmpty {
            let note =
                actions.contains(where: \.outcome.resolves)
                ? "not failing the run (resolved by cleanup, or not selected by --fail-on):" : "not selected by --fail-on:"
            lines.append(
                "      <system-out>" + xmlLines([note] + details(testCase.passing, actions: testCase.failing.isEmpty ? actions : []))
                    + "</system-out>")
        }
        lines.append("    </testcase>")
        return lines
    }

    /// Element text: each line escaped on its own (a newline inside a line is shown as `\n`).
    private func xmlLines(_ lines: [String]) -> String {
        lines.map(ReportEscaping.xml).joined(separator: "\n")
    }

    /// Each finding's message, its subject line and its evidence (`because: …`), the distinct hints, then the cleanup actions.
    private func details(_ findings: [Finding], actions: [CleanupAction]) -> [String] {
        var lines: [String] = []
        for finding in findings {
            lines.append(TerminalText.escape(finding.message))
            lines.append("  " + ReportWording.subjectLine(finding))
            lines += ReportWording.becauseLines(finding).map { "  " + $0 }
        }
        var hints: [String] = []
        for hint in findings.compactMap(\.hint) where !hints.contains(hint) { hints.append(hint) }
        lines += hints.map { "hint: " + TerminalText.escape($0) }
        if !actions.isEmpty {
            lines.append(ReportWording.cleanupHeading(result))
            lines += actions.map { "  " + ReportWording.actionLine($0) }
        }
        return lines
    }
}
