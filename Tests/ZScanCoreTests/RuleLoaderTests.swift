import XCTest
@testable import ZScanCore

/// The loader's diagnostics: each problem at its file, line and column, with the line and a caret.
final class RuleLoaderTests: XCTestCase {
    func source(_ name: String, _ text: String) -> RuleSource { RuleSource(name: name, bytes: Array(text.utf8)) }

    /// The first line of each rendered diagnostic (`file:line:col: level: message`).
    func errors(_ sources: [RuleSource]) -> [String] {
        do {
            _ = try RuleLoader.load(sources)
            return []
        } catch {
            return error.rendered.split(separator: "\n").filter { $0.contains(": error: ") }.map(String.init)
        }
    }

    static let rule = """
        {
          format_version: 1,
          rules: [{ id: "a", title: "A", severity: "error", when: "state == 'Z'", message: "{name}", examples: { match: [{ state: "Z" }], no_match: [{}] } }],
        }
        """

    func testDuplicateIdsNameBothPlaces() {
        XCTAssertEqual(errors([source("one.json5", Self.rule), source("two.json5", Self.rule)]), [
            "two.json5:3:17: error: duplicate rule id 'a' (first defined at one.json5:3:11)",
        ])
    }

    func testSchemaErrorsWithSuggestions() {
        let text = """
            {
              format_version: 1,
              rulez: [],
              rules: [{ id: "Bad-Id", title: "T", severity: "eror", subject: "proces", action: "kill",
                        when: "true", message: "m", examples: { match: [], nomatch: [] } }],
            }
            """
        XCTAssertEqual(errors([source("f.json5", text)]), [
            "f.json5:3:3: error: unknown key 'rulez' in a rule file (did you mean 'rules'?)",
            "f.json5:4:17: error: rule id 'Bad-Id' must be snake_case (a-z, 0-9, _)",
            "f.json5:4:49: error: severity must be error, warning or info (did you mean 'error'?)",
            "f.json5:4:66: error: subject must be process, socket or pidfile (did you mean 'process'?)",
            "f.json5:4:84: error: action must be one of none, terminate, reap, terminate_tree, remove_file",
            "f.json5:5:64: error: unknown key 'nomatch' in 'examples' (did you mean 'no_match'?)",
        ])
        XCTAssertEqual(errors([source("v.json5", "{ format_version: 2 }")]), ["v.json5:1:19: error: unsupported format_version (this zscan reads format_version 1)"])
        let syntax = errors([source("j.json5", "{ format_version: 1, rules: [ }")])
        XCTAssertEqual(syntax.count, 1)
        XCTAssertTrue(syntax.first?.hasPrefix("j.json5:1:31: error: ") == true, "\(syntax)")
        XCTAssertEqual(errors([source("m.json5", """
            { format_version: 1, rules: [{ id: "x", title: "X", severity: "info", subject: "pidfile", action: "reap", when: "true", message: "m" }] }
            """)]), ["m.json5:1:99: error: action 'reap' does not apply to a pidfile"])
    }

    func testConditionErrorsInMacrosAndListsPointAtTheirOwnFile() {
        let shared = """
            {
              format_version: 1,
              lists: { servers: ["ok", "bad(" ] },
              macros: { server: "cmdline any_matches servers", broken: "pid >> 1" },
            }
            """
        let uses = { (when: String) in """
            {
              format_version: 1,
              rules: [{ id: "r", title: "R", severity: "info", when: "\(when)", message: "{pid}" }],
            }
            """ }
        XCTAssertEqual(errors([source("shared.json5", shared), source("rules.json5", uses("server"))]).first,
                       "shared.json5:3:32: error: invalid pattern in list 'servers': missing ), unterminated subpattern")
        XCTAssertEqual(errors([source("shared.json5", shared), source("rules.json5", uses("broken && server"))]).first,
                       "shared.json5:4:66: error: in macro 'broken': expected a value, found '>'")
        XCTAssertEqual(errors([source("rules.json5", uses("age > 30"))]),
                       ["rules.json5:3:63: error: cannot order a duration and an int (write the number with a unit, such as 30s)"])
        let message = """
            { format_version: 1, rules: [{ id: "r", title: "R", severity: "info", when: "true", message: "{nmae} is {pid}" }] }
            """
        XCTAssertEqual(errors([source("msg.json5", message)]),
                       ["msg.json5:1:96: error: in the message: unknown field 'nmae' of a process (did you mean 'name'?)"])
    }

    func testWarningsForUnusedNamesAndMissingExamples() throws {
        let text = """
            {
              format_version: 1,
              lists: { unused_list: ["x"] },
              macros: { unused_macro: "true" },
              rules: [{ id: "r", title: "R", severity: "info", when: "true", message: "m" }],
            }
            """
        let set = try RuleLoader.load([source("w.json5", text)])
        XCTAssertEqual(set.warnings.map { "\($0.file):\($0.location): \($0.message)" }, [
            "w.json5:5:11: rule 'r' has no examples: add examples.match and examples.no_match so it is tested",
            "w.json5:4:13: macro 'unused_macro' is never used",
            "w.json5:3:12: list 'unused_list' is never used",
        ])
    }

    func testConfigEditsChangeListsAndThresholds() throws {
        let set = try RuleLoader.load(BuiltinRules.sources, edits: [
            ScopeEdit(name: "dev_servers", kind: .appendList(["my-server"]), file: "c", location: SourceLocation(line: 1, column: 1, offset: 0)),
            ScopeEdit(name: "orphan_min_age", kind: .setMacro("2m"), file: "c", location: SourceLocation(line: 1, column: 1, offset: 0)),
        ])
        XCTAssertEqual(set.scope.lists["dev_servers"]?.last, "my-server")
        XCTAssertEqual(set.scope.macros["orphan_min_age"], "2m")
        let rule = set.rules.first { $0.id == "orphaned_dev_server" }!
        let snapshot = Snapshot(host: HostInfo(), processes: [
            ProcessRecord(pid: 10, ppid: 1, cmdline: "/opt/my-server --port 1", age: 90, orphaned: true),
            ProcessRecord(pid: 11, ppid: 1, cmdline: "/opt/my-server --port 2", age: 150, orphaned: true),
        ])
        let context = EvaluationContext(snapshot: snapshot)
        XCTAssertEqual([0, 1].filter { context.matches(rule.condition, .process($0)) }, [1], "appended pattern, 2m threshold")
        XCTAssertThrowsError(try RuleLoader.load(BuiltinRules.sources, edits: [
            ScopeEdit(name: "orphan_min_age", kind: .setMacro("two minutes"), file: "c.json5", location: SourceLocation(line: 2, column: 5, offset: 10)),
        ])) { error in
            XCTAssertTrue((error as! RuleLoadError).diagnostics.contains { $0.file == "c.json5" && $0.message.hasPrefix("in threshold 'orphan_min_age'") })
        }
    }
}
