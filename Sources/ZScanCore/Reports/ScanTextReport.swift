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
/// A finding whose rule asks where a process came from has its evidence under its message, one
/// dim line each: `    because: parent exited; now init (1)`.
///
/// When some finding is in a container, the rule groups go under a heading per container
/// (`container docker 1fce13e5e58e`, most severe first), then `host`; the summary line says
/// `in container docker 1fce13e5e58e` when zscan itself runs in one.
///
/// The `failing:` line appears only when `--fail-on` selects at least one finding, that is exactly
/// when the scan exits with status 1. Every piece of text that comes from a process, a rule file or
/// the file system goes through `TerminalText.escape`, so no report line can be forged or broken.
public struct ScanTextReport: ScanReporter {
    public static let identifier = "text"
    public static let description = "For people at a terminal: findings grouped by rule, most severe first, coloured and cut to its width."

    public static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8] {
        Array(ScanTextReport(result: result, style: layout.style, width: layout.width, verbose: layout.verbose).render().utf8)
    }

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
        let sections = ReportWording.sections(result.findings)
        for section in sections {
            // Headings only when some finding is in a container: a host's report reads as it always did.
            if sections.count > 1 || section.container != nil {
                let heading = section.container.map { "container " + ReportWording.containerLabel($0) } ?? "host"
                lines.append(style.bold(heading))
            }
            for group in section.groups {
                lines += groupLines(group)
                lines.append("")
            }
        }
        if !result.actions.isEmpty {
            lines.append(ReportWording.cleanupHeading(result, style: style))
            lines += actionLines()
            lines.append("")
        }
        if verbose { lines += verboseLines() }
        for error in result.errors {
            lines.append(style.severity("warning", .warning) + ": " + TerminalText.escape(error))
        }
        lines += summaryLines()
        if let failing = ReportWording.failingLine(result, style: style) { lines.append(failing) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per action: outcome, target, rule, then the steps or the reason.
    private func actionLines() -> [String] {
        let rows = result.actions.map { action in
            var cells = ReportWording.actionCells(action)
            cells[0] = "  " + cells[0]
            return cells
        }
        return Table.render(rows, wrappingAt: width, below: "      ")
    }

    /// The summary line; at a width it does not fit, broken before ` in ` (where no colour is open).
    func summaryLines() -> [String] {
        let line = ReportWording.summaryLine(result, style: style)
        let plain = ReportWording.summaryLine(result)
        guard let width, plain.unicodeScalars.count > width, let cut = line.firstRange(of: " in ") else { return [line] }
        return [String(line[..<cut.lowerBound]), "  " + line[line.index(after: cut.lowerBound)...]]
    }

    /// Header, then rows with their message lines, then each distinct hint once.
    private func groupLines(_ group: ReportWording.Group) -> [String] {
        let rule = group.rule
        var lines = [
            style.severity(rule.severity.rawValue, rule.severity) + "  " + style.bold(TerminalText.escape(rule.id))
                + "  " + TerminalText.escape(rule.title) + " " + style.dim("(\(group.findings.count))")
        ]
        var start = 0
        while start < group.findings.count {
            // A rule has one subject kind; runs of one kind keep the code honest if that ever changes.
            let kind = group.findings[start].subject.kind
            let end = group.findings[start...].firstIndex { $0.subject.kind != kind } ?? group.findings.count
            let run = group.findings[start..<end]
            let rows = Self.droppingEmptyColumns(run.map(ReportWording.cells))
            let rendered = Table.render(rows, lastColumnWidth: width.map { max(1, $0 - 2) })
            for (finding, row) in zip(run, rendered) {
                lines.append("  " + row)
                lines += wrapped(TerminalText.escape(finding.message), indent: "    ")
                // Why zscan believes it, shown by default: a finding about where a process came
                // from is only as good as its evidence.
                for because in ReportWording.becauseLines(finding) {
                    lines += wrapped(because, indent: "    ", continuation: "             ", styled: style.dim)
                }
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
    private func wrapped(
        _ text: String, indent: String, continuation: String? = nil,
        styled: (String) -> String = { $0 }
    ) -> [String] {
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

    /// Verbose lines under a process row: what `ps -o ppid,user,tty` and `/proc/PID/cwd` would add.
    func details(_ finding: Finding) -> [String] {
        switch finding.subject {
        case .process(let p):
            var parts = ["ppid \(p.ppid)"]
            if let user = p.user ?? p.uid.map(String.init) { parts.append("user " + TerminalText.escape(user)) }
            if let tty = p.tty { parts.append("tty " + TerminalText.escape(tty)) }
            if let cwd = p.cwd { parts.append("cwd " + TerminalText.escape(cwd)) }
            // The pid `ps` shows inside its container, when that is another one.
            if let nsPid = p.nsPid, nsPid != p.pid { parts.append("ns_pid \(nsPid)") }
            return [parts.joined(separator: "  ")]
        case .socket(let s, _):
            return ["inode \(s.inode)  uid \(s.uid)"]
        case .pidfile:
            return []
        }
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
            lines.append(
                style.dim("time: collecting \(ReportWording.milliseconds(collect)), evaluating rules \(ReportWording.milliseconds(result.evaluationMs))"))
        }
        return lines
    }
}
