/// One value of a JSON5 document together with where it was written, so the rule loader and the
/// expression parser can point at the exact file line and column of anything they reject.
public struct JSON5Node: Sendable, Equatable {
    /// The value itself. Numbers written as integers that fit in 64 bits are `.integer`; all others
    /// (fractions, exponents, `Infinity`, `NaN`, out-of-range integers, `-0`) are `.number`.
    public enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case integer(Int64)
        case string(String)
        case array([JSON5Node])
        /// Members in source order; duplicate keys are kept so the loader can report them.
        case object([JSON5Member])
    }

    public var value: Value
    /// The first character of the value (the opening quote of a string, the sign of a number).
    public var location: SourceLocation
    /// For strings: the file location of every Unicode scalar of the decoded string, in order
    /// (`count == string.unicodeScalars.count`). A scalar written as an escape is located at its
    /// backslash. Empty for other values. Derived on demand for a string written without escapes.
    public var scalarLocations: [SourceLocation] {
        switch listedLocations {
        case let .some(listed): return listed
        case .none:
            guard case let .string(text) = value else { return [] }
            var out: [SourceLocation] = []
            out.reserveCapacity(text.unicodeScalars.count)
            var offset = location.offset + 1
            for (index, scalar) in text.unicodeScalars.enumerated() {
                out.append(SourceLocation(line: location.line, column: location.column + 1 + index, offset: offset))
                offset += UTF8.width(scalar)
            }
            return out
        }
    }
    /// The scalar locations of a string with escapes or line continuations; nil when they follow
    /// from `location` (a string written as it reads: one scalar per column after the quote).
    /// Rule files are mostly such strings, and a list costs 24 bytes per scalar.
    private var listedLocations: [SourceLocation]?
    /// Just past the value's last character.
    public var end: SourceLocation

    /// `scalarLocations` nil: a string written without escapes, each scalar one column after the
    /// one before, starting just after the opening quote at `location`.
    public init(value: Value, location: SourceLocation, scalarLocations: [SourceLocation]? = nil, end: SourceLocation) {
        self.value = value
        self.location = location
        self.listedLocations = scalarLocations
        self.end = end
    }

    /// Maps a scalar index inside this string back to the file: indices `0..<count` give that
    /// scalar's location, `count` (just past the last scalar, where "unexpected end" errors
    /// point) gives the closing quote. Out-of-range indices are clamped; non-strings give `location`.
    public func location(ofScalar index: Int) -> SourceLocation {
        guard case .string = value else { return location }
        // Derived lists are built here, for an error message, never while loading.
        let listed = scalarLocations
        if index < 0 { return listed.first ?? closingQuote }
        if index < listed.count { return listed[index] }
        return closingQuote
    }

    /// The closing quote is one byte and one column, always on the line where the string ends.
    private var closingQuote: SourceLocation {
        SourceLocation(line: end.line, column: max(1, end.column - 1), offset: max(0, end.offset - 1))
    }
}

/// One `key: value` member of a JSON5 object, with where its key was written.
public struct JSON5Member: Sendable, Equatable {
    public var key: String
    /// The first character of the key (its opening quote, if quoted).
    public var keyLocation: SourceLocation
    public var value: JSON5Node

    public init(key: String, keyLocation: SourceLocation, value: JSON5Node) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}
