import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// `.zscan.json5`, precedence, `zscan rules …`, `--from` and `--baseline`.
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

    func testConfigErrorsPointIntoTheConfig() throws {
        let config = try write("bad.json5", """
            {
              fail_on: "zombie",
              tresholds: { orphan_min_age: "1m" },
              lists: { dev_servres: { append: ["x"] } },
            }
            """)
        let result = try zscan(["--config", config])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(firstLines(result.stderr), ["\(config):3:3: error: [unknown_key]"])
        XCTAssertTrue(result.stderr.hasPrefix("\(config):3:3: error: unknown key 'tresholds' in the config (did you mean 'thresholds'?) [unknown_key]\n"), result.stderr)
        let unknownList = try write("list.json5", #"{ lists: { dev_servres: { append: ["x"] } } }"#)
        let listResult = try zscan(["--config", unknownList])
        XCTAssertEqual(listResult.status, 2)
        XCTAssertEqual(listResult.stderr, "\(unknownList):1:12: error: unknown list 'dev_servres' (did you mean 'dev_servers'?) [unknown_list]\n"
            + "    { lists: { dev_servres: { append: [\"x\"] } } }\n" + String(repeating: " ", count: 4 + 11) + "^\n")
        let badThreshold = try write("threshold.json5", #"{ thresholds: { orphan_min_age: "30 parsecs" } }"#)
        let thresholdResult = try zscan(["--config", badThreshold, "--skip", "hang"])
        XCTAssertEqual(thresholdResult.status, 2)
        XCTAssertEqual(Set(firstLines(thresholdResult.stderr)), ["\(badThreshold):1:33: error: [invalid_condition]"], "once per rule using it")
        let badAllow = try write("allow.json5", #"{ allow: ["cmdline contans 'bazel'"] }"#)
        let allowResult = try zscan(["--config", badAllow])
        XCTAssertEqual(allowResult.status, 2)
        XCTAssertEqual(firstLines(allowResult.stderr), ["\(badAllow):1:20: error: [invalid_condition]"])
    }

    /// The first line of each diagnostic in `stderr` as `file:line:col: level: [code]`: which
    /// problem was found and where, without its wording.
    func firstLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map { line in
            let parts = line.split(separator: ": ", maxSplits: 2)
            let code = line.hasSuffix("]") ? line[line.lastIndex(of: "[")!...] : ""
            return parts.count == 3 ? "\(parts[0]): \(parts[1]): \(code)" : String(line)
        }
    }

    /// `silence` drops warnings by code from a scan and from `rules check`; it cannot silence an
    /// error or name an unknown code, and the config refuses a key written twice.
    func testConfigSilencesWarningsByCode() throws {
        let rules = try write("unused.json5", """
            {
              format_version: 1,
              macros: { never_used: "true" },
              rules: [{ id: "r", title: "R", severity: "info", when: "pid == 4242", message: "m", examples: { match: [{ pid: 4242 }], no_match: [{ pid: 1 }] } }],
            }
            """)
        let scan = ["--rules", rules, "--only", "r", "--where", "pid == 0", "--format", "json"]
        let loud = try zscan(scan)
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertEqual(firstLines(loud.stderr), ["\(rules):3:13: warning: [unused_macro]"])
        let silence = try write("silence.json5", #"{ silence: ["unused_macro"] }"#)
        let quiet = try zscan(["--config", silence] + scan)
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertEqual(quiet.status, 0)
        let check = try zscan(["rules", "check", "--config", silence, rules])
        XCTAssertEqual(check.stderr, "")
        XCTAssertEqual(check.status, 0)
        XCTAssertEqual(firstLines(try zscan(["rules", "check", rules]).stderr), ["\(rules):3:13: warning: [unused_macro]"])

        let wrong = try write("wrong.json5", #"{ silence: ["duplicate_rule_id", "unused_macros"], sample: "1s", sample: "2s" }"#)
        let refused = try zscan(["--config", wrong] + scan)
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(firstLines(refused.stderr), [
            "\(wrong):1:13: error: [cannot_silence]", "\(wrong):1:34: error: [unknown_code]", "\(wrong):1:66: error: [duplicate_key]",
        ])
        XCTAssertTrue(refused.stderr.contains("unknown diagnostic code 'unused_macros' (did you mean 'unused_macro'?)"), refused.stderr)
    }

    func testFlagsBeatEnvironmentBeatConfig() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "1"])
        defer { fixture.stop() }
        let narrow = ["--skip", "hang", "--where", "ppid == \(fixture.pid) || pid == \(fixture.pid)", "-q"]
        let config = try write("c.json5", #"{ fail_on: "none" }"#)
        XCTAssertEqual(try zscan(["--config", config] + narrow).status, 0, "config: fail on nothing")
        XCTAssertEqual(try zscan(["--config", config] + narrow, environment: ["ZSCAN_FAIL_ON": "zombie"]).status, 1, "environment beats config")
        XCTAssertEqual(try zscan(["--config", config, "--fail-on", "none"] + narrow, environment: ["ZSCAN_FAIL_ON": "zombie"]).status, 0, "flag beats environment")
        // allow: never reported.
        let allow = try write("a.json5", "{ allow: [\"pid == \(fixture.ints("zombies")[0]) || pid == \(fixture.pid)\"] }")
        XCTAssertEqual(try zscan(["--config", allow] + narrow).status, 0)
    }

    func testRulesExplainAndVerboseOverride() throws {
        let explain = try zscan(["rules", "explain", "orphaned_dev_server"])
        XCTAssertEqual(explain.status, 0)
        XCTAssertTrue(explain.stdout.hasPrefix("orphaned_dev_server: Orphaned dev server\n  severity  error\n  tags      orphan, dev-server\n"), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("  when      orphaned && dev_server && state != 'Z' && age > orphan_min_age\n"))
        XCTAssertTrue(explain.stdout.contains("  matches   { pid: 4242, ppid: 1, sid: 4000, orphaned: true"), explain.stdout)
        let missing = try zscan(["rules", "explain", "zombei"])
        XCTAssertEqual(missing.stderr, "Error: no rule 'zombei' (did you mean 'zombie'?); see 'zscan rules list'\n")
        XCTAssertEqual(missing.status, 2)

        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/rules").path
        let verbose = try zscan(["--rules", fixtures, "--only", "stopped_process", "-v", "-q"])
        XCTAssertTrue(verbose.stderr.contains("zscan: rule 'stopped_process' from \(fixtures)/team.json5:"), verbose.stderr)
        XCTAssertTrue(verbose.stderr.contains("replaces the built-in rule"))
        let check = try zscan(["rules", "check", fixtures])
        XCTAssertEqual(check.stdout, "ok: 14 rules in 7 files, 47 examples hold\n")
        XCTAssertEqual(check.status, 0)
    }

    func testRulesCheckReadsAFileNamedTwiceOnceAndRunsExamplesWithoutTheConfigsTuning() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/rules").path
        let once = try zscan(["rules", "check", fixtures])
        XCTAssertEqual(once.status, 0, once.stderr)
        // The directory and one of its files again, by another spelling: still one copy of each rule.
        let twice = try zscan(["rules", "check", fixtures, fixtures + "/team.json5", fixtures + "/./team.json5"])
        XCTAssertEqual(twice.stdout, once.stdout)
        XCTAssertEqual(twice.stderr, "")
        XCTAssertEqual(twice.status, 0)
        // A config that tunes a threshold the built-in examples depend on (an orphan of 120s
        // matches at 30s, not at 5m): the examples hold as their files define them.
        let config = try write("tuned.json5", #"{ thresholds: { orphan_min_age: "5m" } }"#)
        let tuned = try zscan(["rules", "check", "--config", config])
        XCTAssertEqual(tuned.stderr, "")
        XCTAssertEqual(tuned.status, 0)
        // A tuning of a threshold that does not exist is still an error, shown in the config.
        let bad = try write("bad-threshold.json5", #"{ thresholds: { orphan_min_agee: "5m" } }"#)
        let refused = try zscan(["rules", "check", "--config", bad])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("unknown threshold 'orphan_min_agee' (did you mean 'orphan_min_age'?)"), refused.stderr)
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
