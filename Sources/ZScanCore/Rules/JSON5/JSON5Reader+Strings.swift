/// JSON5 strings: single or double quoted, every ECMAScript escape, line continuations, and the
/// file location of each decoded scalar so errors inside a string map back to the file.
extension JSON5Reader {
    /// Reads a quoted string at the cursor; returns its text and one location per scalar, or nil
    /// locations when the string has no escape or line continuation, so that each scalar's
    /// location follows from the opening quote's (`JSON5Node.scalarLocations` derives them).
    mutating func string() throws(JSON5Error) -> (text: String, locations: [SourceLocation]?) {
        let start = here
        let quote = bytes[index]
        advanceASCII()
        var utf8: [UInt8] = []
        // Stays nil until the first escape; then holds every scalar's location.
        var locations: [SourceLocation]?
        while true {
            guard index < bytes.count else { throw fail("unterminated string", at: start) }
            let byte = bytes[index]
            switch byte {
            case quote:
                advanceASCII()
                return (String(decoding: utf8, as: UTF8.self), locations)
            case 0x0A, 0x0D:
                throw fail("line break inside a string (write \\n, or end the line with a backslash to continue the string)")
            case UInt8(ascii: "\\"):
                if locations == nil {
                    locations = JSON5Node(value: .string(String(decoding: utf8, as: UTF8.self)), location: start, end: here).scalarLocations
                }
                if let scalar = try escape(stringStart: start) {
                    locations?.append(scalar.location)
                    Self.appendUTF8(scalar.value, to: &utf8)
                }
            case 0..<0x80:
                // A run of plain ASCII: copied at once.
                let runStart = index
                repeat {
                    locations?.append(SourceLocation(line: line, column: column, offset: index))
                    index += 1
                    column += 1
                } while index < bytes.count && bytes[index] < 0x80 && bytes[index] != quote
                    && bytes[index] != UInt8(ascii: "\\") && bytes[index] != 0x0A && bytes[index] != 0x0D
                utf8.append(contentsOf: bytes[runStart..<index])
            default:
                guard let decoded = scalar(at: index) else { throw invalidUTF8() }
                locations?.append(here)
                utf8.append(contentsOf: bytes[index..<index + decoded.length])
                index += decoded.length
                column += 1
            }
        }
    }

    /// Reads the escape at the cursor (a backslash). Returns the scalar it stands for and the
    /// backslash's location, or nil for a line continuation.
    private mutating func escape(stringStart: SourceLocation) throws(JSON5Error) -> (value: UInt32, location: SourceLocation)? {
        let location = here
        guard index + 1 < bytes.count else { throw fail("unterminated string", at: stringStart) }
        let escaped = bytes[index + 1]
        let value: UInt32
        switch escaped {
        case 0x0A, 0x0D:
            index += 1
            advanceLineBreak()
            return nil
        case UInt8(ascii: "b"): value = 0x08
        case UInt8(ascii: "f"): value = 0x0C
        case UInt8(ascii: "n"): value = 0x0A
        case UInt8(ascii: "r"): value = 0x0D
        case UInt8(ascii: "t"): value = 0x09
        case UInt8(ascii: "v"): value = 0x0B
        case UInt8(ascii: "0"):
            if let next = peek(2), (0x30...0x39).contains(next) {
                throw fail("invalid escape '\\0\(Character(Unicode.Scalar(next)))' (digits cannot be escaped; use \\x or \\u)")
            }
            value = 0
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            throw fail("invalid escape '\\\(Character(Unicode.Scalar(escaped)))' (digits cannot be escaped; use \\x or \\u)")
        case UInt8(ascii: "x"):
            guard let high = peek(2).flatMap(Self.hexDigit), let low = peek(3).flatMap(Self.hexDigit) else {
                throw fail("invalid escape '\\x' (needs 2 hex digits)")
            }
            advanceASCII(4)
            return (high << 4 | low, location)
        case UInt8(ascii: "u"):
            return (try unicodeEscape(), location)
        case 0..<0x80:
            value = UInt32(escaped)
        default:
            // A backslash before any other character means that character, except before a
            // line or paragraph separator, which continues the line like a line break.
            guard let decoded = scalar(at: index + 1) else { advanceASCII(); throw invalidUTF8() }
            index += 1 + decoded.length
            column += 2
            if decoded.value == 0x2028 || decoded.value == 0x2029 { return nil }
            return (decoded.value, location)
        }
        advanceASCII(2)
        return (value, location)
    }

    /// Reads `\uXXXX`, joining a surrogate pair written as two escapes.
    private mutating func unicodeEscape() throws(JSON5Error) -> UInt32 {
        guard let first = hex4(at: index + 2) else { throw fail("invalid escape '\\u' (needs 4 hex digits)") }
        if (0xDC00...0xDFFF).contains(first) { throw fail("unpaired surrogate '\(written(6))'") }
        if (0xD800...0xDBFF).contains(first) {
            guard peek(6) == UInt8(ascii: "\\"), peek(7) == UInt8(ascii: "u"),
                let second = hex4(at: index + 8), (0xDC00...0xDFFF).contains(second)
            else {
                throw fail("unpaired surrogate '\(written(6))'")
            }
            advanceASCII(12)
            return 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        advanceASCII(6)
        return first
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in i..<i + 4 {
            guard let digit = Self.hexDigit(bytes[k]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// The next `count` bytes as text (only used on bytes already checked to be ASCII).
    private func written(_ count: Int) -> String {
        String(decoding: bytes[index..<min(bytes.count, index + count)], as: UTF8.self)
    }

    static func appendUTF8(_ value: UInt32, to utf8: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            utf8.append(UInt8(value))
        case 0x80..<0x800:
            utf8.append(UInt8(0xC0 | value >> 6))
            utf8.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            utf8.append(UInt8(0xE0 | value >> 12))
            utf8.append(UInt8(0x80 | value >> 6 & 0x3F))
            utf8.append(UInt8(0x80 | value & 0x3F))
        default:
            utf8.append(UInt8(0xF0 | value >> 18))
            utf8.append(UInt8(0x80 | value >> 12 & 0x3F))
            utf8.append(UInt8(0x80 | value >> 6 & 0x3F))
            utf8.append(UInt8(0x80 | value & 0x3F))
        }
    }
}
