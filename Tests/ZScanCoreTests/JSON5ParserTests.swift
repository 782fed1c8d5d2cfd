import Foundation
import XCTest
@testable import ZScanCore

/// The JSON5 reader behind rule files: exact structure and positions (down to each string scalar),
/// every JSON5 feature, exact errors, agreement with Foundation on plain JSON, no crashes on
/// hostile input, and compiler-style rendering of diagnostics.
final class JSON5ParserTests: XCTestCase {
    // MARK: Helpers

    /// A value without positions, for comparing structure; strings compare scalar by scalar
    /// (Swift's `==` would equate canonically equivalent strings).
    indirect enum Plain: Equatable, CustomStringConvertible {
        case null, bool(Bool), int(Int64), num(Double), nan, str(String), arr([Plain]), obj([Pair])

        struct Pair: Equatable {
            var key: String
            var value: Plain
            static func == (a: Pair, b: Pair) -> Bool {
                a.key.unicodeScalars.elementsEqual(b.key.unicodeScalars) && a.value == b.value
            }
        }

        static func o(_ pairs: (String, Plain)...) -> Plain { .obj(pairs.map { Pair(key: $0.0, value: $0.1) }) }

        static func == (a: Plain, b: Plain) -> Bool {
            switch (a, b) {
            case (.null, .null), (.nan, .nan): return true
            case let (.bool(x), .bool(y)): return x == y
            case let (.int(x), .int(y)): return x == y
            case let (.num(x), .num(y)): return x == y && x.sign == y.sign
            case let (.str(x), .str(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
            case let (.arr(x), .arr(y)): return x == y
            case let (.obj(x), .obj(y)): return x == y
            default: return false
            }
        }

        var description: String {
            switch self {
            case .null: return "null"
            case .nan: return "NaN"
            case let .bool(b): return "\(b)"
            case let .int(i): return "int(\(i))"
            case let .num(d): return "num(\(d))"
            case let .str(s): return "str(\(s.debugDescription))"
            case let .arr(a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
            case let .obj(o): return "{" + o.map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "}"
            }
        }
    }

    private func plain(_ node: JSON5Node) -> Plain {
        switch node.value {
        case .null: return .null
        case let .bool(b): return .bool(b)
        case let .integer(i): return .int(i)
        case let .number(d): return d.isNaN ? .nan : .num(d)
        case let .string(s): return .str(s)
        case let .array(a): return .arr(a.map(plain))
        case let .object(o): return .obj(o.map { Plain.Pair(key: $0.key, value: plain($0.value)) })
        }
    }

    private func parse(_ text: String, maxDepth: Int = 128) throws -> JSON5Node {
        try JSON5Parser.parse(Array(text.utf8), maxDepth: maxDepth)
    }

    private func plain(_ text: String) -> Plain? {
        do { return plain(try parse(text)) } catch {
            XCTFail("\(text.debugDescription): \(error)")
            return nil
        }
    }

    /// `"line:col: message"` of the error `bytes` give, or a note that they parsed.
    private func error(_ bytes: [UInt8], maxDepth: Int = 128, maxBytes: Int = 16 << 20) -> String {
        do {
            let node = try JSON5Parser.parse(bytes, maxDepth: maxDepth, maxBytes: maxBytes)
            return "parsed: \(plain(node))"
        } catch {
            return error.description
        }
    }

    private func error(_ text: String) -> String { error(Array(text.utf8)) }

    private func loc(_ line: Int, _ column: Int, _ offset: Int) -> SourceLocation {
        SourceLocation(line: line, column: column, offset: offset)
    }

    private func member(_ node: JSON5Node, _ key: String) -> JSON5Member? {
        guard case let .object(members) = node.value else { return nil }
        return members.first { $0.key == key }
    }

    private func element(_ node: JSON5Node, _ index: Int) -> JSON5Node? {
        guard case let .array(elements) = node.value, index < elements.count else { return nil }
        return elements[index]
    }

    /// Line and column of `offset` counted independently of the parser: lines end at LF, CR or
    /// CRLF, every byte that is not a UTF-8 continuation byte is a column, a leading BOM is skipped.
    private func independentLocation(of offset: Int, in bytes: [UInt8]) -> SourceLocation {
        var line = 1
        var column = 1
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < offset {
            let byte = bytes[i]
            if byte == 0x0A || (byte == 0x0D && !(i + 1 < bytes.count && bytes[i + 1] == 0x0A)) {
                line += 1
                column = 1
            } else if byte != 0x0D && byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return SourceLocation(line: line, column: column, offset: offset)
    }

    /// Checks every position in a parsed tree against the bytes: values and keys start and end
    /// where the independent count says, and each string scalar is either written there
    /// literally or is an escape starting with a backslash there.
    private func checkPositions(_ node: JSON5Node, _ bytes: [UInt8], _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        var pending = [node]
        while let node = pending.popLast() {
            for location in [node.location, node.end] + node.scalarLocations {
                guard location.offset >= 0, location.offset <= bytes.count else {
                    return XCTFail("\(location) offset \(location.offset) outside the input: \(context)", file: file, line: line)
                }
                XCTAssertEqual(location, independentLocation(of: location.offset, in: bytes), context, file: file, line: line)
                // A diagnostic finds the line from the offset; counting lines must agree.
                XCTAssertEqual(
                    SourceDiagnostic.lineBytes(location, of: bytes), SourceDiagnostic.lineBytes(location.line, of: bytes),
                    "line of \(location): \(context)", file: file, line: line)
            }
            XCTAssertLessThan(node.location, node.end, context, file: file, line: line)
            switch node.value {
            case let .string(text):
                XCTAssertEqual(node.scalarLocations.count, text.unicodeScalars.count, context, file: file, line: line)
                XCTAssertTrue(node.scalarLocations == node.scalarLocations.sorted(), "scalar locations in order: \(context)", file: file, line: line)
                XCTAssertEqual(node.scalarLocations.indices.map { node.location(ofScalar: $0) }, node.scalarLocations, context, file: file, line: line)
                for (scalar, location) in zip(text.unicodeScalars, node.scalarLocations) {
                    let literal = Array(String(scalar).utf8)
                    let written = Array(bytes[location.offset..<min(bytes.count, location.offset + literal.count)])
                    XCTAssertTrue(
                        written == literal || bytes[location.offset] == UInt8(ascii: "\\"),
                        "scalar \(scalar.debugDescription) at \(location): \(context)", file: file, line: line)
                }
            case let .array(elements):
                pending += elements
            case let .object(members):
                for member in members {
                    XCTAssertEqual(member.keyLocation, independentLocation(of: member.keyLocation.offset, in: bytes), context, file: file, line: line)
                    XCTAssertLessThan(member.keyLocation, member.value.location, context, file: file, line: line)
                }
                pending += members.map(\.value)
            default:
                XCTAssertTrue(node.scalarLocations.isEmpty, context, file: file, line: line)
            }
        }
    }

    static let ruleDocument = """
        // zscan rules
        {
          format_version: 1,
          lists: { dev_servers: ['uvicorn', "vite", 'next dev',], },
          rules: [{
            id: "orphaned_dev_server",  /* block */ severity: 'error',
            when: "orphaned && cmdline any_matches dev_servers && age > 30s",
            examples: { match: [{ pid: 4242, ppid: 1, orphaned: true, age: 1.2e2, hex: 0xFF, inf: -Infinity }] },
          }],
        }

        """

    // MARK: 1. A rule file

    func testRuleDocumentStructureAndLocations() throws {
        let bytes = Array(Self.ruleDocument.utf8)
        let root = try JSON5Parser.parse(bytes)
        let expected: Plain = .o(
            ("format_version", .int(1)),
            ("lists", .o(("dev_servers", .arr([.str("uvicorn"), .str("vite"), .str("next dev")])))),
            (
                "rules",
                .arr([
                    .o(
                        ("id", .str("orphaned_dev_server")),
                        ("severity", .str("error")),
                        ("when", .str("orphaned && cmdline any_matches dev_servers && age > 30s")),
                        (
                            "examples",
                            .o(
                                (
                                    "match",
                                    .arr([
                                        .o(
                                            ("pid", .int(4242)), ("ppid", .int(1)), ("orphaned", .bool(true)),
                                            ("age", .num(120)), ("hex", .int(255)), ("inf", .num(-.infinity))
                                        )
                                    ])
                                ))
                        )
                    )
                ])
            )
        )
        XCTAssertEqual(plain(root), expected)

        XCTAssertEqual(root.location, loc(2, 1, 15))
        XCTAssertEqual(root.end, loc(10, 2, 357))
        let format = try XCTUnwrap(member(root, "format_version"))
        XCTAssertEqual(format.keyLocation, loc(3, 3, 19))
        XCTAssertEqual(format.value.location, loc(3, 19, 35))
        XCTAssertEqual(format.value.end, loc(3, 20, 36))

        let lists = try XCTUnwrap(member(root, "lists"))
        XCTAssertEqual(lists.keyLocation, loc(4, 3, 40))
        XCTAssertEqual(lists.value.location, loc(4, 10, 47))
        let servers = try XCTUnwrap(member(lists.value, "dev_servers"))
        XCTAssertEqual(servers.keyLocation, loc(4, 12, 49))
        XCTAssertEqual(servers.value.location, loc(4, 25, 62))
        XCTAssertEqual(element(servers.value, 0)?.location, loc(4, 26, 63))
        XCTAssertEqual(element(servers.value, 0)?.end, loc(4, 35, 72))
        XCTAssertEqual(element(servers.value, 1)?.location, loc(4, 37, 74))
        XCTAssertEqual(element(servers.value, 2)?.location, loc(4, 45, 82))

        let rules = try XCTUnwrap(member(root, "rules"))
        XCTAssertEqual(rules.keyLocation, loc(5, 3, 101))
        XCTAssertEqual(rules.value.location, loc(5, 10, 108))
        XCTAssertEqual(rules.value.end, loc(9, 5, 354))
        let rule = try XCTUnwrap(element(rules.value, 0))
        XCTAssertEqual(rule.location, loc(5, 11, 109))
        XCTAssertEqual(member(rule, "id")?.keyLocation, loc(6, 5, 115))
        XCTAssertEqual(member(rule, "id")?.value.location, loc(6, 9, 119))
        XCTAssertEqual(member(rule, "severity")?.keyLocation, loc(6, 45, 155), "after a block comment")
        XCTAssertEqual(member(rule, "severity")?.value.location, loc(6, 55, 165))

        let when = try XCTUnwrap(member(rule, "when"))
        XCTAssertEqual(when.keyLocation, loc(7, 5, 178))
        XCTAssertEqual(when.value.location, loc(7, 11, 184))
        XCTAssertEqual(when.value.end, loc(7, 69, 242))
        XCTAssertEqual(when.value.location(ofScalar: 12), loc(7, 24, 197), "'cmdline' inside the condition")
        XCTAssertEqual(when.value.location(ofScalar: 53), loc(7, 65, 238), "'30s'")
        XCTAssertEqual(when.value.location(ofScalar: 56), loc(7, 68, 241), "just past the end: the closing quote")

        let match = try XCTUnwrap(member(try XCTUnwrap(member(rule, "examples")).value, "match"))
        XCTAssertEqual(match.keyLocation, loc(8, 17, 260))
        let example = try XCTUnwrap(element(match.value, 0))
        XCTAssertEqual(member(example, "pid")?.keyLocation, loc(8, 27, 270))
        XCTAssertEqual(member(example, "pid")?.value.location, loc(8, 32, 275))
        XCTAssertEqual(member(example, "age")?.value.location, loc(8, 68, 311))
        XCTAssertEqual(member(example, "hex")?.value.location, loc(8, 80, 323))
        XCTAssertEqual(member(example, "inf")?.value.location, loc(8, 91, 334))
        XCTAssertEqual(member(example, "inf")?.value.end, loc(8, 100, 343))
        checkPositions(root, bytes, "rule document")
    }

    // MARK: 2. Positions of string scalars

    func testScalarLocationsMapBackThroughEscapes() throws {
        // Line 1: {s: "a\"b\\n\u00e9🧟 x\   (ends in a line continuation)
        // Line 2: yz\n"}
        let text = "{s: \"a\\\"b\\\\n\\u00e9🧟 x\\\nyz\\n\"}"
        let bytes = Array(text.utf8)
        let string = try XCTUnwrap(member(try JSON5Parser.parse(bytes), "s")).value
        XCTAssertEqual(plain(string), .str("a\"b\\né🧟 xyz\n"))
        XCTAssertEqual(string.location, loc(1, 5, 4))
        let expected = [
            loc(1, 6, 5),  // a
            loc(1, 7, 6),  // \"  (at its backslash)
            loc(1, 9, 8),  // b
            loc(1, 10, 9),  // \\ ...
            loc(1, 12, 11),  // ... then a literal n
            loc(1, 13, 12),  // \u00e9
            loc(1, 19, 18),  // 🧟: one column, four bytes
            loc(1, 20, 22),  // space
            loc(1, 21, 23),  // x, then the continuation at 1:22
            loc(2, 1, 26),  // y on the next line
            loc(2, 2, 27),  // z
            loc(2, 3, 28),  // \n
        ]
        XCTAssertEqual(string.scalarLocations, expected)
        XCTAssertEqual(string.end, loc(2, 6, 31))
        XCTAssertEqual(string.location(ofScalar: 9), loc(2, 1, 26))
        XCTAssertEqual(string.location(ofScalar: 12), loc(2, 5, 30), "past the end: the closing quote")
        checkPositions(string, bytes, text)

        // Continuations with CRLF, CR, U+2028 and U+2029; the separators do not start a new line.
        let continued = Array("'a\\\r\nb\\\rc\\\u{2028}d\\\u{2029}e'".utf8)
        let node = try JSON5Parser.parse(continued)
        XCTAssertEqual(plain(node), .str("abcde"))
        XCTAssertEqual(node.scalarLocations.map(\.line), [1, 2, 3, 3, 3])
        XCTAssertEqual(node.scalarLocations[2], loc(3, 1, 8))
        XCTAssertEqual(node.scalarLocations[3], loc(3, 4, 13), "after '\\' and U+2028 (three bytes, one column)")
        checkPositions(node, continued, "continuations")

        // A surrogate pair written as two escapes is one scalar at the first backslash.
        let pair = try parse("\"x\\ud83e\\udddfy\"")
        XCTAssertEqual(pair.scalarLocations, [loc(1, 2, 1), loc(1, 3, 2), loc(1, 15, 14)])
    }

    // MARK: 3. Every feature

    func testJSON5Features() throws {
        XCTAssertEqual(plain("// comment\n1 // to the end"), .int(1), "line comments")
        XCTAssertEqual(plain("/* a\n * b */ [/**/1/* c */]"), .arr([.int(1)]), "block comments")
        XCTAssertEqual(plain("{a: 1, $_b2: 2, _: 3, $: 4}"), .o(("a", .int(1)), ("$_b2", .int(2)), ("_", .int(3)), ("$", .int(4))), "identifier keys")
        XCTAssertEqual(plain("{café: 1, 名前: 2, ǅx: 3}"), .o(("café", .int(1)), ("名前", .int(2)), ("ǅx", .int(3))), "non-ASCII letters in keys")
        XCTAssertEqual(plain("{null: 1, true: 2, Infinity: 3}"), .o(("null", .int(1)), ("true", .int(2)), ("Infinity", .int(3))), "reserved words as keys")
        XCTAssertEqual(plain("{'single': 1, \"double\": 2}"), .o(("single", .int(1)), ("double", .int(2))), "quoted keys")
        XCTAssertEqual(plain("'it\\'s \"x\"'"), .str("it's \"x\""), "single-quoted string")
        XCTAssertEqual(plain("\"say \\\"hi\\\" 'x'\""), .str("say \"hi\" 'x'"), "double-quoted string")
        XCTAssertEqual(plain(#""\'\"\\\/\b\f\n\r\t\v\0""#), .str("'\"\\/\u{08}\u{0C}\n\r\t\u{0B}\u{00}"), "single-character escapes")
        XCTAssertEqual(plain(#""\x41\xe9\xFF""#), .str("Aé\u{FF}"), "\\x escapes")
        XCTAssertEqual(plain(#""\u0041\u00E9\u4e2d""#), .str("Aé中"), "\\u escapes")
        XCTAssertEqual(plain(#""\ud83e\uDDDF""#), .str("🧟"), "surrogate pair")
        XCTAssertEqual(plain(#""\q\a\ \é\🧟""#), .str("qa é🧟"), "other escaped characters mean themselves")
        XCTAssertEqual(plain("'\\0 and \\0x'"), .str("\u{0} and \u{0}x"), "\\0 not followed by a digit")
        XCTAssertEqual(plain("'a\\\nb'"), .str("ab"), "line continuation (LF)")
        XCTAssertEqual(plain("'a\\\r\nb'"), .str("ab"), "line continuation (CRLF)")
        XCTAssertEqual(plain("'a\\\rb'"), .str("ab"), "line continuation (CR)")
        XCTAssertEqual(plain("'a\\\u{2028}b\\\u{2029}c'"), .str("abc"), "line continuation (U+2028, U+2029)")
        XCTAssertEqual(plain("'a\u{2028}b\u{2029}c\td\u{1}'"), .str("a\u{2028}b\u{2029}c\td\u{1}"), "raw separators, tab and controls in strings")
        XCTAssertEqual(plain("[1, 2,]"), .arr([.int(1), .int(2)]), "trailing comma in an array")
        XCTAssertEqual(plain("{a: [1,], b: {c: 1,},}"), .o(("a", .arr([.int(1)])), ("b", .o(("c", .int(1))))), "trailing commas in objects")
        XCTAssertEqual(plain("{a: 1, a: 2}"), .o(("a", .int(1)), ("a", .int(2))), "duplicate keys kept in order")
        XCTAssertEqual(plain("[{}, [], [[]], {a: {}}]"), .arr([.o(), .arr([]), .arr([.arr([])]), .o(("a", .o()))]), "empty containers")
        XCTAssertEqual(plain("+1"), .int(1), "leading +")
        XCTAssertEqual(plain("-5"), .int(-5), "negative integer")
        XCTAssertEqual(plain(".5"), .num(0.5), "leading .")
        XCTAssertEqual(plain("5."), .num(5), "trailing .")
        XCTAssertEqual(plain("-.5e1"), .num(-5), "leading . with sign and exponent")
        XCTAssertEqual(plain("[1e3, 1E-2, 2.5e+1, 0e7, 0.5]"), .arr([.num(1000), .num(0.01), .num(25), .num(0), .num(0.5)]), "exponents")
        XCTAssertEqual(plain("0x1F"), .int(31), "hex")
        XCTAssertEqual(plain("0XaBc"), .int(0xABC), "hex, upper X and mixed case")
        XCTAssertEqual(plain("-0xFF"), .int(-255), "negative hex")
        XCTAssertEqual(plain("0x7FFFFFFFFFFFFFFF"), .int(Int64.max), "largest hex integer")
        XCTAssertEqual(plain("0xFFFFFFFFFFFFFFFF"), .num(18446744073709551615.0), "hex past Int64 becomes a double")
        XCTAssertEqual(plain("0x10000000000000000"), .num(18446744073709551616.0), "hex past UInt64 becomes a double")
        XCTAssertEqual(plain("Infinity"), .num(.infinity), "Infinity")
        XCTAssertEqual(plain("-Infinity"), .num(-.infinity), "-Infinity")
        XCTAssertEqual(plain("+Infinity"), .num(.infinity), "+Infinity")
        XCTAssertEqual(plain("[NaN, -NaN, +NaN]"), .arr([.nan, .nan, .nan]), "NaN")
        XCTAssertEqual(plain("0"), .int(0), "zero")
        XCTAssertEqual(plain("-0"), .num(-0.0), "-0 keeps its sign as a double")
        XCTAssertEqual(plain("9223372036854775807"), .int(Int64.max), "Int64.max")
        XCTAssertEqual(plain("-9223372036854775808"), .int(Int64.min), "Int64.min")
        XCTAssertEqual(plain("9223372036854775808"), .num(9223372036854775808.0), "past Int64 becomes a double")
        XCTAssertEqual(plain("1.0"), .num(1), "a fraction is a double even when integral")
        XCTAssertEqual(plain("1e400"), .num(.infinity), "overflow to infinity")
        XCTAssertEqual(plain("\u{0B}\u{0C}\u{A0}\u{FEFF}\u{2028}\u{2029}\u{2003}\u{3000}\u{1680}\r\n\t 1 \u{202F}\u{205F}"), .int(1), "JSON5 whitespace")
        XCTAssertEqual(plain("\"x\""), .str("x"), "top-level string")
        XCTAssertEqual(plain("[true, false, null]"), .arr([.bool(true), .bool(false), .null]), "literals")

        let bom = try JSON5Parser.parse([0xEF, 0xBB, 0xBF] + Array("{a: 1}".utf8))
        XCTAssertEqual(bom.location, loc(1, 1, 3), "UTF-8 BOM skipped and not counted as a column")
        XCTAssertEqual(member(bom, "a")?.keyLocation, loc(1, 2, 4))

        let crlf = try parse("{\r\n  a: 1,\r  b: 2,\n  c: 3}")
        XCTAssertEqual(crlf.end, loc(4, 8, 26))
        XCTAssertEqual(["a", "b", "c"].map { member(crlf, $0)?.keyLocation.line }, [2, 3, 4], "CRLF, CR and LF each end a line")

        let tabs = try parse("{\t\"é🧟\":\t1}")
        XCTAssertEqual(member(tabs, "é🧟")?.value.location, loc(1, 9, 12), "tabs and multi-byte scalars are one column each")
    }

    // MARK: 3. Every error

    func testErrorsHaveExactMessagesAndPlaces() {
        let digitEscape = "(digits cannot be escaped; use \\x or \\u)"
        let lineBreak = "line break inside a string (write \\n, or end the line with a backslash to continue the string)"
        let cases: [(String, String)] = [
            ("\"abc", "1:1: unterminated string"),
            ("{a: 'abc}", "1:5: unterminated string"),
            ("'abc\\", "1:1: unterminated string"),
            ("/* open", "1:1: unterminated block comment"),
            ("[1,\n  /* x */ /* y", "2:11: unterminated block comment"),
            ("\"a\\1\"", "1:3: invalid escape '\\1' \(digitEscape)"),
            ("\"\\09\"", "1:2: invalid escape '\\09' \(digitEscape)"),
            ("\"\\x4\"", "1:2: invalid escape '\\x' (needs 2 hex digits)"),
            ("\"\\u12G4\"", "1:2: invalid escape '\\u' (needs 4 hex digits)"),
            ("\"ab\\ud83d\"", "1:4: unpaired surrogate '\\ud83d'"),
            ("\"\\udc00\"", "1:2: unpaired surrogate '\\udc00'"),
            ("\"\\ud83d\\u0041\"", "1:2: unpaired surrogate '\\ud83d'"),
            ("{a: \"ab\ncd\"}", "1:8: \(lineBreak)"),
            ("'ab\r\n'", "1:4: \(lineBreak)"),
            ("[012]", "1:2: leading zeros are not allowed in numbers"),
            ("-00.5", "1:1: leading zeros are not allowed in numbers"),
            ("{a 1}", "1:4: expected ':' after the member name"),
            ("{\"a\" // c\n 1}", "2:2: expected ':' after the member name"),
            ("[1 2]", "1:4: expected ',' or ']' after an array element"),
            ("{a: 1\n b: 2}", "2:2: expected ',' or '}' after a member"),
            ("[1, 2}", "1:6: expected ',' or ']' after an array element"),
            ("{a: }", "1:5: unexpected '}' (expected a value)"),
            ("[}", "1:2: unexpected '}' (expected a value)"),
            ("[1, }", "1:5: trailing comma is fine but ']' expected"),
            ("{a: 1, ]", "1:8: trailing comma is fine but '}' expected"),
            ("[1,,]", "1:4: unexpected ',' (expected a value)"),
            ("{,}", "1:2: expected a member name or '}', found ','"),
            ("{1: 2}", "1:2: a member name cannot be a number; quote it"),
            ("{a\\u0062: 1}", "1:3: escapes in unquoted names are not supported; quote the name"),
            ("{} x", "1:4: unexpected 'x' after the end of the document"),
            ("{}}", "1:3: unexpected '}' after the end of the document"),
            ("1 2", "1:3: unexpected '2' after the end of the document"),
            ("", "1:1: empty document (expected a value)"),
            ("  // nothing\n", "2:1: empty document (expected a value)"),
            ("[1,", "1:4: unexpected end of input ('[' at 1:1 is never closed)"),
            ("[", "1:2: unexpected end of input ('[' at 1:1 is never closed)"),
            ("{a:", "1:4: unexpected end of input (expected a value)"),
            ("{a: 1", "1:6: unexpected end of input ('{' at 1:1 is never closed)"),
            ("{a: [1,\n", "2:1: unexpected end of input ('[' at 1:5 is never closed)"),
            ("{", "1:2: unexpected end of input ('{' at 1:1 is never closed)"),
            ("{a: 1,", "1:7: unexpected end of input ('{' at 1:1 is never closed)"),
            ("[undefined]", "1:2: unknown word 'undefined' (strings must be quoted)"),
            ("{a: yes}", "1:5: unknown word 'yes' (strings must be quoted)"),
            ("{\"é🧟\": x}", "1:8: unknown word 'x' (strings must be quoted)"),
            ("-foo", "1:1: expected digits, 'Infinity' or 'NaN' after the sign"),
            ("[-]", "1:2: expected digits, 'Infinity' or 'NaN' after the sign"),
            (".", "1:1: expected digits before or after '.'"),
            ("1e", "1:3: expected digits in the exponent"),
            ("1e+]", "1:4: expected digits in the exponent"),
            ("0x", "1:3: expected hex digits after '0x'"),
            ("[12px]", "1:4: unexpected 'p' in a number"),
            ("1.2.3", "1:4: unexpected '.' in a number"),
            ("0x1G", "1:4: unexpected 'G' in a number"),
            ("[1 / 2]", "1:4: unexpected '/' (comments start with // or /*)"),
            ("{\ta: 1\t2}", "1:8: expected ',' or '}' after a member"),
            ("[1,\r2,\r\n3 4]", "3:3: expected ',' or ']' after an array element"),
            ("@", "1:1: unexpected '@' (expected a value)"),
            ("[\u{2603}]", "1:2: unexpected U+2603 (expected a value)"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(error(text), expected, text.debugDescription)
        }

        let invalidUTF8: [([UInt8], String)] = [
            (Array("\"a".utf8) + [0xFF] + Array("b\"".utf8), "1:3: invalid UTF-8 (byte 0xFF)"),
            (Array("[1, ".utf8) + [0xC3] + Array("]".utf8), "1:5: invalid UTF-8 (byte 0xC3)"),
            (Array("// ".utf8) + [0xC0, 0xAF] + Array("\n1".utf8), "1:4: invalid UTF-8 (byte 0xC0)"),
            (Array("{é".utf8) + [0xED, 0xA0, 0x80] + Array(": 1}".utf8), "1:3: invalid UTF-8 (byte 0xED)"),
            (Array("'\\".utf8) + [0xFF] + Array("'".utf8), "1:3: invalid UTF-8 (byte 0xFF)"),
        ]
        for (bytes, expected) in invalidUTF8 {
            XCTAssertEqual(error(bytes), expected, "\(bytes)")
        }
    }

    func testDepthIsBoundedWithoutRecursion() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertEqual(error(deep), "1:129: nesting deeper than 128 levels")
        let limit = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        XCTAssertNoThrow(try parse(limit))
        XCTAssertEqual(error(Array("{a: {b: {}}}".utf8), maxDepth: 2), "1:9: nesting deeper than 2 levels")
        XCTAssertEqual(error(Array("[[1], [[2]]]".utf8), maxDepth: 2), "1:8: nesting deeper than 2 levels")
        XCTAssertEqual(error(Array("1".utf8), maxDepth: 0), "parsed: int(1)")

        // The parser keeps open containers on a heap stack, so even a large limit reads deep input.
        let tenThousand = try parse(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000), maxDepth: 10_000)
        XCTAssertEqual(tenThousand.end, loc(1, 20_001, 20_000))
    }

    func testTooLargeInputIsRefusedUpFront() {
        XCTAssertEqual(error(Array("[1, 2, 3, 4]".utf8), maxBytes: 11), "1:1: file too large (12 bytes; limit 11)")
        XCTAssertEqual(error(Array("[1, 2, 3, 4]".utf8), maxBytes: 12), "parsed: [int(1), int(2), int(3), int(4)]")
        let huge = [UInt8](repeating: 0x20, count: (16 << 20) + 1)
        XCTAssertThrowsError(try JSON5Parser.parse(huge)) { error in
            XCTAssertEqual(
                error as? JSON5Error,
                JSON5Error(message: "file too large (16777217 bytes; limit 16777216)", location: self.loc(1, 1, 0), code: .fileTooLarge))
        }
    }

    func testErrorDescriptionAndLocationOrder() {
        let error = JSON5Error(message: "unterminated string", location: loc(3, 7, 40))
        XCTAssertEqual(error.description, "3:7: unterminated string")
        XCTAssertLessThan(loc(1, 9, 8), loc(2, 1, 9))
        XCTAssertEqual([loc(2, 1, 9), loc(1, 1, 0), loc(1, 3, 2)].sorted(), [loc(1, 1, 0), loc(1, 3, 2), loc(2, 1, 9)])
        XCTAssertEqual(loc(4, 2, 30).description, "4:2")
    }

    // MARK: 4. Agreement with strict JSON

    private func foundationPlain(_ bytes: [UInt8]) throws -> Plain {
        func convert(_ any: Any) -> Plain {
            switch any {
            case is NSNull: return .null
            case let number as NSNumber:
                if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
                return .num(number.doubleValue)
            case let string as String: return .str(string)
            case let array as [Any]: return .arr(array.map(convert))
            case let object as [String: Any]:
                return .obj(
                    object.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
                        .map { Plain.Pair(key: $0, value: convert(object[$0]!)) })
            default: return .str("unexpected \(type(of: any))")
            }
        }
        return convert(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]))
    }

    /// Ours in the shape Foundation gives: numbers as doubles, object members sorted by key.
    private func foundationShaped(_ value: Plain) -> Plain {
        switch value {
        case let .int(i): return .num(Double(i))
        case let .arr(a): return .arr(a.map(foundationShaped))
        case let .obj(o):
            return .obj(
                o.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
                    .map { Plain.Pair(key: $0.key, value: foundationShaped($0.value)) })
        default: return value
        }
    }

    /// Equal, except that numbers may differ by a few ulps and in the sign of zero: Foundation on
    /// Linux does not round every decimal correctly (it gives -0.0009242104977565637 for
    /// -0.000924210497756564) and reads `-0` as the integer 0.
    private func agrees(_ a: Plain, _ b: Plain) -> Bool {
        switch (a, b) {
        case let (.num(x), .num(y)): return x == y || abs(x - y) <= 4 * max(x.ulp, y.ulp)
        case let (.arr(x), .arr(y)): return x.count == y.count && zip(x, y).allSatisfy(agrees)
        case let (.obj(x), .obj(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key.unicodeScalars.elementsEqual($1.key.unicodeScalars) && agrees($0.value, $1.value) }
        default: return a == b
        }
    }

    func testPlainJSONAgreesWithFoundation() throws {
        var documents: [(text: String, expected: Plain?)] = [
            (
                #"{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x\"y\\z\/","f":-0.5e3}"#,
                .o(("a", .arr([.int(1), .int(2), .o(("b", .null))])), ("c", .bool(true)), ("d", .bool(false)), ("e", .str("x\"y\\z/")), ("f", .num(-500)))
            ),
            (
                #"["\u0041\u00e9\u4e2d\ud83e\udddf", "tab\tnew\nline", "\u001b[31m", "e\u0301", "\u00e9"]"#,
                .arr([.str("Aé中🧟"), .str("tab\tnew\nline"), .str("\u{1B}[31m"), .str("e\u{301}"), .str("\u{E9}")])
            ),
            (
                "  {\"nested\": {\"deep\": [[[[\"x\"]]]]}, \"empty\": {}, \"none\": []}\r\n",
                .o(("nested", .o(("deep", .arr([.arr([.arr([.arr([.str("x")])])])])))), ("empty", .o()), ("none", .arr([])))
            ),
            (#""just a string""#, .str("just a string")), ("42", .int(42)), ("null", .null), ("-0", .num(-0.0)), ("1E+2", .num(100)),
            ("[0.1, 1e-7, 123456789.123456789, -9007199254740993]", .arr([.num(0.1), .num(1e-7), .num(123456789.123456789), .int(-9_007_199_254_740_993)])),
            (
                #"{"pid": 4242, "cmdline": "python3 -m uvicorn app:app", "ports": [8001, 8002], "started_at": 1712345678.25}"#,
                .o(
                    ("pid", .int(4242)), ("cmdline", .str("python3 -m uvicorn app:app")), ("ports", .arr([.int(8001), .int(8002)])),
                    ("started_at", .num(1712345678.25)))
            ),
        ]
        var generator = SplitMix64(seed: 0x5EED_2024)
        for _ in 0..<300 {
            let (text, value) = Self.randomJSON(depth: 0, using: &generator)
            documents.append((text, value))
        }
        for (document, expected) in documents {
            let bytes = Array(document.utf8)
            let ours = try JSON5Parser.parse(bytes)
            XCTAssertEqual(plain(ours), expected, "exactly the generated value: \(document)")
            let foundation = try foundationPlain(bytes)
            XCTAssertTrue(agrees(foundationShaped(plain(ours)), foundation), "\(document)\nours: \(plain(ours))\nFoundation: \(foundation)")
            checkPositions(ours, bytes, document)
        }
    }

    /// A random JSON text and the value it stands for: nested arrays and objects, integers,
    /// doubles (written the shortest way that reads back exactly), strings with every kind of
    /// escape and multi-byte characters, and varied whitespace.
    private static func randomJSON(depth: Int, using generator: inout SplitMix64) -> (String, Plain) {
        let spaces = ["", " ", "\n", "\t", "\r\n", "  "]
        func space() -> String { spaces.randomElement(using: &generator)! }
        let kind = depth >= 5 ? Int.random(in: 0..<6, using: &generator) : Int.random(in: 0..<8, using: &generator)
        switch kind {
        case 0:
            return [("null", .null), ("true", .bool(true)), ("false", .bool(false))].randomElement(using: &generator)!
        case 1:
            let integer = Int64.random(in: -(1 << 53)...(1 << 53), using: &generator)
            return (String(integer), .int(integer))
        case 2:
            let scale = [1, 1e-9, 1e12, 1e-300, 1e300].randomElement(using: &generator)!
            let double = Double.random(in: -1e6...1e6, using: &generator) * scale
            return ("\(double)", .num(double))
        case 3, 4, 5:
            let (text, value) = randomString(using: &generator)
            return (text, .str(value))
        case 6:
            let items = (0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomJSON(depth: depth + 1, using: &generator) }
            return ("[" + items.map { space() + $0.0 + space() }.joined(separator: ",") + space() + "]", .arr(items.map(\.1)))
        default:
            var members: [String] = []
            var values: [Plain.Pair] = []
            for index in 0..<Int.random(in: 0..<5, using: &generator) {
                let (keyText, key) = randomString(using: &generator)
                let (text, value) = randomJSON(depth: depth + 1, using: &generator)
                // A distinct suffix keeps keys unique, so Foundation's dictionary holds them all.
                members.append(space() + keyText.dropLast() + "\(index)\"" + space() + ":" + space() + text + space())
                values.append(Plain.Pair(key: key + "\(index)", value: value))
            }
            return ("{" + members.joined(separator: ",") + space() + "}", .obj(values))
        }
    }

    private static func randomString(using generator: inout SplitMix64) -> (String, String) {
        let pieces: [(String, String)] = [
            ("a", "a"), ("Z", "Z"), (" ", " "), ("0", "0"), ("é", "é"), ("中", "中"), ("🧟", "🧟"), ("'", "'"), ("\u{7F}", "\u{7F}"),
            ("\\\"", "\""), ("\\\\", "\\"), ("\\/", "/"), ("\\b", "\u{8}"), ("\\f", "\u{C}"), ("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"),
            ("\\u0041", "A"), ("\\u00e9", "é"), ("\\u001f", "\u{1F}"), ("\\ud83d\\ude00", "😀"), ("\\u2028", "\u{2028}"),
        ]
        let chosen = (0..<Int.random(in: 0..<8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
        return ("\"" + chosen.map(\.0).joined() + "\"", chosen.map(\.1).joined())
    }

    // MARK: 5. Hostile input

    func testMutatedAndRandomInputNeverCrashes() {
        let seed = Array(Self.ruleDocument.utf8)
        let alphabet = Array("{}[]:,'\"\\/*\n".utf8) + [0xFF, 0xC3]
        let randomAlphabet = alphabet + Array("ax0.-+e \tInfityNaN\r".utf8) + [0xE2, 0x80, 0xA8, 0x9F, 0xF0]
        var generator = SplitMix64(seed: 42)
        var parsed = 0
        var failed = 0
        for round in 0..<5_000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = seed
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    input[Int.random(in: 0..<input.count, using: &generator)] = alphabet.randomElement(using: &generator)!
                }
            } else {
                input = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in randomAlphabet.randomElement(using: &generator)! }
            }
            do {
                let node = try JSON5Parser.parse(input)
                parsed += 1
                if round % 10 == 0 { checkPositions(node, input, "round \(round)") }
            } catch {
                failed += 1
                XCTAssertEqual(error.location, independentLocation(of: error.location.offset, in: input), "round \(round): \(error)")
                XCTAssertLessThanOrEqual(error.location.offset, input.count)
                XCTAssertFalse(error.message.isEmpty)
                let rendered = SourceDiagnostic.render(file: "f", source: input, location: error.location, message: error.message)
                XCTAssertEqual(rendered.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).count, 4, "round \(round)")
            }
        }
        XCTAssertGreaterThan(parsed, 0, "some mutations stay valid")
        XCTAssertGreaterThan(failed, 2_500)
    }

    // MARK: 6. Rendering

    func testRenderPointsAtTheColumn() throws {
        let source = Array("{\n\twhen: \"orphaned && cmdlin == 'x'\",\n}\n".utf8)
        let when = try XCTUnwrap(member(try JSON5Parser.parse(source), "when")).value
        let location = when.location(ofScalar: 12)
        XCTAssertEqual(location, loc(2, 21, 22))
        XCTAssertEqual(
            SourceDiagnostic.render(
                file: "rules/ports.json5", source: source, location: location,
                message: "unknown field 'cmdlin' (did you mean 'cmdline'?)"),
            """
            rules/ports.json5:2:21: error: unknown field 'cmdlin' (did you mean 'cmdline'?)
                 when: "orphaned && cmdlin == 'x'",
                                    ^

            """)
    }

    /// A diagnostic's code goes at the end of its first line, as clang prints a warning's flag.
    func testRenderedDiagnosticEndsWithItsCode() throws {
        let source = Array("{\n\twhen: \"orphaned && cmdlin == 'x'\",\n}\n".utf8)
        let diagnostic = RuleDiagnostic(
            file: "rules/ports.json5", location: loc(2, 21, 22), code: .unknownField,
            message: "unknown field 'cmdlin' (did you mean 'cmdline'?)")
        XCTAssertEqual(diagnostic.level, .error)
        XCTAssertEqual(
            diagnostic.rendered(source: source),
            """
            rules/ports.json5:2:21: error: unknown field 'cmdlin' (did you mean 'cmdline'?) [unknown_field]
                 when: "orphaned && cmdlin == 'x'",
                                    ^

            """)
        let warning = RuleDiagnostic(file: "w.json5", location: loc(1, 3, 2), code: .unusedMacro, message: "macro 'm' is never used")
        XCTAssertEqual(warning.level, .warning)
        XCTAssertEqual(
            warning.rendered(source: Array("{ m: 1 }".utf8)), "w.json5:1:3: warning: macro 'm' is never used [unused_macro]\n    { m: 1 }\n      ^\n")
    }

    /// Duplicate keys are kept by the parser and refused by the object reader at the second key.
    func testObjectReaderReportsDuplicateAndUnknownKeys() throws {
        let node = try JSON5Parser.parse(Array("{ a: 1, bb: 2, a: 3, bc: 4 }".utf8))
        let object = try JSON5Object(node, allowed: ["a", "bb"], what: "a test")
        XCTAssertEqual(object.members.map(\.key), ["a", "bb"])
        XCTAssertEqual(object["a"]?.value.integerValue, 1)
        XCTAssertEqual(object.problems.map { "\($0.location) \($0.code.rawValue)" }, ["1:16 duplicate_key", "1:22 unknown_key"])
        XCTAssertEqual(object.problems.map(\.message), ["duplicate key 'a' (first at 1:3)", "unknown key 'bc' in a test (did you mean 'bb'?)"])
        XCTAssertThrowsError(try JSON5Object(try JSON5Parser.parse(Array("[1]".utf8)), allowed: nil, what: "a test")) { error in
            XCTAssertEqual((error as? JSON5Problem)?.code, .wrongType)
        }
    }

    func testRenderAtEndOfFile() {
        let noNewline = Array("{a: 1".utf8)
        XCTAssertThrowsError(try JSON5Parser.parse(noNewline)) { error in
            XCTAssertEqual((error as? JSON5Error)?.location, self.loc(1, 6, 5))
        }
        XCTAssertEqual(
            SourceDiagnostic.render(
                file: "x.json5", source: noNewline, location: loc(1, 6, 5),
                message: "unexpected end of input ('{' at 1:1 is never closed)"),
            "x.json5:1:6: error: unexpected end of input ('{' at 1:1 is never closed)\n    {a: 1\n         ^\n")
        let newline = Array("[1,\n".utf8)
        XCTAssertEqual(
            SourceDiagnostic.render(
                file: "y.json5", source: newline, location: loc(2, 1, 4), severity: "warning",
                message: "unexpected end of input (expected a value)"),
            "y.json5:2:1: warning: unexpected end of input (expected a value)\n    \n    ^\n")
        XCTAssertEqual(
            SourceDiagnostic.render(file: "e", source: [], location: loc(1, 1, 0), message: "empty document (expected a value)"),
            "e:1:1: error: empty document (expected a value)\n    \n    ^\n")
    }

    func testRenderShowsHostileLinesSafely() {
        // Control characters become '?', invalid UTF-8 U+FFFD, CRLF is a line end, a BOM is skipped.
        let source: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\r\n  a: '\u{1B}[31m\u{7F}\u{202E}x',\r\n  b: ".utf8) + [0xFF] + Array("\r\n}".utf8)
        XCTAssertEqual(
            SourceDiagnostic.render(file: "c", source: source, location: loc(2, 14, 20), message: "bad\u{1B}]"),
            "c:2:14: error: bad?]\n      a: '?[31m??x',\n                 ^\n")
        XCTAssertEqual(
            SourceDiagnostic.render(file: "c", source: source, location: loc(3, 6, 30), message: "m"),
            "c:3:6: error: m\n      b: \u{FFFD}\n         ^\n")
        XCTAssertEqual(
            SourceDiagnostic.render(file: "c", source: source, location: loc(1, 1, 3), message: "m"),
            "c:1:1: error: m\n    {\n    ^\n")
        XCTAssertEqual(
            SourceDiagnostic.render(file: "c", source: source, location: loc(9, 99, 0), message: "m"),
            "c:9:99: error: m\n    \n    ^\n", "a line past the end shows empty")
        XCTAssertEqual(
            SourceDiagnostic.render(file: "c", source: Array("ab".utf8), location: loc(1, 50, 49), message: "m"),
            "c:1:50: error: m\n    ab\n      ^\n", "a column past the end is clamped to just after the line")

        // A very long line is shown as a window around the column, caret still under its character.
        let long = String(repeating: "abcdefghij", count: 100)
        let rendered = SourceDiagnostic.render(file: "l", source: Array(long.utf8), location: loc(1, 505, 504), message: "m")
        let lines = rendered.split(separator: "\n").map { Array($0.unicodeScalars) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertLessThanOrEqual(lines[1].count, 4 + 2 + SourceDiagnostic.maxShownWidth)
        XCTAssertEqual(lines[1][4], "…")
        XCTAssertEqual(lines[1].last, "…")
        let caret = lines[2].count - 1
        XCTAssertEqual(lines[2][caret], "^")
        XCTAssertEqual(lines[1][caret], "e", "column 505 is the 'e' of the 51st 'abcdefghij'")
    }
}
