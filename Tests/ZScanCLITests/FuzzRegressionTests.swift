import Foundation
import XCTest
import ZScanTestSupport

/// Every seed of the fuzz corpus and every input the fuzzer ever found crashing (scripts/fuzz keeps
/// them in Tests/Fuzz/crashes/TARGET/) goes through its target again, in the normal build of
/// zscan-fuzz: none may crash, and each must be read.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")
    static let targets = ["rules", "condition", "snapshot", "stat", "status", "cmdline", "net"]

    func testEveryTargetHasSeedsAndReplaysThemAndItsCrashes() throws {
        var replayed = 0
        for target in Self.targets {
            for kind in ["corpus", "crashes"] {
                let directory = Self.fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target)
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { !$0.hasPrefix(".") } ?? []
                if kind == "corpus" { XCTAssertFalse(files.isEmpty, "no seeds for \(target)") }
                if files.isEmpty { continue }
                let result = try runCapturing(Products.path("zscan-fuzz"), [target, directory.path])
                XCTAssertEqual(result.status, 0, "\(target) \(kind): \(result.stderr)")
                XCTAssertEqual(result.stdout, "\(target): \(files.count) inputs, no crash\n", "\(target) \(kind)")
                replayed += files.count
            }
        }
        XCTAssertGreaterThan(replayed, 50)
    }

    func testUnknownTargetIsAUsageError() throws {
        let result = try runCapturing(Products.path("zscan-fuzz"), ["nope"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("targets: cmdline, condition, net, rules, snapshot, stat, status"), result.stderr)
    }
}
