import Foundation
import XCTest
@testable import ZScanCore

/// zscan's own JSON reader: agrees with Foundation's on valid documents, says where invalid ones
/// break, and never crashes or recurses without bound on hostile input.
final class JSONValueTests: XCTestCase {
    /// Converts Foundation's parse into a `JSONValue` to compare with ours.
    private func foundation(_ text: String) throws -> JSONValue {
        func convert(_ any: Any) -> JSONValue {
            switch any {
            case is NSNull: return .null
            case let n as NSNumber: return .number(n.stringValue)
            case let s as String: return .string(s)
            case let a as [Any]: return .array(a.map(convert))
            case let o as [String: Any]: return .object(o.mapValues(convert))
            default: return .null
            }
        }
        return convert(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
    }

    private func strings(_ value: JSONValue) -> [String] {
        switch value {
        case let .string(s): return [s]
        case let .array(a): return a.flatMap(strings)
        case let .object(o): return o.keys.sorted() + o.keys.sorted().flatMap { strings(o[$0]!) }
        default: return []
        }
    }

    func testValidDocumentsAgreeWithFoundation() throws {
        let documents = [
            #"{"a":[1,2,{"b":null}],"c":true,"d":false,"e":"x\"y\\z\/","f":-0.5e3}"#,
            #"["\u0041\u00e9\u4e2d\ud83e\udddf", "tab\tnew\nline", "\u001b[31m"]"#,
            #"  {"nested": {"deep": [[[["x"]]]]}, "empty": {}, "none": []}  "#,
            #""just a string""#, "42", "null",
        ]
        for document in documents {
            let ours = try JSONValue.parse(Array(document.utf8))
            XCTAssertEqual(strings(ours), strings(try foundation(document)), document)
        }
        XCTAssertEqual(
            try JSONValue.parse(Array("18446744073709551615".utf8)), .number("18446744073709551615"),
            "64-bit values keep every digit")
    }

    func testErrorsSayWhere() {
        let cases: [(String, String)] = [
            ("{\"a\": 1,\n  \"b\": }", "unexpected character at line 2, column 8"),
            ("[1, 2", "unexpected end of the document at line 1, column 6"),
            ("{\"a\" 1}", "expected ':' at line 1, column 6"),
            ("\"abc", "unterminated string at line 1, column 5"),
            ("[01]", "invalid number (leading zero) at line 1, column 4"),
            ("[1] x", "unexpected text after the document at line 1, column 5"),
            ("\"\\ud800\"", "unpaired surrogate at line 1, column 8"),
            ("\"a\u{01}\"", "control character in string at line 1, column 3"),
            ("tru", "invalid literal at line 1, column 4"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try JSONValue.parse(Array(text.utf8)), text) { error in
                XCTAssertEqual("\(error)", message, text)
            }
        }
    }

    func testDeepNestingIsRefusedNotRecursed() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONValue.parse(Array(deep.utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("nesting deeper than 256"), "\(error)")
        }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        XCTAssertNoThrow(try JSONValue.parse(Array(fine.utf8)))
    }

    func testRandomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]",:0123456789-+.eE\ntrufalsn u"#.utf8) + [0xFF, 0xC3, 0x00, 0x5C]
        let seed = Array(SnapshotJSONTests.sample().jsonBytes())
        for round in 0..<2000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int.random(in: 0..<120, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            } else {
                input = seed
                for _ in 0..<Int.random(in: 1..<8, using: &generator) {
                    input[Int.random(in: 0..<input.count, using: &generator)] = alphabet.randomElement(using: &generator)!
                }
            }
            _ = try? JSONValue.parse(input)
            _ = try? Snapshot.decode(json: input)
        }
    }
}
