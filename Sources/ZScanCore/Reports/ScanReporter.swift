/// A report format: its name on the command line, what it is for, and how it renders a scan.
/// `ScanReporters.all` lists every format; the CLI's `--format` and `--report FORMAT=PATH` and the
/// golden, hostile-name and schema tests go by that list, so a new format is one type and one entry.
public protocol ScanReporter: SendableMetatype {
    /// The name `--format` and `--report FORMAT=PATH` take: lowercase, one word.
    static var identifier: String { get }
    /// What the format is for, in one line.
    static var description: String { get }
    /// The report GitHub's job summary (`$GITHUB_STEP_SUMMARY`) gets when this format is written; nil for none.
    static var stepSummary: (any ScanReporter.Type)? { get }
    /// The whole report, ready to write to a stream or a file.
    static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8]
}

extension ScanReporter {
    public static var stepSummary: (any ScanReporter.Type)? { nil }
}
