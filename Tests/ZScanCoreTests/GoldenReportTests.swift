import Foundation
import XCTest
@testable import ZScanCore

/// Every report format rendered from `GoldenFixture.result()` (findings of every subject kind, a
/// hostile process, cleanup actions with several outcomes) and compared byte for byte with
/// `Tests/Golden/`. The version is written as `{VERSION}` there; host and times are fixed in the
/// fixture. `scripts/update-goldens` rewrites the files (ZSCAN_UPDATE_GOLDENS=1): review the diff.
final class GoldenReportTests: XCTestCase {
    /// Tests/ZScanCoreTests/GoldenReportTests.swift → Tests/Golden.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Golden")

    /// Every format of `ScanReporters.all` and the step summaries they bring, each with its golden
    /// file. JSON is the pretty form so a change reads as a diff (`--format json` writes the same
    /// document without the indentation); text is what `--report text=PATH` writes (plain, uncut).
    static func reporters() -> [any ScanReporter.Type] {
        var reporters = ScanReporters.all
        for summary in ScanReporters.all.compactMap({ $0.stepSummary }) where !reporters.contains(where: { ObjectIdentifier($0) == ObjectIdentifier(summary) })
        {
            reporters.append(summary)
        }
        return reporters
    }

    /// The golden file of a format: named with the extension its readers expect, so an editor shows
    /// it as what it is; a format not named here gets `scan.IDENTIFIER`.
    static func goldenFile(_ reporter: any ScanReporter.Type) -> String {
        let names = [
            "text": "scan.txt", "json": "scan.json", "junit": "scan.junit.xml", "github": "scan.github.txt",
            "prometheus": "scan.prom", "summary": "summary.md",
        ]
        return names[reporter.identifier] ?? "scan." + reporter.identifier
    }

    static func renderings() -> [(file: String, bytes: [UInt8])] {
        let result = GoldenFixture.result()
        return reporters().map { (goldenFile($0), versionless($0.render(result, layout: ReportLayout(pretty: true)))) }
    }

    func testEveryFormatMatchesItsGoldenFile() throws {
        let update = ProcessInfo.processInfo.environment["ZSCAN_UPDATE_GOLDENS"] == "1"
        for (file, bytes) in Self.renderings() {
            let url = Self.directory.appendingPathComponent(file)
            if update {
                try Data(bytes).write(to: url)
                continue
            }
            let golden = try XCTUnwrap(FileManager.default.contents(atPath: url.path), "\(url.path) is missing: run scripts/update-goldens")
            XCTAssertTrue(
                Array(golden) == bytes,
                "\(file) differs from its golden file at \(Self.firstDifference(bytes, Array(golden))); "
                    + "if the change is intended, run scripts/update-goldens and review the diff")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { !$0.hasPrefix(".") }
        XCTAssertEqual(Set(files), Set(Self.renderings().map(\.file)), "a golden file without a rendering, or the reverse")
    }

    /// `line N: "rendered" vs "golden"` for the first line that differs.
    static func firstDifference(_ rendered: [UInt8], _ golden: [UInt8]) -> String {
        let a = rendered.split(separator: 0x0A, omittingEmptySubsequences: false)
        let b = golden.split(separator: 0x0A, omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) where i >= a.count || i >= b.count || a[i] != b[i] {
            func line(_ lines: [ArraySlice<UInt8>]) -> String { i < lines.count ? String(decoding: lines[i], as: UTF8.self) : "(none)" }
            return "line \(i + 1):\n  rendered: \(line(a))\n  golden:   \(line(b))"
        }
        return "(no line differs)"
    }

    /// `"0.1.0"` → `"{VERSION}"`: the version appears quoted (JSON value, Prometheus label) and nowhere else.
    static func versionless(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"\(ToolInfo.version)\"", with: "\"{VERSION}\"").utf8)
    }
}
