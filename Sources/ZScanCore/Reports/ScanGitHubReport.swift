/// The scan as GitHub Actions workflow commands (`--format github`, docs/formats.md): one annotation per
/// finding, most severe first, then the cleanup actions and the summary as plain log lines.
///
///     ::error title=zscan zombie::sleep (4244) is a zombie; make (4000) has not reaped it%0Apid 4244  45s  Z  [sleep]
///     ::notice title=zscan::3 more findings not shown as annotations (see the job summary / report)
///     zscan cleanup: reaped  sleep (4244)  zombie  SIGCHLD to 4000
///     zscan: 2 findings (2 errors, 0 warnings, 0 info) in 312 processes, 40 sockets · 12 ms
///
/// Severities map to `::error` / `::warning` / `::notice`. GitHub keeps at most 10 annotations of
/// each kind per step and drops the rest silently, so at most `limit` of each are written and one
/// final notice counts the others (the notices then keep a slot for it). Data is escaped per the
/// workflow-command rules (`%`, CR, LF; in properties also `:` and `,`) after control characters
/// are shown escaped, so a process name can neither end an annotation, forge a line in it, nor
/// inject a command.
/// The Markdown table for `$GITHUB_STEP_SUMMARY` is `ScanMarkdownSummary`.
public struct ScanGitHubReport: ScanReporter {
    public static let identifier = "github"
    public static let description = "For GitHub Actions: one annotation per finding, and a job summary."
    public static let stepSummary: (any ScanReporter.Type)? = ScanMarkdownSummary.self

    public static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8] {
        Array(ScanGitHubReport(result: result).render().utf8)
    }

    /// Annotations of one kind that GitHub shows per step.
    public static let limit = 10

    public let result: ScanResult

    public init(result: ScanResult) {
        self.result = result
    }

    public func render() -> String {
        var lines: [String] = []
        let ordered = ReportWording.ordered(result.findings)
        let counts = Dictionary(grouping: ordered, by: \.rule.severity).mapValues(\.count)
        let overflows =
            counts[.error, default: 0] > Self.limit || counts[.warning, default: 0] > Self.limit
            || counts[.info, default: 0] > Self.limit
        var shown: [Severity: Int] = [:]
        var hidden = 0
        for finding in ordered {
            let severity = finding.rule.severity
            let limit = severity == .info && overflows ? Self.limit - 1 : Self.limit
            guard shown[severity, default: 0] < limit else {
                hidden += 1
                continue
            }
            shown[severity, default: 0] += 1
            lines.append(annotation(finding))
        }
        if hidden > 0 {
            lines.append(
                "::notice title=zscan::" + ReportWording.count(hidden, "more finding", "more findings")
                    + " not shown as annotations (see the job summary / report)")
        }
        if !result.actions.isEmpty {
            lines.append("zscan " + ReportWording.cleanupHeading(result))
            lines += result.actions.map { "  " + ReportWording.actionLine($0) }
        }
        lines += result.errors.map { "zscan: warning: " + TerminalText.escape($0) }
        lines.append("zscan: " + ReportWording.summaryLine(result))
        if let failing = ReportWording.failingLine(result) { lines.append("zscan: " + failing) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `::error title=zscan RULE::MESSAGE (because: A; B)%0ASUBJECT`, the title `zscan RULE in
    /// docker 1fce13e5e58e` for a finding in a container (the subject line names it too): the evidence, when there is
    /// some, after the message (an annotation shows its first line most), the subject line (pid, age, state, ports,
    /// command) on the annotation's second line. Untrusted text is first shown escaped as in the
    /// text report (a newline in a process name reads `\n`), so the only line break an annotation
    /// holds is that one; the workflow encoding then makes it `%0A` and `%` `%25`.
    func annotation(_ finding: Finding) -> String {
        let command =
            switch finding.rule.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
        let container = ReportWording.container(finding).map { " in " + ReportWording.containerLabel($0) } ?? ""
        return "::" + command + " title=" + ReportEscaping.workflowProperty("zscan " + finding.rule.id + container) + "::"
            + ReportEscaping.workflowData(
                TerminalText.escape(finding.message) + ReportWording.becauseSuffix(finding) + "\n" + ReportWording.subjectLine(finding))
    }
}
