/// The scan's text report (`--format text`, the default): findings grouped by rule, most severe
/// first, each a compact `ps`-like row cut to the terminal width with the rule's message under it.
///
///     error  zombie  Zombie process (2)
///       pid 4243  1m   Z  [sleep]
///         sleep (4243) is a zombie; make (4000) has not reaped it
///       pid 4244  45s  Z  [sleep]
///         sleep (4244) is a zombie; make (4000) has not reaped it
///       hint: make the parent reap it: kill -CHLD 4000
///
///     warning: <each of result.errors>
///     2 findings (2 errors, 0 warnings, 0 info) in 312 processes, 40 sockets · 12 ms
///     failing: 2 findings selected by --fail-on
///
/// The `failing:` line appears only when `--fail-on` selects at least one finding, that is exactly
/// when the scan exits with status 1. Every piece of text that comes from a process, a rule file or
/// the file system goes through `TerminalText.escape`, so no report line can be forged or broken.
public struct ScanTextReport {
    public let result: ScanResult
    public let style: TextStyle
    /// Terminal columns: command lines and other last columns are cut to fit (nil: never cut).
    public let width: Int?
    /// Adds ppid, user, tty and cwd under process rows, rules that found nothing, and what was not seen.
    public let verbose: Bool

    public init(result: ScanResult, style: TextStyle, width: Int?, verbose: Bool = false) {
        self.result = result
        self.style = style
        self.width = width
        self.verbose = verbose
    }

    public func render() -> String {
        var lines: [String] = []
        for group in groups() {
            lines += groupLines(group)
            lines.append("")
        }
        if !result.actions.isEmpty {
            lines.append(cleanupHeading())
            lines += actionLines()
            lines.append("")
        }
        if verbose { lines += verboseLines() }
        for error in result.errors {
            lines.append(style.severity("warning", .warning) + ": " + TerminalText.escape(error))
        }
        lines += summaryLines()
        if let failing = failingLine() { lines.append(failing) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `cleanup:`, or `cleanup (dry run: nothing was signalled):` over a plan.
    func cleanupHeading() -> String {
        style.bold("cleanup") + (result.dryRun ? " (dry run: nothing was signalled)" : "") + ":"
    }

    /// `failing: 4 findings selected by --fail-on`, or nil when the scan does not fail.
    func failingLine() -> String? {
        if result.failing.isEmpty { return nil }
        return style.severity("failing", .error) + ": " + ReportWording.count(result.failing.count, "finding", "findings") + " selected by --fail-on"
    }

    /// One line per action: outcome, target, rule, then the steps or the reason.
    private func actionLines() -> [String] {
        let rows = result.actions.map { action in
            var cells = Self.actionCells(action)
            cells[0] = "  " + cells[0]
            return cells
        }
        return Table.render(rows, wrappingAt: width, below: "      ")
    }

    /// An action's outcome, target, rule and its steps or reason, escaped; every format that lists
    /// cleanup uses these cells.
    static func actionCells(_ action: CleanupAction) -> [String] {
        let target = action.process.map { "\(TerminalText.escape(action.name)) (\($0.pid))" } ?? TerminalText.escape(action.path ?? action.name)
        var detail = TerminalText.escape(action.steps.joined(separator: ", "))
        if let reason = action.reason { detail += (detail.isEmpty ? "" : "; ") + TerminalText.escape(reason) }
        return [action.outcome.rawValue, target, TerminalText.escape(action.rule), detail]
    }

    /// The action's cells as one line, for formats without columns.
    static func actionLine(_ action: CleanupAction) -> String {
        actionCells(action).filter { !$0.isEmpty }.joined(separator: "  ")
    }

    /// The summary line; at a width it does not fit, broken before ` in ` (where no colour is open).
    func summaryLines() -> [String] {
        let line = summaryLine()
        let plain = ScanTextReport(result: result, style: .plain, width: nil).summaryLine()
        guard let width, plain.unicodeScalars.count > width, let cut = line.firstRange(of: " in ") else { return [line] }
        return [String(line[..<cut.lowerBound]), "  " + line[line.index(after: cut.lowerBound)...]]
    }

    /// `7 findings (3 errors, 3 warnings, 1 info) in 312 processes, 40 sockets, 2 PID files · 12 ms`,
    /// or `no findings in …`; PID files are counted only when some were checked.
    public func summaryLine() -> String {
        let scope = result.scope
        var seen = ReportWording.count(scope.processes, "process", "processes") + ", "
            + ReportWording.count(scope.sockets, "socket", "sockets")
        if scope.pidfiles > 0 { seen += ", " + ReportWording.count(scope.pidfiles, "PID file", "PID files") }
        let tail = " in " + seen + " · " + ReportWording.milliseconds(result.durationMs)
        if result.findings.isEmpty { return "no findings" + tail }
        func tally(_ severity: Severity, _ singular: String, _ plural: String) -> String {
            let n = result.findings.count(where: { $0.rule.severity == severity })
            let text = ReportWording.count(n, singular, plural)
            return n > 0 ? style.severity(text, severity) : text
        }
        return ReportWording.count(result.findings.count, "finding", "findings") + " ("
            + tally(.error, "error", "errors") + ", " + tally(.warning, "warning", "warnings") + ", "
            + tally(.info, "info", "info") + ")" + tail
    }

    /// The findings of one rule, in the order the scanner produced them.
    struct Group {
        var rule: RuleSummary
        var findings: [Finding]
    }

    /// Groups by rule id, ordered by severity (error first) and then by rule id.
    func groups() -> [Group] { Self.groups(result.findings) }

    /// The same order for any list of findings (GitHub annotations and the Markdown summary use it).
    static func groups(_ findings: [Finding]) -> [Group] {
        var byID: [String: Group] = [:]
        for finding in findings {
            byID[finding.rule.id, default: Group(rule: finding.rule, findings: [])].findings.append(finding)
        }
        return byID.values.sorted {
            $0.rule.severity != $1.rule.severity ? $0.rule.severity > $1.rule.severity : $0.rule.id < $1.rule.id
        }
    }

    /// Header, then rows with their message lines, then each distinct hint once.
    private func groupLines(_ group: Group) -> [String] {
        let rule = group.rule
        var lines = [
            style.severity(rule.severity.rawValue, rule.severity) + "  " + style.bold(TerminalText.escape(rule.id))
                + "  " + TerminalText.escape(rule.title) + " " + style.dim("(\(group.findings.count))"),
        ]
        var start = 0
        while start < group.findings.count {
            // A rule has one subject kind; runs of one kind keep the code honest if that ever changes.
            let kind = group.findings[start].subject.kind
            let end = group.findings[start...].firstIndex { $0.subject.kind != kind } ?? group.findings.count
            let run = group.findings[start..<end]
            let rows = Self.droppingEmptyColumns(run.map(Self.cells))
            let rendered = Table.render(rows, lastColumnWidth: width.map { max(1, $0 - 2) })
            for (finding, row) in zip(run, rendered) {
                lines.append("  " + row)
                lines += wrapped(TerminalText.escape(finding.message), indent: "    ")
                if verbose { lines += details(finding).map { "    " + style.dim($0) } }
            }
            start = end
        }
        var hints: [String] = []
        for hint in group.findings.compactMap(\.hint) where !hints.contains(hint) { hints.append(hint) }
        for hint in hints {
            lines += wrapped("hint: " + TerminalText.escape(hint), indent: "  ", continuation: "        ", styled: style.dim)
        }
        return lines
    }

    /// `text` after `indent`, wrapped at the width (when there is one) with `continuation` before
    /// each further line. Styles go on afterwards, so they never split an escape sequence.
    private func wrapped(_ text: String, indent: String, continuation: String? = nil,
                         styled: (String) -> String = { $0 }) -> [String] {
        guard let width, width - indent.count >= 20 else { return [indent + styled(text)] }
        let next = continuation ?? indent
        let lines = TerminalText.wrap(text, width: width - indent.count)
        guard lines.count > 1 else { return [indent + styled(text)] }
        let rest = TerminalText.wrap(lines.dropFirst().joined(separator: " "), width: max(20, width - next.count))
        return [indent + styled(lines[0])] + rest.map { next + styled($0) }
    }

    /// Removes columns (other than the last) that are empty in every row, such as ports when no
    /// process of the group listens, so no double gap is left.
    static func droppingEmptyColumns(_ rows: [[String]]) -> [[String]] {
        guard let count = rows.first?.count, count > 1 else { return rows }
        let keep = (0..<count).filter { i in i == count - 1 || rows.contains { !$0[i].isEmpty } }
        return rows.map { row in keep.map { row[$0] } }
    }

    /// Verbose only: the rules that ran and found nothing, and what the snapshot could not see.
    private func verboseLines() -> [String] {
        var lines: [String] = []
        let found = Set(result.findings.map(\.rule.id))
        let quiet = result.rules.filter { !found.contains($0.id) }.map { TerminalText.escape($0.id) }
        if !quiet.isEmpty { lines.append(style.dim("no findings: " + quiet.joined(separator: ", "))) }
        let c = result.counters
        var unseen: [String] = []
        if c.vanished > 0 { unseen.append(ReportWording.count(c.vanished, "process vanished", "processes vanished")) }
        if c.denied > 0 { unseen.append(ReportWording.count(c.denied, "field denied", "fields denied")) }
        if c.fdsUnreadable > 0 {
            unseen.append(ReportWording.count(c.fdsUnreadable, "descriptor table unreadable", "descriptor tables unreadable"))
        }
        if !unseen.isEmpty { lines.append(style.dim("not seen: " + unseen.joined(separator: ", "))) }
        if result.evaluationMs > 0 {
            let collect = max(0, result.durationMs - result.evaluationMs)
            lines.append(style.dim("time: collecting \(ReportWording.milliseconds(collect)), evaluating rules \(ReportWording.milliseconds(result.evaluationMs))"))
        }
        return lines
    }
}
