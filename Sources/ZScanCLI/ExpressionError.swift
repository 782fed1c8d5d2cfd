import ZScanCore

/// An expression given on the command line, with a caret under the problem.
enum ExpressionError {
    static func render(option: String, text: String, error: ConditionError) -> String {
        let shown = TerminalText.escape(text)
        let column = String(text.unicodeScalars.prefix(error.offset)).count
        return "Error: \(option): \(error.message)\n    \(shown)\n    \(String(repeating: " ", count: column))^\n"
    }
}
