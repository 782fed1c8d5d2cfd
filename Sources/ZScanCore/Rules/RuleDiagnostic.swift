/// A problem in a rule or config file, at a place in it: rendered as
/// `file:line:col: error: message [code]`, the source line and a caret.
public struct RuleDiagnostic: Sendable, Equatable {
    public enum Level: String, Sendable { case error, warning }

    public var file: String
    public var location: SourceLocation
    public var code: DiagnosticCode
    public var level: Level
    public var message: String

    /// The level is the code's: an error stops the load, a warning can be silenced.
    public init(file: String, location: SourceLocation, code: DiagnosticCode, message: String) {
        self.file = file
        self.location = location
        self.code = code
        self.level = code.defaultLevel
        self.message = message
    }

    /// The compiler-style text, with the line from `source`.
    public func rendered(source: [UInt8]) -> String {
        SourceDiagnostic.render(file: file, source: source, location: location, severity: level.rawValue, message: message, code: code.rawValue)
    }
}

/// Rule files that could not be loaded: every error found (one per rule at most), in file order.
public struct RuleLoadError: Error, Sendable {
    public var diagnostics: [RuleDiagnostic]
    /// The files' text by name, to render the diagnostics with their source lines.
    public var sources: [String: [UInt8]]

    public var rendered: String {
        diagnostics.map { $0.rendered(source: sources[$0.file] ?? []) }.joined()
    }
}
