import Foundation
import XCTest
@testable import ZScanCore

/// Every rule file is loaded and every example in it is run: a new rule needs no new Swift test.
final class RuleFileTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(in directory: String) throws -> [RuleSource] {
        let url = root.appendingPathComponent(directory)
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".json5") }.sorted()
        return try names.map {
            RuleSource(name: "\(directory)/\($0)", bytes: Array(try Data(contentsOf: url.appendingPathComponent($0))), builtin: directory == "rules")
        }
    }

    func testEmbeddedRulesAreTheRuleFiles() throws {
        let onDisk = try Self.files(in: "rules")
        XCTAssertEqual(BuiltinRules.files.map(\.name), onDisk.map(\.name), "run scripts/embed-rules")
        for (embedded, file) in zip(BuiltinRules.files, onDisk) {
            let text = String(decoding: file.bytes, as: UTF8.self)
            XCTAssertEqual(
                embedded.text, text.hasSuffix("\n") ? String(text.dropLast()) : text, "\(file.name) differs from the embedded copy: run scripts/embed-rules")
        }
    }

    func testBuiltinRulesLoadCleanAndEveryExampleHolds() throws {
        let set: RuleSet
        do {
            set = try RuleLoader.load(BuiltinRules.sources)
        } catch {
            return XCTFail(error.rendered)
        }
        XCTAssertEqual(set.warnings.map { $0.rendered(source: set.sources[$0.file] ?? []) }, [])
        let ids = Set(set.rules.map(\.id))
        // The built-in rule ids are a contract (rules/README.md): renaming one breaks users' --fail-on.
        XCTAssertEqual(
            ids,
            [
                "zombie", "zombie_parent", "zombie_of_namespace_init", "init_not_reaping", "init_not_reaping_in_pod", "orphaned_dev_server", "orphaned_process",
                "port_held_by_stopped",
                "port_held_by_orphan", "port_owner_unknown", "close_wait_pileup", "cpu_hang", "d_state_hang",
                "stopped_process", "stale_pidfile", "leaked_process", "leaked_from_other_job", "job_background_process",
                "detached_process",
            ])
        for rule in set.rules {
            XCTAssertFalse(rule.examples.match.isEmpty, "\(rule.id) needs examples.match")
            XCTAssertFalse(rule.examples.noMatch.isEmpty, "\(rule.id) needs examples.no_match")
            XCTAssertTrue(rule.summary.tags.allSatisfy(RuleLoader.knownTags.contains), "\(rule.id): \(rule.summary.tags)")
        }
        let problems = RuleExampleRunner.run(set)
        XCTAssertEqual(problems.map { $0.rendered(source: set.sources[$0.file] ?? []) }, [])
    }

    func testUserRuleFilesUnderTestsLoadAndPass() throws {
        let user = try Self.files(in: "Tests/Fixtures/rules")
        XCTAssertFalse(user.isEmpty)
        let set = try RuleLoader.load(BuiltinRules.sources + user)
        XCTAssertEqual(RuleExampleRunner.run(set).map { $0.rendered(source: set.sources[$0.file] ?? []) }, [])
        XCTAssertEqual(set.overrides.map(\.id), ["stopped_process"], "a user rule with a built-in id replaces it")
        XCTAssertEqual(set.rules.first { $0.id == "stopped_process" }?.summary.severity, .info)
    }

    /// A failing example is reported at the example, naming the rule.
    func testExampleThatDoesNotHoldIsReported() throws {
        let file = """
            {
              format_version: 1,
              rules: [{
                id: "big", title: "Big", severity: "info", when: "rss > 1GB", message: "{name}",
                examples: { match: [{ rss: "2GB" }, { rss: "10MB" }], no_match: [{ rss: 5 }] },
              }],
            }
            """
        let set = try RuleLoader.load([RuleSource(name: "big.json5", bytes: Array(file.utf8))])
        let problems = RuleExampleRunner.run(set)
        let caret = String(repeating: " ", count: 4 + 40) + "^"
        XCTAssertEqual(
            problems.map { $0.rendered(source: Array(file.utf8)) },
            [
                "big.json5:5:41: error: rule 'big': this example should match, but it does not [example_mismatch]\n"
                    + "        examples: { match: [{ rss: \"2GB\" }, { rss: \"10MB\" }], no_match: [{ rss: 5 }] },\n"
                    + caret + "\n"
            ])
    }

    /// An example that cannot be read is reported by code at the place in it, like a rule file's problems.
    func testUnreadableExamplesAreReportedByCode() throws {
        func found(_ example: String, subject: String = "process") throws -> [String] {
            let file = """
                { format_version: 1, rules: [{ id: "r", title: "R", severity: "info", subject: "\(subject)", when: "true", message: "m",
                examples: { match: [\(example)], no_match: [] } }] }
                """
            let set = try RuleLoader.load([RuleSource(name: "e.json5", bytes: Array(file.utf8))])
            return RuleExampleRunner.run(set).map { "\($0.location) \($0.code.rawValue)" }
        }
        XCTAssertEqual(try found("{ cmdlin: 'x' }"), ["2:23 unknown_field"])
        XCTAssertEqual(try found("{ pid: 1, pid: 2 }"), ["2:31 duplicate_key"])
        XCTAssertEqual(try found("{ pid: 'one' }"), ["2:28 wrong_type"])
        XCTAssertEqual(try found("{ age: '30 parsecs' }"), ["2:28 invalid_example"])
        XCTAssertEqual(try found("{ proto: 'sctp' }", subject: "socket"), ["2:30 invalid_example"])
        XCTAssertEqual(try found("3"), ["2:21 wrong_type"])
        // A number the field's type cannot hold is the example's error, not a trap.
        XCTAssertEqual(try found("{ pid_ns: -1 }"), ["2:31 invalid_example"])
        XCTAssertEqual(try found("{ pid: 3000000000 }"), ["2:28 invalid_example"])
    }

    /// rules/README.md lists every diagnostic code with its severity, and no code the loader lacks.
    func testReadmeListsEveryDiagnosticCode() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("rules/README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let section = lines.drop { $0 != "## Diagnostic codes" }.dropFirst().prefix { !$0.hasPrefix("#") }
        var listed: [String: String] = [:]
        for line in section where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            listed[String(cells[0].dropFirst().dropLast())] = cells[1]
        }
        for code in DiagnosticCode.allCases {
            XCTAssertEqual(
                listed[code.rawValue], code.defaultLevel.rawValue,
                "rules/README.md: add | `\(code.rawValue)` | \(code.defaultLevel.rawValue) | \(code.summary) |")
        }
        for name in listed.keys where DiagnosticCode(rawValue: name) == nil {
            XCTFail("rules/README.md lists '\(name)', which is no diagnostic code")
        }
    }
}
