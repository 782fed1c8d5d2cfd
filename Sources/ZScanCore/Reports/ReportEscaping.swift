/// Each machine format's own special characters, on top of `TerminalText`'s escaping of controls:
/// one table per format, so untrusted text (process names, command lines, rule files) can neither
/// break a document nor carry a raw escape sequence into a CI log.
enum ReportEscaping {
    /// XML 1.0 character data and attribute values (either quote): the five predefined entities.
    /// `TerminalText` has already removed every character XML 1.0 forbids (C0 controls, U+FFFE/U+FFFF).
    static func xml(_ text: String) -> String { escape(text, xmlEntities) }

    /// The data of a GitHub workflow command (`::error::DATA`): `%`, CR and LF percent-encoded, as
    /// the runner decodes them (actions/toolkit `escapeData`); other controls shown escaped.
    static func workflowData(_ text: String) -> String { escape(text, workflowDataCodes) }

    /// A workflow command property (`title=VALUE`): as data, and `:` and `,` too (`escapeProperty`).
    static func workflowProperty(_ text: String) -> String { escape(text, workflowPropertyCodes) }

    /// A GitHub-flavoured Markdown table cell: `|` would end the cell and a newline the table, `<` `>`
    /// `&` would be HTML, `[` `]` a link, `` ` `` `*` `~` formatting, `\` an escape of its own.
    static func markdownCell(_ text: String) -> String { escape(text, markdownCodes) }

    /// A Prometheus label value in the text exposition format: `\`, `"` and LF backslash-escaped.
    static func prometheusLabel(_ text: String) -> String { escape(text, prometheusLabelCodes) }

    private static func escape(_ text: String, _ table: [Unicode.Scalar: String]) -> String {
        TerminalText.escape(text) { table[$0] }
    }

    private static let xmlEntities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;"]
    private static let workflowDataCodes: [Unicode.Scalar: String] = ["%": "%25", "\r": "%0D", "\n": "%0A"]
    private static let workflowPropertyCodes = workflowDataCodes.merging([":": "%3A", ",": "%2C"]) { $1 }
    private static let markdownCodes: [Unicode.Scalar: String] = [
        "\\": "\\\\", "|": "\\|", "[": "\\[", "]": "\\]", "`": "\\`", "*": "\\*", "~": "\\~", "<": "&lt;", ">": "&gt;", "&": "&amp;",
    ]
    private static let prometheusLabelCodes: [Unicode.Scalar: String] = ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"]
}
