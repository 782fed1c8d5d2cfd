/// The scan as a GitHub-flavoured Markdown section for a job summary (`$GITHUB_STEP_SUMMARY`,
/// appended by the CLI with the `github` format): a heading, a table of findings (severity, rule,
/// process/port, message) most severe first, a table of cleanup actions with their outcomes, the
/// scan's warnings and the summary line. Cells are escaped (`ReportEscaping.markdownCell`) so a
/// process name cannot end a cell, a row or the table, nor add HTML or links. At most `maxRows`
/// findings are listed (GitHub takes 1 MiB of summary per step); a line counts the rest.
public struct ScanMarkdownSummary {
    public static let maxRows = 500

    public let result: ScanResult

    public init(result: ScanResult) {
        self.result = result
    }

    public func render() -> String {
        let text = ScanTextReport(result: result, style: .plain, width: nil)
        var lines = ["### zscan", ""]
        let ordered = ScanTextReport.groups(result.findings).flatMap(\.findings)
        if !ordered.isEmpty {
            lines.append(Self.row(["severity", "rule", "process / port", "message"]))
            lines.append("| --- | --- | --- | --- |")
            for finding in ordered.prefix(Self.maxRows) {
                lines.append(Self.row([
                    finding.rule.severity.rawValue, finding.rule.id, ScanTextReport.subjectLine(finding), finding.message,
                ]))
            }
            if ordered.count > Self.maxRows {
                lines += ["", ReportWording.count(ordered.count - Self.maxRows, "more finding", "more findings") + " not listed (see the report)."]
            }
            lines.append("")
        }
        if !result.actions.isEmpty {
            lines += [Self.cell(text.cleanupHeading()), ""]
            lines.append(Self.row(["outcome", "target", "rule", "steps"]))
            lines.append("| --- | --- | --- | --- |")
            lines += result.actions.map { Self.row(ScanTextReport.actionCells($0)) }
            lines.append("")
        }
        for error in result.errors { lines += ["> **warning:** " + Self.cell(error), ""] }
        lines.append(Self.cell(text.summaryLine()))
        if let failing = text.failingLine() { lines += ["", Self.cell(failing)] }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func row(_ cells: [String]) -> String {
        "| " + cells.map(cell).joined(separator: " | ") + " |"
    }

    private static func cell(_ text: String) -> String { ReportEscaping.markdownCell(text) }
}
