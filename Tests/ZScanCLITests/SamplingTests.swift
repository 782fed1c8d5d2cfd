import Foundation
import XCTest
import ZScanTestSupport

/// A default scan samples only the processes a hang rule could match: in a private PID namespace
/// holding nothing that could spin, it takes no sample at all; a spinner is sampled and found.
final class SamplingTests: XCTestCase {
    func testDefaultScanSamplesOnlyWhatCouldSpin() throws {
        guard CleanupSandbox.isolated else {
            throw XCTSkip("unshare --pid does not work here: outside a private namespace any old runnable process is a candidate")
        }
        let sandbox = try CleanupSandbox()
        let result = try sandbox.run(
            #"""
            "$ZSCAN" --format json --fail-on none > default.json
            printf '{ thresholds: { cpu_hang_min_age: "0s" } }' > eager.json5
            start spin spin --seconds 30
            "$ZSCAN" --config eager.json5 --only cpu_hang --format json --fail-on none --sample 500ms > spun.json
            echo "spinner $(sed -n 's/.*"spinner": *\([0-9]*\).*/\1/p' spin.json)"
            stop spin
            """#)
        XCTAssertEqual(result.status, 0, result.stderr)
        func scope(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: sandbox.directory.appendingPathComponent(name))
            let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try XCTUnwrap(json["scope"] as? [String: Any])
        }
        let idle = try scope("default.json")
        XCTAssertEqual(idle["sampled_processes"] as? Int, 0, "nothing in the namespace is runnable but zscan")
        XCTAssertTrue(idle["sample_seconds"] is NSNull, "no sample taken: no wait")

        let spinner = try XCTUnwrap(result.stdout.split(separator: "\n").last?.split(separator: " ").last.flatMap { Int($0) }, result.stdout)
        let data = try Data(contentsOf: sandbox.directory.appendingPathComponent("spun.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let found = (json["findings"] as? [[String: Any]] ?? []).compactMap { ($0["process"] as? [String: Any])?["pid"] as? Int }
        XCTAssertEqual(found, [spinner], "the spinner is sampled and found")
        let spun = try scope("spun.json")
        XCTAssertGreaterThanOrEqual(spun["sampled_processes"] as? Int ?? 0, 1)
        XCTAssertEqual(spun["sample_seconds"] as? Double ?? 0, 0.5, accuracy: 0.3)
    }
}
