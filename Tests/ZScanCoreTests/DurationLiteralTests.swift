import XCTest
import ZScanCore

/// Durations outside conditions (command-line options, config values) read as the condition language reads them.
final class DurationLiteralTests: XCTestCase {
    func testUnitsAndPlainSeconds() {
        let cases: [(String, Double)] = [
            ("500ms", 0.5), ("30s", 30), ("1.5s", 1.5), (".5s", 0.5), ("5m", 300), ("2h", 7200), ("1d", 86400),
            ("2", 2), ("0.25", 0.25), ("0", 0),
        ]
        for (text, seconds) in cases { XCTAssertEqual(DurationLiteral.seconds(text) ?? -1, seconds, accuracy: 1e-9, text) }
    }

    func testAnythingElseIsNil() {
        for text in ["", " ", "s", "2 s", " 2s", "2s ", "-1s", "2sec", "1w", "5MB", "'2s'", "2s && 1", "1.5.2s", "99999999999999999999"] {
            XCTAssertNil(DurationLiteral.seconds(text), text)
        }
    }
}
