import XCTest
@testable import ZScanCore

final class TerminalTextTests: XCTestCase {
    func testControlsAreShownEscaped() {
        XCTAssertEqual(TerminalText.escape("plain name"), "plain name")
        XCTAssertEqual(TerminalText.escape("a\nb\tc\r"), #"a\nb\tc\r"#)
        XCTAssertEqual(TerminalText.escape("\u{1B}[31mred"), #"\e[31mred"#)
        XCTAssertEqual(TerminalText.escape("\u{9B}2J\u{7F}\u{07}"), #"\x9b2J\x7f\x07"#)
        XCTAssertEqual(TerminalText.escape("x\u{2028}y"), #"x\u{2028}y"#)
        XCTAssertEqual(TerminalText.escape("zombie 🧟"), "zombie 🧟")
    }

    func testBidiControlsAreShownEscapedSoTheyCannotReorderAReport() {
        // "nrocivu" behind RIGHT-TO-LEFT OVERRIDE would be displayed as "uvicorn".
        XCTAssertEqual(TerminalText.escape("\u{202E}nrocivu\u{202C}"), #"\u{202e}nrocivu\u{202c}"#)
        XCTAssertEqual(TerminalText.escape("a\u{2066}b\u{2069}\u{200F}\u{061C}"), #"a\u{2066}b\u{2069}\u{200f}\u{61c}"#)
        XCTAssertEqual(TerminalText.escape("שלום עולם"), "שלום עולם", "right-to-left text itself is left alone")
    }

    func testEscapedTextHasNoControlLeft() {
        var all = ""
        for v in 0..<0x250 { if let s = Unicode.Scalar(v) { all.unicodeScalars.append(s) } }
        let escaped = TerminalText.escape(all)
        XCTAssertFalse(escaped.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) })
    }

    func testTruncate() {
        XCTAssertEqual(TerminalText.truncate("abcdef", width: 10), "abcdef")
        XCTAssertEqual(TerminalText.truncate("abcdef", width: 4), "abc…")
    }

    func testDurations() {
        XCTAssertEqual(DurationText.short(5), "5s")
        XCTAssertEqual(DurationText.short(125), "2m")
        XCTAssertEqual(DurationText.short(3 * 3600 + 5 * 60), "3h05m")
        XCTAssertEqual(DurationText.short(2 * 86400 + 4 * 3600), "2d04h")
        XCTAssertEqual(DurationText.short(-3), "0s")
    }
}
