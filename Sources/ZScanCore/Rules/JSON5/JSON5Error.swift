/// A syntax error in a JSON5 document: what is wrong (lowercase, specific) and where.
public struct JSON5Error: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation

    public init(message: String, location: SourceLocation) {
        self.message = message
        self.location = location
    }

    /// `line:col: message`; `SourceDiagnostic.render` adds the file name, the line and a caret.
    public var description: String { "\(location.line):\(location.column): \(message)" }
}
