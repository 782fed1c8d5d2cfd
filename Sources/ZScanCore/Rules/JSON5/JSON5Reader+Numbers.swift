/// JSON5 numbers: optional `+`/`-`, decimal with leading or trailing `.`, exponents, hex,
/// `Infinity` and `NaN`. Integers that fit stay exact as `Int64`.
extension JSON5Reader {
    mutating func number() throws(JSON5Error) -> JSON5Node {
        let start = here
        var negative = false
        if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            advanceASCII()
            if let next = peek(), next >= 0x80 || Self.isIdentifierStart(UInt32(next)) {
                let word = try identifier()
                switch word {
                case "Infinity": return JSON5Node(value: .number(negative ? -.infinity : .infinity), location: start, end: here)
                case "NaN": return JSON5Node(value: .number(.nan), location: start, end: here)
                default: throw fail("expected digits, 'Infinity' or 'NaN' after the sign", at: start)
                }
            }
        }
        let value: JSON5Node.Value
        if peek() == UInt8(ascii: "0"), let x = peek(1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            advanceASCII(2)
            value = try hexDigits(negative: negative, start: start)
        } else {
            value = try decimal(negative: negative, start: start)
        }
        // A number must not run straight into a name, a digit or another '.' (`12px`, `1.2.3`, `0x1G`).
        if let next = peek() {
            let runsOn: Bool
            if next == UInt8(ascii: ".") {
                runsOn = true
            } else if next < 0x80 {
                runsOn = Self.isIdentifierPart(UInt32(next))
            } else {
                runsOn = scalar(at: index).map { Self.isIdentifierPart($0.value) } ?? false
            }
            if runsOn { throw fail("unexpected \(describeHere()) in a number") }
        }
        return JSON5Node(value: value, location: start, end: here)
    }

    private mutating func hexDigits(negative: Bool, start: SourceLocation) throws(JSON5Error) -> JSON5Node.Value {
        var magnitude: UInt64 = 0
        var approximate = 0.0
        var overflow = false
        var count = 0
        while let byte = peek(), let digit = Self.hexDigit(byte) {
            let (shifted, over) = magnitude.multipliedReportingOverflow(by: 16)
            overflow = overflow || over
            magnitude = shifted | UInt64(digit)
            approximate = approximate * 16 + Double(digit)
            count += 1
            advanceASCII()
        }
        if count == 0 { throw fail("expected hex digits after '0x'") }
        if !overflow, let exact = Self.integer(magnitude: magnitude, negative: negative) { return exact }
        if !overflow { approximate = Double(magnitude) }
        return .number(negative ? -approximate : approximate)
    }

    private mutating func decimal(negative: Bool, start: SourceLocation) throws(JSON5Error) -> JSON5Node.Value {
        let digitsStart = index
        var magnitude: UInt64 = 0
        var overflow = false
        var integerDigits = 0
        while let byte = peek(), (0x30...0x39).contains(byte) {
            let (times10, over1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, over2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            overflow = overflow || over1 || over2
            magnitude = sum
            integerDigits += 1
            advanceASCII()
        }
        if integerDigits > 1 && bytes[digitsStart] == UInt8(ascii: "0") {
            throw fail("leading zeros are not allowed in numbers", at: start)
        }
        var isInteger = true
        var fractionDigits = 0
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            advanceASCII()
            while let byte = peek(), (0x30...0x39).contains(byte) { fractionDigits += 1; advanceASCII() }
        }
        if integerDigits == 0 && fractionDigits == 0 {
            throw fail(isInteger ? "expected digits, 'Infinity' or 'NaN' after the sign" : "expected digits before or after '.'", at: start)
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            isInteger = false
            advanceASCII()
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { advanceASCII() }
            var exponentDigits = 0
            while let byte = peek(), (0x30...0x39).contains(byte) { exponentDigits += 1; advanceASCII() }
            if exponentDigits == 0 { throw fail("expected digits in the exponent") }
        }
        if isInteger, !overflow, let exact = Self.integer(magnitude: magnitude, negative: negative) { return exact }
        // Swift's parser rounds correctly and gives ±infinity past the range, 0 below it.
        let text = String(decoding: bytes[digitsStart..<index], as: UTF8.self)
        let parsed = Double(text) ?? .nan
        return .number(negative ? -parsed : parsed)
    }

    /// The integer if it fits in `Int64`; `-0` is left to `.number(-0.0)` so its sign survives.
    private static func integer(magnitude: UInt64, negative: Bool) -> JSON5Node.Value? {
        if negative {
            if magnitude == 0 || magnitude > UInt64(Int64.max) + 1 { return nil }
            return .integer(Int64(bitPattern: 0 &- magnitude))
        }
        return magnitude <= UInt64(Int64.max) ? .integer(Int64(magnitude)) : nil
    }
}
