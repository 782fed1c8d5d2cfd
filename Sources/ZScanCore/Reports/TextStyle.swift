/// Whether text reports are coloured, and the ANSI SGR styling that goes with it (`--color`, `NO_COLOR`, `FORCE_COLOR`, docs/commands.md).
/// With `.plain` every method returns its text unchanged: no escape sequence at all.
public struct TextStyle: Sendable, Equatable {
    public let isColored: Bool

    public static let plain = TextStyle(isColored: false)
    public static let color = TextStyle(isColored: true)

    /// Decides colour from, in this order: `--color always|never`, `NO_COLOR` (any non-empty value:
    /// no colour, https://no-color.org), `FORCE_COLOR` (non-empty and not `0`: colour), `TERM=dumb`
    /// (no colour), else whether the output is a terminal. `auto`, nil or any other flag value defers.
    public static func decide(flag: String?, environment: [String: String], isTTY: Bool) -> TextStyle {
        switch flag {
        case "always": return .color
        case "never": return .plain
        default: break
        }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .plain }
        if let force = environment["FORCE_COLOR"], !force.isEmpty, force != "0" { return .color }
        if environment["TERM"] == "dumb" { return .plain }
        return isTTY ? .color : .plain
    }

    /// Error red bold, warning yellow, info cyan.
    public func severity(_ text: String, _ severity: Severity) -> String {
        switch severity {
        case .error: sgr("1;31", text)
        case .warning: sgr("33", text)
        case .info: sgr("36", text)
        }
    }

    public func bold(_ text: String) -> String { sgr("1", text) }

    /// Secondary text (counts, hints) that the eye may skip.
    public func dim(_ text: String) -> String { sgr("2", text) }

    /// `ESC [ codes m` text `ESC [ 0 m`; empty text stays empty so plain and coloured layouts match.
    private func sgr(_ codes: String, _ text: String) -> String {
        guard isColored, !text.isEmpty else { return text }
        return "\u{1B}[" + codes + "m" + text + "\u{1B}[0m"
    }
}
