/// A syntax error in a JSON5 document: what is wrong (lowercase, specific) and where.
public struct JSON5Error: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation
    /// `json5_syntax`, or `file_too_large` for a document refused before reading.
    public var code: DiagnosticCode

    public init(message: String, location: SourceLocation, code: DiagnosticCode = .json5Syntax) {
        self.message = message
        self.location = location
        self.code = code
    }

    /// `line:col: message`; `SourceDiagnostic.render` adds the file name, the line and a caret.
    public var description: String { "\(location.line):\(location.column): \(message)" }
}
