import XCTest
@testable import ZScanCore

/// The loader's diagnostics: each problem at its file, line and column, with the line and a caret.
final class RuleLoaderTests: XCTestCase {
    func source(_ name: String, _ text: String) -> RuleSource { RuleSource(name: name, bytes: Array(text.utf8)) }

    /// The first line of each rendered diagnostic (`file:line:col: level: message [code]`).
    func errors(_ sources: [RuleSource]) -> [String] {
        do {
            _ = try RuleLoader.load(sources)
            return []
        } catch {
            return error.rendered.split(separator: "\n").filter { $0.contains(": error: ") }.map(String.init)
        }
    }

    /// Each error as `file:line:col code`: which problem was found, and where.
    func found(_ sources: [RuleSource], edits: [ScopeEdit] = []) -> [String] {
        do {
            _ = try RuleLoader.load(sources, edits: edits)
            return []
        } catch {
            return error.diagnostics.map { "\($0.file):\($0.location) \($0.code.rawValue)" }
        }
    }

    static let rule = """
        {
          format_version: 1,
          rules: [{ id: "a", title: "A", severity: "error", when: "state == 'Z'", message: "{name}", examples: { match: [{ state: "Z" }], no_match: [{}] } }],
        }
        """

    func testDuplicateIdsNameBothPlaces() {
        XCTAssertEqual(
            errors([source("one.json5", Self.rule), source("two.json5", Self.rule)]),
            [
                "two.json5:3:17: error: duplicate rule id 'a' (first defined at one.json5:3:11) [duplicate_rule_id]"
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
        XCTAssertEqual(
            found([source("f.json5", text)]),
            [
                "f.json5:3:3 unknown_key", "f.json5:4:17 invalid_name", "f.json5:4:49 invalid_value", "f.json5:4:66 invalid_value",
                "f.json5:4:84 invalid_value", "f.json5:5:64 unknown_key",
            ])
        XCTAssertEqual(
            errors([source("f.json5", text)]),
            [
                "f.json5:3:3: error: unknown key 'rulez' in a rule file (did you mean 'rules'?) [unknown_key]",
                "f.json5:4:17: error: rule id 'Bad-Id' must be snake_case (a-z, 0-9, _) [invalid_name]",
                "f.json5:4:49: error: severity must be error, warning or info (did you mean 'error'?) [invalid_value]",
                "f.json5:4:66: error: subject must be process, socket or pidfile (did you mean 'process'?) [invalid_value]",
                "f.json5:4:84: error: action must be one of none, terminate, reap, terminate_tree, remove_file [invalid_value]",
                "f.json5:5:64: error: unknown key 'nomatch' in 'examples' (did you mean 'no_match'?) [unknown_key]",
            ])
        XCTAssertEqual(found([source("v.json5", "{ format_version: 2 }")]), ["v.json5:1:19 unsupported_version"])
        XCTAssertEqual(found([source("v.json5", "{ rules: [] }")]), ["v.json5:1:1 missing_key"])
        XCTAssertEqual(found([source("j.json5", "{ format_version: 1, rules: [ }")]), ["j.json5:1:31 json5_syntax"])
        XCTAssertEqual(
            found([
                source(
                    "m.json5",
                    """
                    { format_version: 1, rules: [{ id: "x", title: "X", severity: "info", subject: "pidfile", action: "reap", when: "true", message: "m" }] }
                    """)
            ]), ["m.json5:1:99 invalid_value"])
        XCTAssertEqual(
            found([
                source(
                    "t.json5",
                    """
                    { format_version: 1, rules: [{ id: "x", title: 3, severity: "info", tags: "a", when: "true", enabled: 1 }] }
                    """)
            ]), ["t.json5:1:48 wrong_type", "t.json5:1:75 wrong_type", "t.json5:1:103 wrong_type", "t.json5:1:30 missing_key"])
    }

    /// A key written twice is an error at the second, in every object of a rule file.
    func testHiddenIsABooleanKeyAndDefaultsToShown() throws {
        func rule(_ extra: String) -> RuleSource {
            source(
                "h.json5",
                """
                { format_version: 1, rules: [{ id: "a", title: "A", severity: "info", \(extra) when: "true", message: "m", examples: { match: [{}], no_match: [] } }] }
                """)
        }
        XCTAssertEqual(try RuleLoader.load([rule("")]).rules.map(\.hidden), [false])
        XCTAssertEqual(try RuleLoader.load([rule("hidden: true,")]).rules.map(\.hidden), [true])
        XCTAssertEqual(found([rule(#"hidden: "yes","#)]), ["h.json5:1:79 wrong_type"])
        XCTAssertEqual(found([rule("hiden: true,")]).map { $0.split(separator: " ").last }, ["unknown_key"])
        let hidden = try XCTUnwrap(try RuleLoader.load([rule("hidden: true,")]).rules.first)
        XCTAssertFalse(hidden.shown(verbose: false, only: nil))
        XCTAssertTrue(hidden.shown(verbose: true, only: nil))
        XCTAssertTrue(hidden.shown(verbose: false, only: Selector(["a"])))
        XCTAssertFalse(hidden.shown(verbose: false, only: Selector(["info", "any"])), "a severity or 'any' does not name it")
    }

    func testDuplicateKeysAreErrors() {
        let text = """
            {
              format_version: 1,
              lists: { a_list: ["x"], a_list: ["y"] },
              rules: [{ id: "r", id: "s", title: "R", severity: "info", when: "a_list == []", message: "m",
                        examples: { match: [], match: [] } }],
              format_version: 1,
            }
            """
        XCTAssertEqual(
            found([source("d.json5", text)]),
            [
                "d.json5:6:3 duplicate_key", "d.json5:3:27 duplicate_key", "d.json5:4:22 duplicate_key", "d.json5:5:36 duplicate_key",
            ])
        XCTAssertEqual(
            errors([source("d.json5", text)]).first,
            "d.json5:6:3: error: duplicate key 'format_version' (first at 2:3) [duplicate_key]")
    }

    func testConditionErrorsInMacrosAndListsPointAtTheirOwnFile() {
        let shared = """
            {
              format_version: 1,
              lists: { servers: ["ok", "bad(" ] },
              macros: { server: "cmdline any_matches servers", broken: "pid >> 1" },
            }
            """
        let uses = { (when: String) in
            """
            {
              format_version: 1,
              rules: [{ id: "r", title: "R", severity: "info", when: "\(when)", message: "{pid}" }],
            }
            """
        }
        XCTAssertEqual(found([source("shared.json5", shared), source("rules.json5", uses("server"))]).first, "shared.json5:3:32 invalid_regex")
        XCTAssertEqual(
            errors([source("shared.json5", shared), source("rules.json5", uses("server"))]).first,
            "shared.json5:3:32: error: invalid pattern in list 'servers': missing ), unterminated subpattern [invalid_regex]")
        XCTAssertEqual(found([source("shared.json5", shared), source("rules.json5", uses("broken && server"))]).first, "shared.json5:4:66 invalid_condition")
        XCTAssertEqual(
            errors([source("shared.json5", shared), source("rules.json5", uses("broken && server"))]).first,
            "shared.json5:4:66: error: in macro 'broken': expected a value, found '>' [invalid_condition]")
        XCTAssertEqual(found([source("rules.json5", uses("age > 30"))]), ["rules.json5:3:63 invalid_condition"])
        XCTAssertEqual(found([source("rules.json5", uses("cmdlin == 'x'"))]), ["rules.json5:3:59 unknown_field"])
        XCTAssertEqual(found([source("rules.json5", uses("name matches 'a(b'"))]), ["rules.json5:3:74 invalid_regex"])
        XCTAssertEqual(
            found([source("rules.json5", uses(String(repeating: "(", count: 300) + "true" + String(repeating: ")", count: 300)))]).map {
                $0.hasSuffix(" condition_too_complex")
            }, [true])
        let message = """
            { format_version: 1, rules: [{ id: "r", title: "R", severity: "info", when: "true", message: "{nmae} is {pid}" }] }
            """
        XCTAssertEqual(found([source("msg.json5", message)]), ["msg.json5:1:96 unknown_field"])
        XCTAssertEqual(
            errors([source("msg.json5", message)]),
            ["msg.json5:1:96: error: in the message: unknown field 'nmae' of a process (did you mean 'name'?) [unknown_field]"])
        XCTAssertEqual(found([source("msg.json5", message.replacingOccurrences(of: "{nmae} is ", with: "{"))]), ["msg.json5:1:100 invalid_message"])
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
        XCTAssertEqual(
            set.warnings.map { "\($0.file):\($0.location) \($0.code.rawValue)" },
            [
                "w.json5:5:11 missing_examples", "w.json5:4:13 unused_macro", "w.json5:3:12 unused_list",
            ])
        XCTAssertEqual(set.warnings.map(\.level), [.warning, .warning, .warning])
    }

    func testConfigEditsChangeListsAndThresholds() throws {
        let set = try RuleLoader.load(
            BuiltinRules.sources,
            edits: [
                ScopeEdit(name: "dev_servers", kind: .appendList(["my-server"]), file: "c", location: SourceLocation(line: 1, column: 1, offset: 0)),
                ScopeEdit(name: "orphan_min_age", kind: .setMacro("2m"), file: "c", location: SourceLocation(line: 1, column: 1, offset: 0)),
            ])
        XCTAssertEqual(set.scope.lists["dev_servers"]?.last, "my-server")
        XCTAssertEqual(set.scope.macros["orphan_min_age"], "2m")
        let rule = set.rules.first { $0.id == "orphaned_dev_server" }!
        let snapshot = Snapshot(
            host: HostInfo(),
            processes: [
                ProcessRecord(pid: 10, ppid: 1, cmdline: "/opt/my-server --port 1", age: 90, orphaned: true),
                ProcessRecord(pid: 11, ppid: 1, cmdline: "/opt/my-server --port 2", age: 150, orphaned: true),
            ])
        let context = EvaluationContext(snapshot: snapshot)
        XCTAssertEqual([0, 1].filter { context.matches(rule.condition, .process($0)) }, [1], "appended pattern, 2m threshold")
        XCTAssertThrowsError(
            try RuleLoader.load(
                BuiltinRules.sources,
                edits: [
                    ScopeEdit(name: "orphan_min_age", kind: .setMacro("two minutes"), file: "c.json5", location: SourceLocation(line: 2, column: 5, offset: 10))
                ])
        ) { error in
            XCTAssertTrue((error as! RuleLoadError).diagnostics.contains { $0.file == "c.json5" && $0.message.hasPrefix("in threshold 'orphan_min_age'") })
        }
        let at = SourceLocation(line: 2, column: 5, offset: 10)
        XCTAssertEqual(
            found(
                BuiltinRules.sources,
                edits: [
                    ScopeEdit(name: "dev_server", kind: .appendList(["x"]), file: "c.json5", location: at),
                    ScopeEdit(name: "orphan_age", kind: .setMacro("2m"), file: "c.json5", location: at),
                ]), ["c.json5:2:5 unknown_list", "c.json5:2:5 unknown_threshold"])
    }
}
