/// How a report is laid out for where it goes. Only the text report styles, cuts and adds verbose
/// lines; only JSON indents. A file or a pipe gets `plain`.
public struct ReportLayout: Sendable {
    public var style: TextStyle
    /// Terminal columns to cut long lines at (nil: never cut).
    public var width: Int?
    public var verbose: Bool
    /// Indented JSON, so a change reads as a diff.
    public var pretty: Bool

    public init(style: TextStyle = .plain, width: Int? = nil, verbose: Bool = false, pretty: Bool = false) {
        self.style = style
        self.width = width
        self.verbose = verbose
        self.pretty = pretty
    }

    public static let plain = ReportLayout()
}
