@_spi(Fuzzing) import ZScanLinux
import ZScanCore

/// What each fuzz target does with one input. A target may reject an input (a parse error is the
/// expected answer to most of them); it must never crash, hang or read out of bounds.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Int] = [
        "rules": rules,
        "condition": condition,
        "snapshot": snapshot,
        "stat": ParserEntryPoints.stat,
        "status": ParserEntryPoints.status,
        "cmdline": ParserEntryPoints.cmdline,
        "net": ParserEntryPoints.netTable,
    ]

    /// A rule file: JSON5, the rule schema, conditions, message templates, then the examples
    /// runner and the diagnostics renderer (file:line:col with a caret), as `zscan rules check` does.
    static func rules(_ bytes: [UInt8]) -> Int {
        do {
            let set = try RuleLoader.load([RuleSource(name: "fuzz.json5", bytes: bytes)])
            let problems = RuleExampleRunner.run(set) + set.warnings
            return problems.reduce(set.rules.count) { $0 &+ $1.rendered(source: bytes).utf8.count }
        } catch {
            return error.rendered.utf8.count
        }
    }

    /// The built-in rules' lists and macros, as `--where` sees them.
    static let scope = try! RuleLoader.load(BuiltinRules.sources).scope

    /// A small machine to evaluate conditions on: a parent with a zombie child, an orphaned
    /// listener, a socket and a PID file.
    static let context: EvaluationContext = {
        let json = #"""
            {"format_version":"1.0","host":{"hostname":"fuzz","kernel":"6.1","boot_time":1700000000,"clock_ticks":100,"init_pid":1},
             "taken_at":1700000600,"processes":[
              {"pid":1,"ppid":0,"pgid":1,"sid":1,"start_ticks":1,"state":"S","name":"init","uid":0,"cmdline":"/sbin/init"},
              {"pid":4000,"ppid":1,"pgid":4000,"sid":4000,"start_ticks":500,"state":"S","name":"make","uid":1000,"cmdline":"make test"},
              {"pid":4243,"ppid":4000,"pgid":4000,"sid":4000,"start_ticks":900,"state":"Z","name":"sleep","uid":1000},
              {"pid":4242,"ppid":1,"pgid":4242,"sid":3000,"start_ticks":700,"state":"S","name":"python3","uid":1000,
               "cmdline":"python3 -m uvicorn app:app --port 8001","ports":[8001]}],
             "sockets":[{"proto":"tcp","local_address":"127.0.0.1","local_port":8001,"remote_address":"0.0.0.0","remote_port":0,
               "state":"LISTEN","inode":5551,"uid":1000,"owners":[4242]}]}
            """#
        do {
            return EvaluationContext(snapshot: try Snapshot.decode(json: Array(json.utf8)))
        } catch {
            fatalError("zscan-fuzz: the condition target's snapshot does not load: \(error)")
        }
    }()

    /// A `--where` expression (or an `allow`/`protect` entry): compiled for each subject and, when
    /// it compiles, evaluated on every process and socket of `context`; errors rendered with a caret.
    static func condition(_ bytes: [UInt8]) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        let checker = ConditionChecker(scope: scope)
        var digest = 0
        for subject in [Subject.process, .socket, .pidfile] {
            do {
                let compiled = try checker.compile(text, subject: subject)
                switch subject {
                case .process:
                    for i in context.snapshot.processes.indices where context.matches(compiled, process: i) { digest &+= i }
                case .socket:
                    for i in context.snapshot.sockets.indices where context.matches(compiled, socket: i) { digest &+= i }
                case .pidfile:
                    break
                }
            } catch {
                digest &+= TerminalText.escape(text).utf8.count &+ String(text.unicodeScalars.prefix(error.offset)).count
            }
        }
        return digest
    }

    /// A saved snapshot (`--from`, `--baseline`): decoded, and written back when it decodes.
    static func snapshot(_ bytes: [UInt8]) -> Int {
        guard let snapshot = try? Snapshot.decode(json: bytes) else { return 0 }
        return snapshot.jsonBytes().count
    }
}
