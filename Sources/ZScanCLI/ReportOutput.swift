import Glibc
import ZScanCore

/// Writing the reports of `ScanReporters.all`: the main report to one stream, `--report` files
/// beside (each replaced atomically, see `Output.writeFile`), and the job summary under GitHub Actions.
enum ReportOutput {
    /// The format when none is named (no --format, no ZSCAN_FORMAT): GitHub annotations inside a
    /// GitHub Actions job (the runner sets `GITHUB_ACTIONS=true`), text elsewhere.
    static func defaultFormat(_ environment: [String: String]) -> String {
        environment["GITHUB_ACTIONS"] == "true" ? "github" : "text"
    }

    /// The report in `format`, a name `ScanSettings` has checked against `ScanReporters`.
    static func render(_ result: ScanResult, format: String, layout: ReportLayout) -> [UInt8] {
        (ScanReporters.named(format) ?? ScanTextReport.self).render(result, layout: layout)
    }

    /// Writes every `--report` file, then (unless `-q`) the main report to `fd`, styled for it; when
    /// a format written (main or a file) has a step summary (github's Markdown), also appends that
    /// to `$GITHUB_STEP_SUMMARY`.
    static func emit(_ result: ScanResult, options: ScanOptions, to fd: Int32) throws(CLIError) {
        for report in options.reports {
            try Output.writeFile(report.path, render(result, format: report.format, layout: ReportLayout(verbose: options.verbose)))
        }
        let written = (options.quiet ? [] : [options.format]) + options.reports.map(\.format)
        let summary = written.lazy.compactMap { ScanReporters.named($0)?.stepSummary }.first
        if let summary, let path = options.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            appendStepSummary(summary.render(result, layout: .plain), to: path)
        }
        guard !options.quiet else { return }
        let style = TextStyle.decide(flag: options.arguments.value("color"), environment: options.environment, isTTY: isatty(fd) == 1)
        let layout = ReportLayout(style: style, width: Output.terminalWidth(fd, environment: options.environment), verbose: options.verbose)
        Output.write(render(result, format: options.format, layout: layout), to: fd)
    }

    /// Appends (never truncates: other steps' and tools' sections stay) the summary, after a blank
    /// line so it starts a block even when the file does not end with a newline. A summary that
    /// cannot be written is a warning: the annotations and the exit status still tell the result.
    private static func appendStepSummary(_ summary: [UInt8], to path: String) {
        do {
            try Output.appendFile(path, Array("\n".utf8) + summary)
        } catch {
            if case .failure(let message, _) = error { Output.err("zscan: warning: GITHUB_STEP_SUMMARY: \(message)\n") }
        }
    }
}
