/// The scan as a GitHub-flavoured Markdown section for a job summary (`$GITHUB_STEP_SUMMARY`,
/// appended by the CLI with the `github` format): a heading, a table of findings (severity, rule,
/// process/port, message) most severe first, a table of cleanup actions with their outcomes, the
/// scan's warnings and the summary line. Cells are escaped (`ReportEscaping.markdownCell`) so a
/// process name cannot end a cell, a row or the table, nor add HTML or links. At most `maxRows`
/// findings are listed (GitHub takes 1 MiB of summary per step); a line counts the rest.
public struct ScanMarkdownSummary: ScanReporter {
    public static let identifier = "summary"
    public static let description = "GitHub's job summary beside the github format, not a format of its own."

    public static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8] {
        Array(ScanMarkdownSummary(result: result).render().utf8)
    }

    public static let maxRows = 500

    public let result: ScanResult

    public init(result: ScanResult) {
        self.result = result
    }

    public func render() -> String {
        var lines = ["### zscan", ""]
        let ordered = ReportWording.ordered(result.findings)
        if !ordered.isEmpty {
            lines.append(Self.row(["severity", "rule", "process / port", "message"]))
            lines.append("| --- | --- | --- | --- |")
            for finding in ordered.prefix(Self.maxRows) {
                lines.append(
                    Self.row([
                        finding.rule.severity.rawValue, finding.rule.id, ReportWording.subjectLine(finding), finding.message,
                    ]))
            }
            if ordered.count > Self.maxRows {
                lines += ["", ReportWording.count(ordered.count - Self.maxRows, "more finding", "more findings") + " not listed (see the report)."]
            }
            lines.append("")
        }
        if !result.actions.isEmpty {
            lines += [Self.cell(ReportWording.cleanupHeading(result)), ""]
            lines.append(Self.row(["outcome", "target", "rule", "steps"]))
            lines.append("| --- | --- | --- | --- |")
            lines += result.actions.map { Self.row(ReportWording.actionCells($0)) }
            lines.append("")
        }
        for error in result.errors { lines += ["> **warning:** " + Self.cell(error), ""] }
        lines.append(Self.cell(ReportWording.summaryLine(result)))
        if let failing = ReportWording.failingLine(result) { lines += ["", Self.cell(failing)] }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func row(_ cells: [String]) -> String {
        "| " + cells.map(cell).joined(separator: " | ") + " |"
    }

    private static func cell(_ text: String) -> String { ReportEscaping.markdownCell(text) }
}
