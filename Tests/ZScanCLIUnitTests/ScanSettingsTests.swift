import XCTest
@testable import ZScanCLI
import ZScanCore

/// Which value wins (flags > `ZSCAN_*` > config > defaults), what each option accepts and the
/// exact error when it does not, without scanning.
final class ScanSettingsTests: XCTestCase {
    static let ruleSet = try! RuleLoader.load(BuiltinRules.sources, keepExamples: false)

    func settings(
        _ arguments: [String], environment: [String: String] = [:], config: String? = nil,
        spec: CommandSpec = ScanCommand.spec, defaultSample: Double = 1
    ) throws -> ScanSettings {
        let parsed = try ParsedArguments(arguments, spec: spec)
        let file = try config.map { text throws in try ConfigFile.load(path: "/etc/zscan/config.json5", bytes: Array(text.utf8)) }
        return try ScanSettings.resolve(
            parsed, environment: environment, config: file, ruleSet: Self.ruleSet, spec: spec, defaultSample: defaultSample)
    }

    /// The usage error's message (the line after `Error: `), or what else was thrown.
    func error(_ arguments: [String], environment: [String: String] = [:], config: String? = nil) -> String {
        do {
            _ = try settings(arguments, environment: environment, config: config)
            return "no error"
        } catch let CLIError.usage(usage) {
            return usage.message
        } catch let CLIError.failure(message, _) {
            return message
        } catch {
            return "\(error)"
        }
    }

    func testSelectorsFlagsBeatEnvironmentBeatConfig() throws {
        let config = #"{ fail_on: "none", only: ["zombie", "orphan"], skip: "hang" }"#
        XCTAssertEqual(try settings([]).failOn, .defaultFailOn)
        XCTAssertNil(try settings([]).only)
        XCTAssertNil(try settings([]).skip)
        let fromConfig = try settings([], config: config)
        XCTAssertEqual(fromConfig.failOn, Selector(parsing: "none"), "config: fail on nothing")
        XCTAssertEqual(fromConfig.only, Selector(parsing: "zombie,orphan"))
        XCTAssertEqual(fromConfig.skip, Selector(parsing: "hang"))
        let environment = ["ZSCAN_FAIL_ON": "zombie", "ZSCAN_ONLY": "zombie", "ZSCAN_SKIP": "leak"]
        let fromEnvironment = try settings([], environment: environment, config: config)
        XCTAssertEqual(fromEnvironment.failOn, Selector(parsing: "zombie"), "environment beats config")
        XCTAssertEqual(fromEnvironment.only, Selector(parsing: "zombie"))
        XCTAssertEqual(fromEnvironment.skip, Selector(parsing: "leak"))
        let fromFlags = try settings(["--fail-on", "none", "--only", "orphan", "--only", "leak", "--skip", "zombie"], environment: environment, config: config)
        XCTAssertEqual(fromFlags.failOn, Selector(parsing: "none"), "flag beats environment")
        XCTAssertEqual(fromFlags.only, Selector(parsing: "orphan,leak"), "repeated flags add up")
        XCTAssertEqual(fromFlags.skip, Selector(parsing: "zombie"))
        XCTAssertEqual(
            try settings([], environment: ["ZSCAN_FAIL_ON": ""], config: config).failOn, Selector(parsing: "none"),
            "an empty variable says nothing")
        XCTAssertEqual(error([], environment: ["ZSCAN_FAIL_ON": "zombi"]), "--fail-on: no rule, tag or severity 'zombi' (did you mean 'zombie'?)")
        XCTAssertEqual(error([], config: #"{ skip: "hnag" }"#), "--skip: no rule, tag or severity 'hnag' (did you mean 'hang'?)")
    }

    func testFormatFlagBeatsEnvironmentBeatsGitHubActions() throws {
        XCTAssertEqual(try settings([]).format, "text")
        XCTAssertEqual(try settings([], environment: ["GITHUB_ACTIONS": "true"]).format, "github")
        XCTAssertEqual(try settings([], environment: ["GITHUB_ACTIONS": "false"]).format, "text")
        XCTAssertEqual(try settings([], environment: ["GITHUB_ACTIONS": "true", "ZSCAN_FORMAT": "json"]).format, "json")
        XCTAssertEqual(try settings(["--format", "junit"], environment: ["ZSCAN_FORMAT": "json"]).format, "junit")
        XCTAssertEqual(error([], environment: ["ZSCAN_FORMAT": ""]), "Unknown format '' (expected \(ScanReporters.identifierList))")
    }

    func testSampleFlagBeatsEnvironmentBeatsConfigBeatsDefault() throws {
        let config = #"{ sample: "2s" }"#
        XCTAssertEqual(try settings([]).sample, 1)
        XCTAssertEqual(try settings([], defaultSample: 0).sample, 0, "zscan run samples only when asked")
        XCTAssertEqual(try settings([], config: config, defaultSample: 0).sample, 2)
        XCTAssertEqual(try settings([], environment: ["ZSCAN_SAMPLE": "500ms"], config: config).sample, 0.5)
        XCTAssertEqual(try settings(["--sample", "3s"], environment: ["ZSCAN_SAMPLE": "500ms"], config: config).sample, 3)
        XCTAssertEqual(
            error([], environment: ["ZSCAN_SAMPLE": "soon"], config: config),
            "Invalid --sample 'soon' (a duration such as 500ms or 2s, at most 10m)")
    }

    /// The condition language's duration literal, or plain seconds; at most 10 minutes.
    func testDurationsAndTheirLimit() throws {
        let accepted: [(String, Double)] = [
            ("500ms", 0.5), ("2s", 2), ("1.5s", 1.5), (".5s", 0.5), ("1m", 60), ("10m", 600), ("0.1h", 360),
            ("3", 3), ("0.25", 0.25), ("0", 0), ("0s", 0), ("600", 600),
        ]
        for (text, seconds) in accepted {
            XCTAssertEqual(try settings(["--sample", text]).sample, seconds, accuracy: 1e-9, text)
            XCTAssertEqual(try settings(["--grace", text]).grace, seconds, accuracy: 1e-9, text)
        }
        for text in ["700s", "1d", "11m", "1h", "601", "-1s", "2 s", " 2s", "2s ", "2sec", "fast", "", "s", "1.5.2s"] {
            XCTAssertEqual(error(["--sample=\(text)"]), "Invalid --sample '\(text)' (a duration such as 500ms or 2s, at most 10m)", text)
            XCTAssertEqual(error(["--grace=\(text)"]), "Invalid --grace '\(text)' (a duration such as 500ms or 5s, at most 10m)", text)
        }
        XCTAssertEqual(try settings([]).grace, 5)
        // Called directly: a `zscan run` that got past the check would make this process a subreaper.
        XCTAssertEqual(try ScanSettings.duration("settle", "1.5s", example: "2s", spec: RunCommand.spec), 1.5)
        XCTAssertThrowsError(try ScanSettings.duration("settle", "1d", example: "2s", spec: RunCommand.spec)) { error in
            guard case let CLIError.usage(usage) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(
                usage.text,
                "Error: Invalid --settle '1d' (a duration such as 500ms or 2s, at most 10m)\n"
                    + "Usage: zscan run [options] -- <command> [<argument> ...]\n  See 'zscan run --help' for more information.\n")
        }
    }

    /// With several mistakes, the first one users have always been told about is still the one.
    func testErrorsComeInTheirOrder() {
        XCTAssertEqual(error(["--fail-on", "zombi", "--format", "xml"]), "--fail-on: no rule, tag or severity 'zombi' (did you mean 'zombie'?)")
        XCTAssertEqual(error(["--format", "xml", "--sample", "1d"]), "Unknown format 'xml' (expected \(ScanReporters.identifierList))")
        XCTAssertEqual(error(["--sample", "1d", "--port", "0"]), "Invalid --sample '1d' (a duration such as 500ms or 2s, at most 10m)")
        XCTAssertEqual(error(["--port", "0", "--grace", "1d"]), "Invalid port '0' (expected 1-65535)")
        XCTAssertEqual(error(["--grace", "1d", "--cleanup", "--from", "x.json"]), "Invalid --grace '1d' (a duration such as 500ms or 5s, at most 10m)")
    }

    func testReportsPortsAndFilters() throws {
        let given = try settings([
            "--report", "json=out/z.json", "--report", "junit=a=b.xml", "--port", "80,443", "--port", "8080",
            "--pattern", "uvicorn", "--where", "age > 1m",
        ])
        XCTAssertEqual(given.reports.map { "\($0.format) \($0.path)" }, ["json out/z.json", "junit a=b.xml"])
        XCTAssertEqual(given.ports, [80, 443, 8080])
        XCTAssertEqual(given.filters, ["pattern: uvicorn", "port: 80,443,8080", "where: age > 1m"])
        XCTAssertNotNil(given.pattern)
        XCTAssertNotNil(given.whereCondition)
        for item in ["xml=a.xml", "json=", "json", "=a.json"] {
            XCTAssertEqual(error(["--report", item]), "--report takes FORMAT=PATH with FORMAT \(ScanReporters.identifierList), not '\(item)'")
        }
        XCTAssertEqual(error(["--port", "80,http"]), "Invalid port 'http' (expected 1-65535)")
        XCTAssertEqual(error(["--port", "65536"]), "Invalid port '65536' (expected 1-65535)")
        XCTAssertEqual(error(["--pattern", "a("]).hasPrefix("--pattern: invalid regular expression at offset "), true)
        XCTAssertEqual(error(["--where", "agee > 1m"]).hasPrefix("Error: --where: unknown field 'agee'"), true, error(["--where", "agee > 1m"]))
    }

    /// Every source of PID file globs counts: flags, then `ZSCAN_PIDFILES`, then the config's.
    func testPidfilesComeFromEverySource() throws {
        let given = try settings(
            ["--pidfiles", "/a/*.pid", "--pidfiles", "/b/*.pid"], environment: ["ZSCAN_PIDFILES": "/c/*.pid"], config: #"{ pidfiles: ["/d/*.pid"] }"#)
        XCTAssertEqual(given.pidfileGlobs, ["/a/*.pid", "/b/*.pid", "/c/*.pid", "/d/*.pid"])
        XCTAssertEqual(try settings([]).pidfileGlobs, [])
    }

    /// PID files are looked for where they live unless the config says where (`[]`: nowhere), and
    /// only when the scan is of this machine now; `--pidfiles` adds to them.
    func testPidfileLocationsDefaultReplacedByConfig() throws {
        let runtime = ["XDG_RUNTIME_DIR": "/run/user/1000"]
        XCTAssertEqual(
            try settings([], environment: runtime).pidfileLocations,
            [
                "/run/*.pid", "/run/*/*.pid", "/var/run/*.pid", "/var/run/*/*.pid", "/run/user/1000/*.pid", "/run/user/1000/*/*.pid",
                "tmp/pids/*.pid", ".run/*.pid",
            ])
        XCTAssertEqual(try settings([]).pidfileLocations.count, 6, "no runtime directory, nothing searched there")
        let configured = try settings(
            ["--pidfiles", "/a/*.pid"], environment: runtime, config: #"{ pidfile_locations: ["$XDG_RUNTIME_DIR/app/*.pid", "/srv/*.pid"] }"#)
        XCTAssertEqual(configured.pidfileLocations, ["/run/user/1000/app/*.pid", "/srv/*.pid"])
        XCTAssertEqual(configured.pidfileGlobs, ["/a/*.pid"])
        XCTAssertEqual(try settings([], config: "{ pidfile_locations: [] }").pidfileLocations, [])
        XCTAssertEqual(try settings(["--proc-root", "/tmp/proc"]).pidfileLocations, [], "another machine's processes")
        XCTAssertEqual(error([], config: "{ pidfile_locations: \"/run/*.pid\" }").contains("'pidfile_locations' must be a list of strings"), true)
    }

    func testConfigPathFlagBeatsEnvironment() throws {
        func path(_ arguments: [String], _ environment: [String: String]) throws -> String? {
            ScanSettings.configPath(try ParsedArguments(arguments, spec: ScanCommand.spec), environment: environment)
        }
        XCTAssertNil(try path([], [:]), ".zscan.json5 if present")
        XCTAssertEqual(try path([], ["ZSCAN_CONFIG": "env.json5"]), "env.json5")
        XCTAssertEqual(try path(["--config", "flag.json5"], ["ZSCAN_CONFIG": "env.json5"]), "flag.json5")
    }

    func testCleanupDryRunAndWhoseProcesses() throws {
        let plain = try settings([])
        XCTAssertFalse(plain.cleanup)
        XCTAssertTrue(plain.dryRun)
        let dryRun = try settings(["--dry-run"])
        XCTAssertTrue(dryRun.cleanup)
        XCTAssertTrue(dryRun.dryRun)
        let cleanup = try settings(["--cleanup", "--grace", "1s"])
        XCTAssertTrue(cleanup.cleanup)
        XCTAssertFalse(cleanup.dryRun)
        XCTAssertEqual(cleanup.grace, 1)
        XCTAssertTrue(try settings(["--cleanup", "--dry-run"]).dryRun, "--dry-run wins")
        XCTAssertEqual(error(["--cleanup", "--from", "x.json"]), "--cleanup acts on this machine, not on a saved snapshot (--from)")

        let rules = Self.ruleSet.rules
        XCTAssertEqual(plain.scanner(rules: rules, uid: 1000).onlyUID, 1000, "a user sees their own processes")
        XCTAssertNil(plain.scanner(rules: rules, uid: 0).onlyUID, "root sees all")
        XCTAssertNil(try settings(["--all-users"]).scanner(rules: rules, uid: 1000).onlyUID)
        XCTAssertNil(try settings(["--from", "x.json"]).scanner(rules: rules, uid: 1000).onlyUID, "a saved snapshot is not this machine")
        XCTAssertEqual(cleanup.cleanupUID(1000), 1000)
        XCTAssertEqual(cleanup.cleanupUID(0), 0, "root cleans up root's processes unless --all-users")
        XCTAssertNil(try settings(["--cleanup", "--all-users"]).cleanupUID(0))
        XCTAssertTrue(cleanup.scanner(rules: rules, uid: 1000).alsoRead.isSuperset(of: [.status, .cmdline]), "the guards read owners")
        XCTAssertEqual(
            try settings(["--only", "zombie"]).scanner(rules: rules, uid: 0).rules.map(\.id),
            ["zombie", "zombie_of_namespace_init", "init_not_reaping", "init_not_reaping_in_pod", "zombie_parent"], "the zombie tag")
    }

    /// A bare `--cleanup` acts on what `--fail-on` selects; `--only` (flag or `ZSCAN_ONLY`),
    /// `--pattern`, `--port` and `--where` narrow it and then every finding is a target; only the
    /// ids `--only` names may end a detached process. The config's `only` narrows no cleanup.
    func testCleanupScopeFollowsThisRunsSelection() throws {
        let bare = try settings(["--cleanup"]).cleanupScope
        XCTAssertEqual(bare, CleanupScope(narrowed: false, failOn: .defaultFailOn, namedRules: []))
        XCTAssertEqual(try settings(["--cleanup", "--fail-on", "warning"]).cleanupScope.failOn, Selector(["warning"]))
        for narrowing in [["--only", "orphan"], ["--pattern", "uvicorn"], ["--port", "8001"], ["--where", "age > 1m"], ["--container", "host"]] {
            XCTAssertTrue(try settings(["--dry-run"] + narrowing).cleanupScope.narrowed, "\(narrowing)")
        }
        XCTAssertTrue(try settings(["--cleanup"], environment: ["ZSCAN_ONLY": "orphan"]).cleanupScope.narrowed)
        XCTAssertFalse(try settings(["--cleanup"], environment: ["ZSCAN_ONLY": ""]).cleanupScope.narrowed)
        XCTAssertFalse(try settings(["--cleanup"], config: #"{ only: "orphan" }"#).cleanupScope.narrowed, "a config is no selection of this run")
        XCTAssertEqual(
            try settings(["--cleanup", "--only", "orphaned_process", "--only", "zombie,warning"]).cleanupScope.namedRules,
            ["orphaned_process", "zombie", "warning"], "a tag or severity in the set names no rule id, so it ends nothing detached")
        XCTAssertEqual(try settings(["--cleanup", "--pattern", "x"]).cleanupScope.namedRules, [])
    }

    /// `--container` takes `host` or at least 12 characters of an id (resolved once the snapshot is
    /// taken), narrows cleanup, reads cgroups and namespaces, and is named in the report's scope.
    func testContainerOption() throws {
        XCTAssertEqual(
            error(["--container", "1fce13e5e58"]),
            "--container: '1fce13e5e58' is too short: give at least 12 characters of a container id, or host")
        let named = try settings(["--container", "1fce13e5e58e"])
        XCTAssertEqual(named.container, "1fce13e5e58e")
        XCTAssertEqual(named.filters, ["container: 1fce13e5e58e"])
        XCTAssertEqual(try settings(["--container", "host"]).container, "host")
        XCTAssertNil(try settings([]).container)
        var scanner = named.scanner(rules: Self.ruleSet.rules, uid: 0)
        scanner.container = .host
        XCTAssertTrue(scanner.needs.fields.isSuperset(of: [.cgroup, .namespace]))
        XCTAssertTrue(
            try settings(["--cleanup"]).scanner(rules: Self.ruleSet.rules, uid: 0).alsoRead.isSuperset(of: [.namespace, .cgroup]), "the guards read namespaces")
    }

    /// `allow` is never reported and, with `protect`, never cleaned up; a bad condition points into the config.
    func testConfigAllowAndProtect() throws {
        let given = try settings([], config: #"{ allow: ["name == 'bazel'"], protect: ["name == 'postgres'", "uid == 0"] }"#)
        XCTAssertEqual(given.allow.count, 1)
        XCTAssertEqual(given.protect.count, 2)
        XCTAssertEqual(given.cleanupProtect.count, 3)
        XCTAssertEqual(given.scanner(rules: Self.ruleSet.rules, uid: 0).allow.count, 1)
        XCTAssertEqual(
            error([], config: #"{ protect: ["name = 'postgres'"] }"#),
            "/etc/zscan/config.json5:1:19: error: '=' is not an operator (use '==') [invalid_condition]\n"
                + "    { protect: [\"name = 'postgres'\"] }\n" + String(repeating: " ", count: 4 + 18) + "^\n")
    }
}
