import XCTest
@testable import ZScanCore

/// The condition language end to end: text → tokens → syntax → checked, compiled → evaluated on
/// snapshots built in code, with load-time errors at exact offsets.
final class ConditionLanguageTests: XCTestCase {
    static let scope = ConditionScope(
        lists: ["dev_servers": ["uvicorn", "gunicorn", "vite", "next dev", "webpack serve", "flask run"], "shells": ["bash", "zsh"]],
        macros: ["dev_server": "cmdline any_matches dev_servers", "old": "age > 30s", "loop_a": "loop_b", "loop_b": "loop_a && pid > 0"])

    /// init(1) ← shell(100, dead session) … a snapshot with every relation the language can follow.
    static func snapshot() -> Snapshot {
        var s = Snapshot(
            host: HostInfo(),
            processes: [
                ProcessRecord(pid: 1, ppid: 0, pgid: 1, sid: 1, name: "init", cmdline: "/sbin/init", args: ["/sbin/init"], age: 9000),
                ProcessRecord(
                    pid: 4242, ppid: 1, pgid: 4242, sid: 4000, name: "python3", cmdline: "python3 -m uvicorn app:app --port 8001",
                    args: ["python3", "-m", "uvicorn", "app:app", "--port", "8001"], user: "dev", uid: 1000, age: 120,
                    rss: 50_000_000, fds: 12, env: ["CI": "true", "ZSCAN_RUN_ID": "r1"], ignoresSighup: false, socketInodes: [10]),
                ProcessRecord(pid: 4243, ppid: 4242, pgid: 4242, sid: 4000, state: "Z", name: "python3", cmdline: "", args: [], age: 100),
                ProcessRecord(pid: 4244, ppid: 4242, pgid: 4242, sid: 4000, state: "Z", name: "python3", cmdline: "", args: [], age: 100),
                ProcessRecord(
                    pid: 5000, ppid: 1, pgid: 5000, sid: 5000, state: "T", name: "vite", cmdline: nil, args: nil, uid: nil, age: 10, socketInodes: [11]),
            ],
            sockets: [
                SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, state: "LISTEN", inode: 10),
                SocketRecord(proto: .tcp6, localAddress: "::", localPort: 5173, state: "LISTEN", inode: 11),
                SocketRecord(proto: .tcp, localAddress: "0.0.0.0", localPort: 2024, state: "LISTEN", inode: 12),
            ])
        for i in s.processes.indices { s.processes[i].fds = s.processes[i].fds ?? 3 }
        s.link()
        return s
    }

    func compile(_ text: String, _ subject: Subject = .process) throws -> CompiledCondition {
        try ConditionChecker(scope: Self.scope).compile(text, subject: subject)
    }

    func matching(
        _ text: String, _ subject: Subject = .process, baseline: Set<ProcessIdentity>? = nil,
        pidfiles: [PidFileRecord] = []
    ) throws -> [Int32] {
        let condition = try compile(text, subject)
        let context = EvaluationContext(snapshot: Self.snapshot(), pidfiles: pidfiles, baseline: baseline)
        switch subject {
        case .process:
            return context.snapshot.processes.indices.filter { context.matches(condition, process: $0) }.map { context.snapshot.processes[$0].pid }
        case .socket:
            return context.snapshot.sockets.indices.filter { context.matches(condition, socket: $0) }.map { Int32(context.snapshot.sockets[$0].localPort) }
        case .pidfile:
            return pidfiles.indices.filter { context.matches(condition, pidfile: $0) }.map { Int32($0) }
        }
    }

    func error(_ text: String, _ subject: Subject = .process) -> ConditionError? {
        do {
            _ = try compile(text, subject)
            return nil
        } catch {
            return error as? ConditionError
        }
    }

    // MARK: lexing and parsing

    func testLiteralsAndUnits() throws {
        let tokens = try ConditionLexer.tokenize("500ms 30s 5m 2h 1d 1.5s 512KB 1MiB 2GB 7 0.25 'a\\'b' \"c\\nd\"").map(\.kind)
        XCTAssertEqual(
            tokens,
            [
                .duration(0.5), .duration(30), .duration(300), .duration(7200), .duration(86400), .duration(1.5),
                .bytes(512_000), .bytes(1_048_576), .bytes(2_000_000_000), .integer(7), .float(0.25),
                .string("a'b"), .string("c\nd"), .end,
            ])
    }

    func testPrecedenceAndKeywords() throws {
        // `a || b && c` is `a || (b && c)`; `not` binds tighter than `and`.
        XCTAssertEqual(try matching("pid == 1 || pid == 4242 && state == 'S'"), [1, 4242])
        XCTAssertEqual(try matching("(pid == 1 || pid == 4242) && state == 'S'"), [1, 4242])
        XCTAssertEqual(try matching("not state == 'Z' and pid > 1"), [4242, 5000])
        XCTAssertEqual(try matching("!(state in ['Z', 'T'])"), [1, 4242])
        XCTAssertEqual(try matching("state not in ['Z', 'T'] or pid == 5000"), [1, 4242, 5000])
    }

    func testParseErrorsPointAtTheProblem() {
        let cases: [(String, String, Int)] = [
            ("pid = 1", "'=' is not an operator (use '==')", 4),
            ("pid == 1 & ppid == 0", "'&' is not an operator (use '&&')", 9),
            ("name == 'abc", "unterminated string", 8),
            ("pid == ", "the condition ends too early: a value is missing", 7),
            ("(pid == 1", "expected ')' to close the '(' at column 1", 9),
            ("pid == 1)", "unexpected ')' after the condition", 8),
            ("1 < pid < 3", "comparisons do not chain: use '&&' between them", 8),
            ("age > 30x", "unknown unit 'x' (durations: ms s m h d; sizes: B KB MB GB KiB MiB GiB)", 8),
            ("age > 30sec", "unknown unit 'sec' (did you mean 's'?) (durations: ms s m h d; sizes: B KB MB GB KiB MiB GiB)", 8),
            ("name == 'a\\q'", "invalid escape '\\q' (use \\\\ \\' \\\" \\n \\t \\r)", 10),
            ("", "empty condition", 0),
        ]
        for (text, message, offset) in cases {
            let e = error(text)
            XCTAssertEqual(e?.message, message, text)
            XCTAssertEqual(e?.offset, offset, text)
        }
        let deep = String(repeating: "(", count: 200) + "true" + String(repeating: ")", count: 200)
        XCTAssertEqual(error(deep)?.message, "condition nested more than 64 levels deep")
    }

    // MARK: checking

    func testUnknownNamesGetSuggestionsAtTheirOffset() {
        let e = error("orphaned && cmdlin == 'x'")
        XCTAssertEqual(e?.message, "unknown field 'cmdlin' of a process (did you mean 'cmdline'?)")
        XCTAssertEqual(e?.offset, 12)
        XCTAssertEqual(e?.length, 6)
        XCTAssertEqual(error("parent.nmae == 'bash'")?.message, "unknown field 'nmae' of a process (did you mean 'name'?)")
        XCTAssertEqual(error("parent.nmae == 'bash'")?.offset, 7)
        XCTAssertEqual(
            error("cmdline any_matches dev_server")?.message,
            "'any_matches' needs a list of patterns: 'dev_server' is not a list (did you mean 'dev_servers'?)")
        XCTAssertEqual(error("owner.stat == 'T'", .socket)?.message, "unknown field 'stat' of a process (did you mean 'state'?)")
        XCTAssertEqual(error("local_prot == 80", .socket)?.message, "unknown field 'local_prot' of a socket (did you mean 'local_port'?)")
        XCTAssertEqual(error("zzzz")?.message, "unknown field 'zzzz' of a process")
        XCTAssertEqual(error("cnt(children, true) > 1")?.message, "unknown function 'cnt' (did you mean 'count'?)")
    }

    func testTypeErrors() {
        let cases: [(String, String)] = [
            ("age > 30", "cannot order a duration and an int (write the number with a unit, such as 30s)"),
            ("rss > 1000", "cannot order a bytes and an int (write the number with a unit, such as 512MB)"),
            ("name == 3", "cannot compare a string with an int"),
            ("pid", "a condition must be true or false, but this is an int"),
            ("pid && true", "'&&' and '||' join conditions, but this is an int"),
            ("pid matches 'x'", "'matches' tests a string, but this is an int"),
            ("name matches cmdline", "'matches' needs a regular expression written as a string literal"),
            ("'a' in pid", "'in' needs a list on its right, but this is an int"),
            ("name in ports", "cannot look for a string in a list of int"),
            ("any(pid, true)", "the first argument of any() must be a list, but this is an int"),
            ("any(children, pid)", "the second argument of any() must be a condition, but this is an int"),
            ("len(pid) > 1", "len() needs a string or a list, but this is an int"),
            ("count(children) > 1", "count() takes 2 arguments: count(list, condition)"),
            ("state.x == 1", "a string has no field 'x'"),
            ("[1, 'a'] contains 1", "a list holds one type: this is a string, the first item an int"),
            ("env == 'x'", "cannot compare a map with a string"),
        ]
        for (text, message) in cases {
            XCTAssertEqual(error(text)?.message, message, text)
        }
    }

    func testMacrosExpandAndCyclesAreCaught() throws {
        XCTAssertEqual(try matching("dev_server && old"), [4242])
        let cycle = error("loop_a")
        XCTAssertEqual(cycle?.message, "macro 'loop_a' refers to itself (loop_a -> loop_b -> loop_a)")
        XCTAssertEqual(cycle?.origin, .macro("loop_b"))
        let bad = try? ConditionChecker(scope: ConditionScope(macros: ["m": "cmdlin == 'x'"])).compile("m", subject: .process)
        XCTAssertNil(bad)
        do {
            _ = try ConditionChecker(scope: ConditionScope(macros: ["m": "pid > 0 && cmdlin == 'x'"])).compile("m", subject: .process)
        } catch {
            XCTAssertEqual(error.origin, .macro("m"))
            XCTAssertEqual(error.offset, 11, "offset inside the macro's own text")
        }
    }

    /// The limits that keep the recursive checker and evaluator on the stack hold exactly at their
    /// bounds, and a refused condition points at the operand past the bound, or at the whole
    /// condition when macros made it too big.
    func testSizeLimitsAreExactAndExplained() throws {
        func chain(_ count: Int) -> String { (1...count).map { "pid == \($0)" }.joined(separator: " || ") }
        // 128 comparisons (height 2 each) joined by 127 '||': height 129; 255 of them: 256.
        XCTAssertNil(error(chain(255)))
        let tooTall = error(chain(256))
        XCTAssertEqual(tooTall?.message, "condition too long: more than 256 operators in a row (write a long list of values as 'pid in [1, 2, 3]')")
        XCTAssertEqual(tooTall?.offset, chain(255).unicodeScalars.count + 4, "at the operand that went past the bound")
        XCTAssertEqual(try matching("pid in [" + (1...30_000).map(String.init).joined(separator: ", ") + "]"), [1, 4242, 4243, 4244, 5000])

        let doubling = ConditionScope(macros: ["m0": "pid == 1"].merging((1..<40).map { ("m\($0)", "m\($0 - 1) || m\($0 - 1)") }) { $1 })
        var exploded: ConditionError?
        do { _ = try ConditionChecker(scope: doubling).compile("pid > 0 && m39", subject: .process) } catch { exploded = error }
        XCTAssertEqual(exploded?.message, "condition too large: more than 20000 terms once its macros are expanded")
        XCTAssertEqual(exploded?.origin, .condition)
        XCTAssertEqual(exploded.map { [$0.offset, $0.length] }, [0, 14], "the whole condition")
        XCTAssertNotNil(try ConditionChecker(scope: doubling).compile("m10", subject: .process), "2^10 terms are fine")
    }

    func testRegexErrorsPointIntoThePattern() {
        let e = error("cmdline matches 'ab(c'")
        XCTAssertNotNil(e)
        XCTAssertTrue(e!.message.hasPrefix("invalid regular expression: "), e!.message)
        let listed = try? ConditionChecker(scope: ConditionScope(lists: ["bad": ["ok", "x(y"]])).compile("cmdline any_matches bad", subject: .process)
        XCTAssertNil(listed)
        do {
            _ = try ConditionChecker(scope: ConditionScope(lists: ["bad": ["ok", "x(y"]])).compile("cmdline any_matches bad", subject: .process)
        } catch {
            XCTAssertEqual(error.origin, .listItem(list: "bad", index: 1))
        }
    }

    func testRequirementsFollowTheFieldsUsed() throws {
        XCTAssertEqual(try compile("state == 'Z'").needs, [])
        XCTAssertEqual(try compile("8001 in ports").needs, [.listeners])
        XCTAssertEqual(try compile("parent.cmdline contains 'bash' && env.CI == 'true'").needs, [.cmdline, .env])
        XCTAssertEqual(try compile("any(children, cwd == '/')").needs, [.cwd])
        XCTAssertEqual(try compile("owner.state == 'T'", .socket).needs, [.fds, .sockets])
        XCTAssertTrue(try compile("cpu > 90.0").needsSampling)
        XCTAssertFalse(try compile("cpu_time > 10s").needsSampling)
        XCTAssertTrue(try compile("new").needsBaseline)
        let checker = ConditionChecker(scope: Self.scope)
        _ = try checker.compile("dev_server", subject: .process)
        XCTAssertEqual(checker.usedNames, ["dev_server", "dev_servers"])
    }

    // MARK: evaluation

    func testFieldsRelationsAndFunctions() throws {
        XCTAssertEqual(try matching("dev_server"), [4242])
        XCTAssertEqual(try matching("count(children, state == 'Z') >= 2"), [4242])
        XCTAssertEqual(try matching("any(children, state == 'Z')"), [4242])
        XCTAssertEqual(try matching("all(children, state == 'Z') && len(children) > 0"), [4242])
        XCTAssertEqual(try matching("parent.name == 'init' && orphaned"), [4242])
        XCTAssertEqual(try matching("parent.parent.pid == 1"), [4243, 4244])
        XCTAssertEqual(try matching("8001 in ports && ports contains 8001 && listening"), [4242])
        XCTAssertEqual(try matching("any(ports, it > 8000 && it < 9000)"), [4242])
        XCTAssertEqual(try matching("args contains '-m' && len(args) == 6"), [4242])
        XCTAssertEqual(try matching("env.CI == 'true' && tracked && exists(env.CI) && !exists(env.HOME)"), [4242])
        XCTAssertEqual(try matching("age >= 2m && age < 1h && rss > 40MB && rss < 50MiB"), [4242])
        XCTAssertEqual(try matching("name starts_with 'pyth' && name ends_with 'on3' && cmdline contains 'app:app'"), [4242])
        XCTAssertEqual(try matching("cmdline matches '^python3 .*--port [0-9]+$'"), [4242])
        XCTAssertEqual(try matching("name any_matches ['^vi', 'xyz']"), [5000])
        XCTAssertEqual(try matching("state == 'T' && any(parent.children, pid == 4242)"), [5000])
        XCTAssertEqual(try matching("owner.state == 'T'", .socket), [5173])
        XCTAssertEqual(try matching("owner.orphaned && owner_known", .socket), [8001])
        XCTAssertEqual(try matching("owner == null && local_port == 2024", .socket), [2024])
        XCTAssertEqual(try matching("count(owners, true) == 0", .socket), [2024])
    }

    func testNullsNeverMakeARuleFire() throws {
        // pid 5000 has no cmdline and no uid (not readable): every comparison with them is unknown.
        XCTAssertEqual(try matching("cmdline == 'x' || pid == 5000 && uid == 1000"), [])
        XCTAssertFalse(try matching("!(cmdline contains 'uvicorn')").contains(5000), "negating unknown stays unknown")
        XCTAssertFalse(try matching("uid != 0").contains(5000))
        XCTAssertEqual(try matching("cmdline == null"), [5000])
        XCTAssertEqual(try matching("null == cmdline && pid > 1"), [5000])
        XCTAssertEqual(try matching("cmdline != null && pid > 4242"), [4243, 4244])
        XCTAssertEqual(try matching("uid == null || uid == 1000"), [1, 4242, 4243, 4244, 5000])
        XCTAssertEqual(try matching("uid != null"), [4242])
        XCTAssertEqual(try matching("pid == 5000 && (cmdline contains 'x' || true)"), [5000], "unknown || true is true")
        XCTAssertEqual(try matching("pid == 5000 && (cmdline contains 'x' && false)"), [], "unknown && false is false")
        XCTAssertEqual(try matching("new"), [], "no baseline: unknown")
        let baseline: Set<ProcessIdentity> = [ProcessIdentity(pid: 1, startTicks: 0), ProcessIdentity(pid: 4242, startTicks: 0)]
        XCTAssertEqual(try matching("new", baseline: baseline), [4243, 4244, 5000])
        XCTAssertEqual(try matching("cpu > 1.0"), [], "not sampled: unknown")
    }

    func testPidfileSubject() throws {
        let files = [
            PidFileRecord(path: "/run/a.pid", pid: 4242, alive: true, age: 5),
            PidFileRecord(path: "/run/b.pid", pid: 999, alive: false, age: 600),
            PidFileRecord(path: "/run/c.pid", pid: nil, alive: false),
            PidFileRecord(path: "/run/d.pid", pid: 5000, alive: true, reused: true),
        ]
        XCTAssertEqual(try matching("exists && (!alive || reused)", .pidfile, pidfiles: files), [1, 2, 3])
        XCTAssertEqual(try matching("process.name == 'python3' && age < 1m", .pidfile, pidfiles: files), [0])
        XCTAssertEqual(try matching("pid == null", .pidfile, pidfiles: files), [2])
        XCTAssertEqual(error("alive > 1", .pidfile)?.message, "cannot order a bool and an int")
    }

    func testSuggestionDistances() {
        XCTAssertEqual(Suggestion.closest(to: "cmdlin", in: ["cmdline", "cwd"]), "cmdline")
        XCTAssertEqual(Suggestion.closest(to: "stae", in: ["state", "sid"]), "state")
        XCTAssertEqual(Suggestion.closest(to: "pdi", in: ["pid", "ppid"]), "pid", "a transposition counts once")
        XCTAssertNil(Suggestion.closest(to: "x", in: ["B", "s"]), "never a name that differs entirely")
        XCTAssertNil(Suggestion.closest(to: "banana", in: ["pid", "state"]))
    }

    func testRandomTextNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("()[]!&|=<>'\" .,_abcdeinorstmplz0123456789\\".unicodeScalars)
        let words = ["pid", "state", "in", "not", "and", "matches", "any(", "children", "'x'", "30s", "null", "env.", "==", "&&", ")", "["]
        for round in 0..<3000 {
            var text = ""
            if round % 2 == 0 {
                for _ in 0..<Int.random(in: 0..<40, using: &generator) { text.unicodeScalars.append(alphabet.randomElement(using: &generator)!) }
            } else {
                for _ in 0..<Int.random(in: 1..<12, using: &generator) { text += words.randomElement(using: &generator)! + " " }
            }
            if let condition = try? compile(text) {
                let context = EvaluationContext(snapshot: Self.snapshot())
                for i in context.snapshot.processes.indices { _ = context.matches(condition, process: i) }
            }
        }
    }
}
