import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// `.zscan.json5` applied to a real scan, `--from` and `--baseline`.
final class ConfigAndRulesTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func zscan(_ arguments: [String], environment: [String: String]? = nil) throws -> ToolResult {
        var env = neutralEnvironment
        for (key, value) in environment ?? [:] { env[key] = value }
        return try runCapturing(Products.path("zscan"), arguments, environment: env)
    }

    /// Which values win is checked in ScanSettingsTests; here, that the config's `allow` keeps a
    /// real zombie out of the report and the exit status.
    func testConfigAllowIsNeverReported() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "1"])
        defer { fixture.stop() }
        let narrow = ["--skip", "hang", "--where", "ppid == \(fixture.pid) || pid == \(fixture.pid)", "-q"]
        XCTAssertEqual(try zscan(narrow).status, 1, "without allow, the zombie fails the run")
        let allow = try write("a.json5", "{ allow: [\"pid == \(fixture.ints("zombies")[0]) || pid == \(fixture.pid)\"] }")
        XCTAssertEqual(try zscan(["--config", allow] + narrow).status, 0)
    }

    func testFromASavedSnapshotAndBaselineLeaks() throws {
        let before = directory.appendingPathComponent("before.json").path
        XCTAssertEqual(try zscan(["snapshot", "-o", before]).status, 0)
        let leaked = try FixtureProcess(["sleep"])
        defer { leaked.stop() }
        let narrow = ["--only", "leaked_process", "--where", "pid == \(leaked.pid)", "--format", "json"]
        let withBaseline = try zscan(["--baseline", before] + narrow)
        XCTAssertEqual(withBaseline.status, 1, withBaseline.stderr)
        XCTAssertTrue(withBaseline.stdout.contains("\"rule\":\"leaked_process\""), withBaseline.stdout)
        XCTAssertEqual(try zscan(narrow).status, 0, "without a baseline, 'new' is unknown and nothing fires")

        let after = directory.appendingPathComponent("after.json").path
        XCTAssertEqual(try zscan(["snapshot", "-o", after]).status, 0)
        let fromFile = try zscan(["--from", after, "--baseline", before] + narrow)
        XCTAssertEqual(fromFile.status, 1)
        XCTAssertTrue(fromFile.stdout.contains("\"from\":\"\(after)\""), fromFile.stdout)
        let broken = try write("broken.json", "{\"format_version\": \"1.0\"")
        let brokenResult = try zscan(["--from", broken])
        XCTAssertEqual(brokenResult.status, 2)
        XCTAssertTrue(brokenResult.stderr.hasPrefix("Error: \(broken): invalid snapshot: "), brokenResult.stderr)
    }
}
