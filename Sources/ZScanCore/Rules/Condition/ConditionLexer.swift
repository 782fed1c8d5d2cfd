/// Splits a condition into tokens: strings `'…'` or `"…"`, integers, floats, durations
/// (`500ms 30s 5m 2h 1d`), sizes (`512KB 1MiB 2GB`), names, keywords and operators.
struct ConditionLexer {
    static let durationUnits: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400]
    static let sizeUnits: [String: Int64] = [
        "B": 1, "KB": 1000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
        "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
    ]

    /// `!=` must win over `!`, `<=` over `<`.
    static let symbolsLongestFirst = ConditionToken.Symbol.allCases.sorted { $0.rawValue.count > $1.rawValue.count }

    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static func tokenize(_ text: String) throws(ConditionError) -> [ConditionToken] {
        var lexer = ConditionLexer(text)
        var tokens: [ConditionToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        index + ahead < scalars.count ? scalars[index + ahead] : nil
    }

    private static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }

    private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || (c >= "0" && c <= "9")
    }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return c >= "0" && c <= "9"
    }

    mutating func next() throws(ConditionError) -> ConditionToken {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
        let start = index
        guard let c = peek() else { return ConditionToken(kind: .end, offset: index, length: 0) }
        if c == "'" || c == "\"" { return try string(quote: c) }
        if ConditionLexer.isDigit(c) || (c == "." && ConditionLexer.isDigit(peek(1))) { return try number() }
        if ConditionLexer.isIdentifierStart(c) {
            while let p = peek(), ConditionLexer.isIdentifierPart(p) { index += 1 }
            let word = String(String.UnicodeScalarView(scalars[start..<index]))
            let kind: ConditionToken.Kind = ConditionToken.Keyword(rawValue: word).map { .keyword($0) } ?? .identifier(word)
            return ConditionToken(kind: kind, offset: start, length: index - start)
        }
        for symbol in ConditionLexer.symbolsLongestFirst {
            let spelled = Array(symbol.rawValue.unicodeScalars)
            if index + spelled.count <= scalars.count && Array(scalars[index..<(index + spelled.count)]) == spelled {
                index += spelled.count
                return ConditionToken(kind: .symbol(symbol), offset: start, length: spelled.count)
            }
        }
        if c == "=" { throw ConditionError("'=' is not an operator (use '==')", offset: start) }
        if c == "&" || c == "|" { throw ConditionError("'\(c)' is not an operator (use '\(c)\(c)')", offset: start) }
        throw ConditionError("unexpected character '\(c.escaped(asASCII: true))'", offset: start)
    }

    private mutating func string(quote: Unicode.Scalar) throws(ConditionError) -> ConditionToken {
        let start = index
        index += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw ConditionError("unterminated string", offset: start) }
            index += 1
            if c == quote { break }
            if c == "\\" {
                guard let e = peek() else { throw ConditionError("unterminated string", offset: start) }
                index += 1
                switch e {
                case "\\", "'", "\"": value.append(e)
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                default: throw ConditionError("invalid escape '\\\(e)' (use \\\\ \\' \\\" \\n \\t \\r)", offset: index - 2, length: 2)
                }
                continue
            }
            value.append(c)
        }
        return ConditionToken(kind: .string(String(value)), offset: start, length: index - start)
    }

    private mutating func number() throws(ConditionError) -> ConditionToken {
        let start = index
        while ConditionLexer.isDigit(peek()) { index += 1 }
        var isFloat = false
        if peek() == ".", ConditionLexer.isDigit(peek(1)) {
            isFloat = true
            index += 1
            while ConditionLexer.isDigit(peek()) { index += 1 }
        }
        let digits = String(String.UnicodeScalarView(scalars[start..<index]))
        let unitStart = index
        while let p = peek(), ConditionLexer.isIdentifierPart(p) { index += 1 }
        let unit = String(String.UnicodeScalarView(scalars[unitStart..<index]))
        let length = index - start
        guard let value = Double(digits) else { throw ConditionError("invalid number '\(digits)'", offset: start, length: length) }
        if unit.isEmpty {
            if isFloat { return ConditionToken(kind: .float(value), offset: start, length: length) }
            guard let integer = Int64(digits) else { throw ConditionError("integer '\(digits)' is too large", offset: start, length: length) }
            return ConditionToken(kind: .integer(integer), offset: start, length: length)
        }
        if let seconds = ConditionLexer.durationUnits[unit] {
            return ConditionToken(kind: .duration(value * seconds), offset: start, length: length)
        }
        if let multiplier = ConditionLexer.sizeUnits[unit] {
            let bytes = value * Double(multiplier)
            guard bytes < 9e18 else { throw ConditionError("size is too large", offset: start, length: length) }
            return ConditionToken(kind: .bytes(Int64(bytes)), offset: start, length: length)
        }
        let units = (ConditionLexer.durationUnits.keys.sorted() + ConditionLexer.sizeUnits.keys.sorted())
        throw ConditionError(
            "unknown unit '\(unit)'\(Suggestion.hint(for: unit, in: units)) (durations: ms s m h d; sizes: B KB MB GB KiB MiB GiB)",
            offset: unitStart, length: index - unitStart)
    }
}
