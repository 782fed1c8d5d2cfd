/// The cursor the JSON5 parser reads with: a byte index that keeps its line and column current
/// as it moves, validates UTF-8 as it goes, and skips JSON5 whitespace and comments.
struct JSON5Reader {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0
    var line = 1
    var column = 1

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var here: SourceLocation { SourceLocation(line: line, column: column, offset: index) }
    var atEnd: Bool { index >= bytes.count }

    /// The byte `ahead` bytes past the cursor, or nil past the end.
    func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    func fail(_ message: String, at location: SourceLocation? = nil) -> JSON5Error {
        JSON5Error(message: message, location: location ?? here)
    }

    // MARK: Moving

    /// Steps over one byte known to be ASCII and not a line break.
    mutating func advanceASCII(_ count: Int = 1) {
        index += count
        column += count
    }

    /// Steps over a line break at the cursor (LF, CR or CRLF).
    mutating func advanceLineBreak() {
        if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
        index += 1
        line += 1
        column = 1
    }

    /// Steps over one character of any kind, refusing invalid UTF-8.
    mutating func advanceCharacter() throws(JSON5Error) {
        let byte = bytes[index]
        if byte == 0x0A || byte == 0x0D { advanceLineBreak(); return }
        if byte < 0x80 { advanceASCII(); return }
        guard let decoded = scalar(at: index) else { throw invalidUTF8() }
        index += decoded.length
        column += 1
    }

    func invalidUTF8() -> JSON5Error {
        fail("invalid UTF-8 (byte 0x\(Self.hex(bytes[index], digits: 2)))")
    }

    /// Skips a UTF-8 byte order mark at the start; it is not counted as a column.
    mutating func skipByteOrderMark() {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
    }

    // MARK: UTF-8

    /// Decodes the scalar starting at byte `i`: its value and length, or nil if the bytes there are
    /// not well-formed UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
    func scalar(at i: Int) -> (value: UInt32, length: Int)? {
        let first = bytes[i]
        if first < 0x80 { return (UInt32(first), 1) }
        let length: Int
        var value: UInt32
        let minimum: UInt32
        switch first {
        case 0xC2...0xDF: length = 2; value = UInt32(first & 0x1F); minimum = 0x80
        case 0xE0...0xEF: length = 3; value = UInt32(first & 0x0F); minimum = 0x800
        case 0xF0...0xF4: length = 4; value = UInt32(first & 0x07); minimum = 0x10000
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        for k in 1..<length {
            let next = bytes[i + k]
            guard next & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(next & 0x3F)
        }
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return nil }
        return (value, length)
    }

    // MARK: Whitespace and comments

    /// Skips whitespace, line breaks and comments. A `/` that starts no comment is an error here,
    /// since JSON5 has no other use for it outside strings.
    mutating func skipTrivia() throws(JSON5Error) {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0B, 0x0C:
                advanceASCII()
            case 0x0A, 0x0D:
                advanceLineBreak()
            case UInt8(ascii: "/"):
                switch peek(1) {
                case UInt8(ascii: "/"): try skipLineComment()
                case UInt8(ascii: "*"): try skipBlockComment()
                default: throw fail("unexpected '/' (comments start with // or /*)")
                }
            case 0x80...:
                guard let decoded = scalar(at: index) else { throw invalidUTF8() }
                guard Self.isSpace(decoded.value) else { return }
                index += decoded.length
                column += 1
            default:
                return
            }
        }
    }

    /// Skips `//` up to (not including) the line terminator.
    private mutating func skipLineComment() throws(JSON5Error) {
        advanceASCII(2)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D { return }
            if byte < 0x80 { advanceASCII(); continue }
            guard let decoded = scalar(at: index) else { throw invalidUTF8() }
            if decoded.value == 0x2028 || decoded.value == 0x2029 { return }
            index += decoded.length
            column += 1
        }
    }

    /// Skips `/* … */`; an unterminated one is reported where it starts.
    private mutating func skipBlockComment() throws(JSON5Error) {
        let start = here
        advanceASCII(2)
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                advanceASCII(2)
                return
            }
            try advanceCharacter()
        }
        throw fail("unterminated block comment", at: start)
    }

    // MARK: Character classes

    /// JSON5 whitespace beyond ASCII: NBSP, BOM, line/paragraph separators and the other Zs spaces.
    static func isSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0xA0, 0xFEFF, 0x2028, 0x2029, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    static func isIdentifierStart(_ value: UInt32) -> Bool {
        switch value {
        case 0x41...0x5A, 0x61...0x7A, 0x24, 0x5F: return true
        case 0..<0x80: return false
        default: return Unicode.Scalar(value)?.properties.isIDStart ?? false
        }
    }

    static func isIdentifierPart(_ value: UInt32) -> Bool {
        switch value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x24, 0x5F, 0x200C, 0x200D: return true
        case 0..<0x80: return false
        default: return Unicode.Scalar(value)?.properties.isIDContinue ?? false
        }
    }

    /// The scalar at the cursor for messages: `'x'` for printable ASCII, `U+XXXX` otherwise.
    func describeHere() -> String {
        guard index < bytes.count else { return "end of input" }
        guard let decoded = scalar(at: index) else { return "byte 0x" + Self.hex(bytes[index], digits: 2) }
        if (0x21...0x7E).contains(decoded.value) { return "'\(Character(Unicode.Scalar(UInt8(decoded.value))))'" }
        return "U+" + Self.hex(decoded.value, digits: 4)
    }

    static func hex<T: BinaryInteger>(_ value: T, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x41...0x46: return UInt32(byte - 0x41 + 10)
        case 0x61...0x66: return UInt32(byte - 0x61 + 10)
        default: return nil
        }
    }
}
