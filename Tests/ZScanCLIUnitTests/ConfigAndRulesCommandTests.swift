import XCTest
@testable import ZScanCLI
import ZScanCore

/// `.zscan.json5` errors, rule file errors and `zscan rules …`, the commands called in this process.
final class ConfigAndRulesCommandTests: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws { directory = try TemporaryDirectory() }

    override func tearDown() { directory.remove() }

    func testConfigErrorsPointIntoTheConfig() throws {
        let config = try directory.write(
            "bad.json5",
            """
            {
              fail_on: "zombie",
              tresholds: { orphan_min_age: "1m" },
              lists: { dev_servres: { append: ["x"] } },
            }
            """)
        let result = zscan(["--config", config])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(firstLines(result.stderr), ["\(config):3:3: error: [unknown_key]"])
        XCTAssertTrue(
            result.stderr.hasPrefix("\(config):3:3: error: unknown key 'tresholds' in the config (did you mean 'thresholds'?) [unknown_key]\n"), result.stderr)
        let unknownList = try directory.write("list.json5", #"{ lists: { dev_servres: { append: ["x"] } } }"#)
        let listResult = zscan(["--config", unknownList])
        XCTAssertEqual(listResult.status, 2)
        XCTAssertEqual(
            listResult.stderr,
            "\(unknownList):1:12: error: unknown list 'dev_servres' (did you mean 'dev_servers'?) [unknown_list]\n"
                + "    { lists: { dev_servres: { append: [\"x\"] } } }\n" + String(repeating: " ", count: 4 + 11) + "^\n")
        let badThreshold = try directory.write("threshold.json5", #"{ thresholds: { orphan_min_age: "30 parsecs" } }"#)
        let thresholdResult = zscan(["--config", badThreshold, "--skip", "hang"])
        XCTAssertEqual(thresholdResult.status, 2)
        XCTAssertEqual(Set(firstLines(thresholdResult.stderr)), ["\(badThreshold):1:33: error: [invalid_condition]"], "once per rule using it")
        let badAllow = try directory.write("allow.json5", #"{ allow: ["cmdline contans 'bazel'"] }"#)
        let allowResult = zscan(["--config", badAllow])
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
        let rules = try directory.write(
            "unused.json5",
            """
            {
              format_version: 1,
              macros: { never_used: "true" },
              rules: [{ id: "r", title: "R", severity: "info", when: "pid == 4242", message: "m", examples: { match: [{ pid: 4242 }], no_match: [{ pid: 1 }] } }],
            }
            """)
        let scan = ["--rules", rules, "--only", "r", "--where", "pid == 0", "--format", "json"]
        let loud = zscan(scan)
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertEqual(firstLines(loud.stderr), ["\(rules):3:13: warning: [unused_macro]"])
        let silence = try directory.write("silence.json5", #"{ silence: ["unused_macro"] }"#)
        let quiet = zscan(["--config", silence] + scan)
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertEqual(quiet.status, 0)
        let check = zscan(["rules", "check", "--config", silence, rules])
        XCTAssertEqual(check.stderr, "")
        XCTAssertEqual(check.status, 0)
        XCTAssertEqual(firstLines(zscan(["rules", "check", rules]).stderr), ["\(rules):3:13: warning: [unused_macro]"])

        let wrong = try directory.write("wrong.json5", #"{ silence: ["duplicate_rule_id", "unused_macros"], sample: "1s", sample: "2s" }"#)
        let refused = zscan(["--config", wrong] + scan)
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(
            firstLines(refused.stderr),
            [
                "\(wrong):1:13: error: [cannot_silence]", "\(wrong):1:34: error: [unknown_code]", "\(wrong):1:66: error: [duplicate_key]",
            ])
        XCTAssertTrue(refused.stderr.contains("unknown diagnostic code 'unused_macros' (did you mean 'unused_macro'?)"), refused.stderr)
    }

    func testRulesExplainAndVerboseOverride() throws {
        let explain = zscan(["rules", "explain", "orphaned_dev_server"], environment: ["COLUMNS": "80"])
        XCTAssertEqual(explain.status, 0)
        XCTAssertTrue(explain.stdout.hasPrefix("orphaned_dev_server: Orphaned dev server\n  severity  error\n  tags      orphan, dev-server\n"), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("  when      orphaned && dev_server && "), explain.stdout)
        XCTAssertTrue(explain.stdout.contains("  matches   { pid: 4242, ppid: 1, sid: 4000, orphaned: true"), explain.stdout)
        let missing = zscan(["rules", "explain", "zombei"])
        XCTAssertEqual(missing.stderr, "Error: no rule 'zombei' (did you mean 'zombie'?); see 'zscan rules list'\n")
        XCTAssertEqual(missing.status, 2)

        let fixtures = fixturesDirectory.appendingPathComponent("rules").path
        let verbose = zscan(["--rules", fixtures, "--only", "stopped_process", "-v", "-q"])
        XCTAssertTrue(verbose.stderr.contains("zscan: rule 'stopped_process' from \(fixtures)/team.json5:"), verbose.stderr)
        XCTAssertTrue(verbose.stderr.contains("replaces the built-in rule"))
        let check = zscan(["rules", "check", fixtures])
        // The fixtures replace built-in rules and add one of their own.
        let builtins = try RuleLoader.load(BuiltinRules.sources, keepExamples: false).rules.count
        XCTAssertTrue(check.stdout.hasPrefix("ok: \(builtins + 1) rules in 7 files, "), check.stdout)
        XCTAssertTrue(check.stdout.hasSuffix(" examples hold\n"), check.stdout)
        XCTAssertEqual(check.status, 0)
    }

    /// A rule with `hidden: true` runs only when asked: `-v`, or `--only` naming its id or a tag
    /// of it. Otherwise nothing of it reaches the report, the exit status or cleanup.
    func testHiddenRuleFindsOnlyWhenAsked() throws {
        let rules = try directory.write(
            "hidden.json5",
            """
            {
              format_version: 1,
              rules: [{
                id: "peek", title: "Peek", severity: "info", tags: ["look"], hidden: true, when: "name == 'sleeper'",
                message: "{name} ({pid}) is asleep", action: "terminate",
                examples: { match: [{ name: "sleeper" }], no_match: [{ name: "awake" }] },
              }],
            }
            """)
        let snapshot = try directory.write(
            "snapshot.json",
            #"{"format_version": "1.0", "host": {"boot_time": 0, "clock_ticks": 100}, "taken_at": 0, "processes": [{"pid": 42, "ppid": 1, "state": "S", "name": "sleeper", "start_ticks": 7}], "sockets": []}"#
        )
        func scan(_ extra: [String]) -> InProcessResult {
            zscan(["--rules", rules, "--from", snapshot, "--skip", "zombie,orphan,port,hang,pidfile,leak", "--fail-on", "any"] + extra)
        }
        let plain = scan(["--format", "json"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.contains("peek"), "not even among the rules that ran: \(plain.stdout)")
        for asked in [["-v"], ["--verbose"], ["--only", "peek"], ["--only", "look"], ["--only", "look,zombie"]] {
            let shown = scan(asked)
            XCTAssertEqual(shown.status, 1, "\(asked): \(shown.stderr)")
            XCTAssertTrue(shown.stdout.contains("info  peek  Peek (1)\n"), "\(asked): \(shown.stdout)")
            XCTAssertTrue(shown.stdout.contains("sleeper (42) is asleep"), "\(asked)")
        }
        let bySeverity = scan(["--only", "info"])
        XCTAssertEqual(bySeverity.status, 0, "a severity selects rules but does not name a hidden one")
        XCTAssertTrue(bySeverity.stdout.hasPrefix("no findings"), bySeverity.stdout)
        XCTAssertTrue(zscan(["rules", "list", "--rules", rules]).stdout.contains("Peek (hidden)"))
        XCTAssertTrue(zscan(["rules", "explain", "peek", "--rules", rules]).stdout.contains("\n  hidden    shown only with -v or --only peek"))
    }

    func testRulesCheckReadsAFileNamedTwiceOnceAndRunsExamplesWithoutTheConfigsTuning() throws {
        let fixtures = fixturesDirectory.appendingPathComponent("rules").path
        let once = zscan(["rules", "check", fixtures])
        XCTAssertEqual(once.status, 0, once.stderr)
        // The directory and one of its files again, by another spelling: still one copy of each rule.
        let twice = zscan(["rules", "check", fixtures, fixtures + "/team.json5", fixtures + "/./team.json5"])
        XCTAssertEqual(twice.stdout, once.stdout)
        XCTAssertEqual(twice.stderr, "")
        XCTAssertEqual(twice.status, 0)
        // A config that tunes a threshold the built-in examples depend on (an orphan of 120s
        // matches at 30s, not at 5m): the examples hold as their files define them.
        let config = try directory.write("tuned.json5", #"{ thresholds: { orphan_min_age: "5m" } }"#)
        let tuned = zscan(["rules", "check", "--config", config])
        XCTAssertEqual(tuned.stderr, "")
        XCTAssertEqual(tuned.status, 0)
        // A tuning of a threshold that does not exist is still an error, shown in the config.
        let bad = try directory.write("bad-threshold.json5", #"{ thresholds: { orphan_min_agee: "5m" } }"#)
        let refused = zscan(["rules", "check", "--config", bad])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("unknown threshold 'orphan_min_agee' (did you mean 'orphan_min_age'?)"), refused.stderr)
        // $ZSCAN_CONFIG names the config for the rules commands as for a scan; --config wins over it.
        let viaEnvironment = zscan(["rules", "check"], environment: ["ZSCAN_CONFIG": bad])
        XCTAssertEqual(viaEnvironment.status, 2)
        XCTAssertTrue(viaEnvironment.stderr.contains("unknown threshold 'orphan_min_agee'"), viaEnvironment.stderr)
        let flagWins = zscan(["rules", "check", "--config", config], environment: ["ZSCAN_CONFIG": bad])
        XCTAssertEqual(flagWins.stderr, "")
        XCTAssertEqual(flagWins.status, 0)
    }

    func testBrokenRuleFileIsExitTwoWithItsPlace() throws {
        let path = try directory.write(
            "broken.json5",
            """
            {
              format_version: 1,
              rules: [{
                id: "x", title: "X", severity: "error",
                when: "orphaned && cmdlin == 'uvicorn'",
                message: "{name}",
              }],
            }
            """)
        for arguments in [["--rules", path], ["rules", "check", path]] {
            let result = zscan(arguments)
            XCTAssertEqual(result.status, 2)
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(
                result.stderr,
                "\(path):5:24: error: unknown field 'cmdlin' of a process (did you mean 'cmdline'?) [unknown_field]\n"
                    + "        when: \"orphaned && cmdlin == 'uvicorn'\",\n"
                    + String(repeating: " ", count: 4 + 23) + "^\n", "\(arguments)")
        }
    }
}
