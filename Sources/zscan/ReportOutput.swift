import Glibc
import ZScanCore

/// The report formats, and writing them: the main report to one stream, `--report` files beside.
enum ReportOutput {
    static let formats = ["text", "json"]
    static var formatList: String { formats.dropLast().joined(separator: ", ") + " or " + formats.last! }

    /// The format when none is named.
    static func defaultFormat(_ environment: [String: String]) -> String { "text" }

    static func render(_ result: ScanResult, format: String, style: TextStyle, width: Int?, verbose: Bool) -> [UInt8] {
        switch format {
        case "json": ScanJSONReport(result: result, pretty: false).render()
        default: Array(ScanTextReport(result: result, style: style, width: width, verbose: verbose).render().utf8)
        }
    }

    /// Writes every `--report` file, then (unless `-q`) the main report to `fd`, styled for it.
    static func emit(_ result: ScanResult, options: ScanOptions, to fd: Int32) throws(CLIError) {
        for report in options.reports {
            try Output.writeFile(report.path, render(result, format: report.format, style: .plain, width: nil, verbose: options.verbose))
        }
        guard !options.quiet else { return }
        let style = TextStyle.decide(flag: options.arguments.value("color"), environment: options.environment, isTTY: isatty(fd) == 1)
        Output.write(render(result, format: options.format, style: style, width: Output.terminalWidth(fd), verbose: options.verbose), to: fd)
    }
}
