/// What a reader of JSON5 values found wrong, and where; the caller adds the file.
public struct JSON5Problem: Error, Sendable, Equatable {
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation

    public init(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) {
        self.code = code
        self.message = message
        self.location = location
    }

    public init(_ error: JSON5Error) {
        self.init(error.code, error.message, at: error.location)
    }

    public func diagnostic(file: String) -> RuleDiagnostic {
        RuleDiagnostic(file: file, location: location, code: code, message: message)
    }
}
