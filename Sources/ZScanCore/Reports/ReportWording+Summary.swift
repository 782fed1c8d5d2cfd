/// The cleanup and summary lines every format that writes for people shares (text, GitHub, JUnit,
/// Markdown), so they count and spell alike.
extension ReportWording {
    /// An action's outcome, target, rule and its steps or reason, escaped.
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

    /// `cleanup:`, or `cleanup (dry run: nothing was signalled):` over a plan.
    static func cleanupHeading(_ result: ScanResult, style: TextStyle = .plain) -> String {
        style.bold("cleanup") + (result.dryRun ? " (dry run: nothing was signalled)" : "") + ":"
    }

    /// `7 findings (3 errors, 3 warnings, 1 info) in 312 processes (2 sampled), 40 sockets, 2 PID
    /// files · 12 ms`, or `no findings in …`; how many processes a sampling rule could match (and so
    /// were sampled) when such a rule ran, PID files only when some were checked; `… in container
    /// docker 1fce13e5e58e · 12 ms` when zscan itself runs in one (it then sees that container's
    /// processes, unless it shares the host's PID namespace).
    static func summaryLine(_ result: ScanResult, style: TextStyle = .plain) -> String {
        let scope = result.scope
        var seen = count(scope.processes, "process", "processes")
        if let sampled = scope.sampledProcesses { seen += " (\(sampled) sampled)" }
        seen += ", " + count(scope.sockets, "socket", "sockets")
        if scope.pidfiles > 0 { seen += ", " + count(scope.pidfiles, "PID file", "PID files") }
        if let container = result.host.container { seen += " in container " + containerLabel(container) }
        let tail = " in " + seen + " · " + milliseconds(result.durationMs)
        if result.findings.isEmpty { return "no findings" + tail }
        func tally(_ severity: Severity, _ singular: String, _ plural: String) -> String {
            let n = result.findings.count(where: { $0.rule.severity == severity })
            let text = count(n, singular, plural)
            return n > 0 ? style.severity(text, severity) : text
        }
        return count(result.findings.count, "finding", "findings") + " ("
            + tally(.error, "error", "errors") + ", " + tally(.warning, "warning", "warnings") + ", "
            + tally(.info, "info", "info") + ")" + tail
    }

    /// `failing: 4 findings selected by --fail-on`, or nil when the scan does not fail (exit status 0).
    static func failingLine(_ result: ScanResult, style: TextStyle = .plain) -> String? {
        if result.failing.isEmpty { return nil }
        return style.severity("failing", .error) + ": " + count(result.failing.count, "finding", "findings") + " selected by --fail-on"
    }
}
