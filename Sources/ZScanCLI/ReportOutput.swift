import Glibc
import ZScanCore

/// The report formats, and writing them: the main report to one stream, `--report` files beside
/// (each replaced atomically, see `Output.writeFile`), and the job summary under GitHub Actions.
enum ReportOutput {
    static let formats = ["text", "json", "junit", "github", "prometheus"]
    static var formatList: String { formats.dropLast().joined(separator: ", ") + " or " + formats.last! }

    /// The format when none is named (no --format, no ZSCAN_FORMAT): GitHub annotations inside a
    /// GitHub Actions job (the runner sets `GITHUB_ACTIONS=true`), text elsewhere.
    static func defaultFormat(_ environment: [String: String]) -> String {
        environment["GITHUB_ACTIONS"] == "true" ? "github" : "text"
    }

    static func render(_ result: ScanResult, format: String, style: TextStyle, width: Int?, verbose: Bool) -> [UInt8] {
        switch format {
        case "json": ScanJSONReport(result: result, pretty: false).render()
        case "junit": Array(ScanJUnitReport(result: result).render().utf8)
        case "github": Array(ScanGitHubReport(result: result).render().utf8)
        case "prometheus": Array(ScanPrometheusReport(result: result).render().utf8)
        default: Array(ScanTextReport(result: result, style: style, width: width, verbose: verbose).render().utf8)
        }
    }

    /// Writes every `--report` file, then (unless `-q`) the main report to `fd`, styled for it; with
    /// the github format (main or a file) also appends the Markdown summary to `$GITHUB_STEP_SUMMARY`.
    static func emit(_ result: ScanResult, options: ScanOptions, to fd: Int32) throws(CLIError) {
        for report in options.reports {
            try Output.writeFile(report.path, render(result, format: report.format, style: .plain, width: nil, verbose: options.verbose))
        }
        let github = (options.format == "github" && !options.quiet) || options.reports.contains { $0.format == "github" }
        if github, let path = options.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            appendStepSummary(result, to: path)
        }
        guard !options.quiet else { return }
        let style = TextStyle.decide(flag: options.arguments.value("color"), environment: options.environment, isTTY: isatty(fd) == 1)
        Output.write(render(result, format: options.format, style: style, width: Output.terminalWidth(fd), verbose: options.verbose), to: fd)
    }

    /// Appends (never truncates: other steps' and tools' sections stay) the summary, after a blank
    /// line so it starts a block even when the file does not end with a newline. A summary that
    /// cannot be written is a warning: the annotations and the exit status still tell the result.
    private static func appendStepSummary(_ result: ScanResult, to path: String) {
        do {
            try Output.appendFile(path, Array(("\n" + ScanMarkdownSummary(result: result).render()).utf8))
        } catch {
            if case .failure(let message, _) = error { Output.err("zscan: warning: GITHUB_STEP_SUMMARY: \(message)\n") }
        }
    }
}
