/// Reads zscan's JSON5 rule and config files into `JSON5Node` trees that remember where every key,
/// value and string character was written, so every later error can name `file:line:col`.
public enum JSON5Parser {
    /// How deep objects and arrays may nest, and how large a file may be, unless the caller says.
    public static let defaultMaxDepth = 128
    public static let defaultMaxBytes = 16 << 20

    /// Parses a whole JSON5 document (json5.org). Nesting deeper than `maxDepth` is refused with an
    /// error (containers are tracked on an explicit stack, never by recursion); inputs larger than
    /// `maxBytes` are refused up front with an error at 1:1. The input must be UTF-8.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth, maxBytes: Int = defaultMaxBytes) throws(JSON5Error) -> JSON5Node {
        guard bytes.count <= maxBytes else {
            throw JSON5Error(
                message: "file too large (\(bytes.count) bytes; limit \(maxBytes))",
                location: SourceLocation(line: 1, column: 1, offset: 0), code: .fileTooLarge)
        }
        var reader = JSON5Reader(bytes: bytes, maxDepth: maxDepth)
        return try reader.document()
    }
}

/// An array or object whose closing bracket has not been read yet.
private struct OpenContainer {
    let isObject: Bool
    let start: SourceLocation
    var elements: [JSON5Node] = []
    var members: [JSON5Member] = []
    /// The member whose value is being read (objects only).
    var key = ""
    var keyLocation: SourceLocation

    init(isObject: Bool, start: SourceLocation) {
        self.isObject = isObject
        self.start = start
        self.keyLocation = start
    }

    var closer: UInt8 { isObject ? UInt8(ascii: "}") : UInt8(ascii: "]") }

    consuming func node(end: SourceLocation) -> JSON5Node {
        JSON5Node(value: isObject ? .object(members) : .array(elements), location: start, end: end)
    }
}

extension JSON5Reader {
    mutating func document() throws(JSON5Error) -> JSON5Node {
        skipByteOrderMark()
        try skipTrivia()
        if atEnd { throw fail("empty document (expected a value)") }
        let root = try valueTree()
        try skipTrivia()
        if !atEnd { throw fail("unexpected \(describeHere()) after the end of the document") }
        return root
    }

    /// Reads one value, nested containers included, with an explicit stack of open containers.
    private mutating func valueTree() throws(JSON5Error) -> JSON5Node {
        var stack: [OpenContainer] = []
        var afterComma = false
        while true {
            // Here a value must start (trivia already skipped).
            var node: JSON5Node
            guard index < bytes.count else {
                if let top = stack.last, !top.isObject { throw fail("unexpected end of input ('[' at \(top.start) is never closed)") }
                throw fail("unexpected end of input (expected a value)")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                let start = here
                if stack.count >= maxDepth { throw fail("nesting deeper than \(maxDepth) levels") }
                var container = OpenContainer(isObject: byte == UInt8(ascii: "{"), start: start)
                advanceASCII()
                try skipTrivia()
                if peek() == container.closer {
                    advanceASCII()
                    node = container.node(end: here)
                } else {
                    if container.isObject { try memberName(into: &container, afterComma: false) }
                    stack.append(container)
                    afterComma = false
                    continue
                }
            } else {
                node = try scalarValue(in: stack.last, afterComma: afterComma)
            }

            // Hand finished values to their containers, closing every container that ends here.
            while true {
                guard !stack.isEmpty else { return node }
                let top = stack.count - 1
                if stack[top].isObject {
                    stack[top].members.append(JSON5Member(key: stack[top].key, keyLocation: stack[top].keyLocation, value: node))
                } else {
                    stack[top].elements.append(node)
                }
                try skipTrivia()
                guard index < bytes.count else {
                    let opener = stack[top].isObject ? "{" : "["
                    throw fail("unexpected end of input ('\(opener)' at \(stack[top].start) is never closed)")
                }
                let next = bytes[index]
                let closer = stack[top].closer
                if next == UInt8(ascii: ",") {
                    advanceASCII()
                    try skipTrivia()
                    if peek() == closer {
                        advanceASCII()
                        node = stack.removeLast().node(end: here)
                        continue
                    }
                    if stack[top].isObject { try memberName(into: &stack[top], afterComma: true) }
                    afterComma = true
                    break
                } else if next == closer {
                    advanceASCII()
                    node = stack.removeLast().node(end: here)
                } else {
                    throw fail(stack[top].isObject ? "expected ',' or '}' after a member" : "expected ',' or ']' after an array element")
                }
            }
        }
    }

    /// Reads a member name and its colon, leaving the cursor where the value starts.
    private mutating func memberName(into container: inout OpenContainer, afterComma: Bool) throws(JSON5Error) {
        guard index < bytes.count else {
            throw fail("unexpected end of input ('{' at \(container.start) is never closed)")
        }
        let location = here
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            container.key = try string().text
        } else if let decoded = scalar(at: index), Self.isIdentifierStart(decoded.value) || byte == UInt8(ascii: "\\") {
            container.key = try identifier()
        } else if byte == UInt8(ascii: "]") && afterComma {
            throw fail("trailing comma is fine but '}' expected")
        } else if (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") {
            throw fail("a member name cannot be a number; quote it")
        } else if scalar(at: index) == nil {
            throw invalidUTF8()
        } else {
            throw fail("expected a member name or '}', found \(describeHere())")
        }
        container.keyLocation = location
        try skipTrivia()
        guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after the member name") }
        advanceASCII()
        try skipTrivia()
    }

    /// Reads an unquoted name (ECMAScript IdentifierName without `\u` escapes).
    mutating func identifier() throws(JSON5Error) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") { throw fail("escapes in unquoted names are not supported; quote the name") }
            guard let decoded = scalar(at: index) else { throw invalidUTF8() }
            let allowed = index == start ? Self.isIdentifierStart(decoded.value) : Self.isIdentifierPart(decoded.value)
            guard allowed else { break }
            index += decoded.length
            column += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Reads a string, number or literal (`true`, `false`, `null`, `Infinity`, `NaN`).
    private mutating func scalarValue(in container: OpenContainer?, afterComma: Bool) throws(JSON5Error) -> JSON5Node {
        let start = here
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let (text, locations) = try string()
            return JSON5Node(value: .string(text), location: start, scalarLocations: locations, end: here)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            break
        }
        guard let decoded = scalar(at: index) else { throw invalidUTF8() }
        if Self.isIdentifierStart(decoded.value) || byte == UInt8(ascii: "\\") {
            let word = try identifier()
            let value: JSON5Node.Value
            switch word {
            case "true": value = .bool(true)
            case "false": value = .bool(false)
            case "null": value = .null
            case "Infinity": value = .number(.infinity)
            case "NaN": value = .number(.nan)
            default:
                let shown = word.unicodeScalars.count > 40 ? String(word.unicodeScalars.prefix(40)) + "…" : word
                throw fail("unknown word '\(shown)' (strings must be quoted)", at: start)
            }
            return JSON5Node(value: value, location: start, end: here)
        }
        if let container, !container.isObject, afterComma, byte == UInt8(ascii: "}") {
            throw fail("trailing comma is fine but ']' expected")
        }
        throw fail("unexpected \(describeHere()) (expected a value)")
    }
}
