import Glibc
import ZScanCore
import ZScanLinux

/// `zscan run [options] -- CMD ARGS`: run a CI step or test command as a child subreaper, then
/// report (and with `--cleanup` end) every process it left behind as `leaked_process`.
enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run a command, then report (and with --cleanup end) what it left running.",
        discussion:
            "zscan becomes a child subreaper, runs the command in its own process group with ZSCAN_RUN_ID in its environment, passes SIGINT, SIGTERM and SIGHUP on to it, and reaps what it adopts. When the command exits, zscan waits up to --settle for its leftovers to exit, then reports those still alive. The command's output passes through untouched; zscan's report goes to standard error (and --report files). Exits with the command's status, or 1 when the command succeeded and a finding is selected by --fail-on (default: error).",
        usage: "[options] -- <command> [<argument> ...]",
        options: ScanOptions.common + [
            OptionSpec(long: "settle", value: "<duration>", help: "How long leftovers have to exit after the command does.", defaultText: "1s")
        ] + ScanOptions.cleanupOptions + [CommandSpec.help],
        examples: [
            ("zscan run -- npm test", "Run the tests, then report what they left running."),
            ("zscan run --cleanup --fail-on leak -- pytest", "... end the leftovers; exit 1 only if one survives."),
            ("zscan run --report junit=zscan.xml -- make test", "Also write a JUnit report for the CI's test view."),
        ])

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> Int32 {
        let command = arguments.positionals
        guard !command.isEmpty else {
            throw .usage(UsageError(message: "Missing the command to run (zscan run [options] -- <command> ...)", command: spec))
        }
        // A leaked process is a leak whatever its CPU does: no sampling unless asked for.
        var options = try ScanOptions.load(arguments, spec: spec, environment: environment, defaultSample: 0)
        let settle = try ScanSettings.duration("settle", arguments.value("settle") ?? "1s", example: "2s", spec: spec)

        let runner = CommandRunner(procRoot: options.procRoot)
        do {
            try runner.start(command, environment: options.environment)
        } catch {
            Output.err("zscan: \(error.description)\n")
            return 127
        }
        // What the command started carries this run's cookie: the scan's own job is this run.
        options.environment[EvaluationContext.runCookie] = runner.runID
        let status = runner.wait()
        let leftovers = runner.settle(seconds: settle)

        options.scanner.onlyPids = leftovers
        // The run is the selection: what its command left is what `--cleanup` was asked to end,
        // nohup'd or daemonized (its findings are `leaked_process`, named here as by --only).
        options.settings.cleanupScope.narrowed = true
        options.settings.cleanupScope.namedRules.insert("leaked_process")
        // A leak report says what leaked and which ports it holds.
        options.scanner.alsoRead.formUnion([.cmdline, .fds, .listeners])
        options.filters.append("run: \(command.joined(separator: " "))")
        let (_, failed) = try options.scan(tracked: leftovers, reportFD: STDERR_FILENO)
        // What cleanup ended was adopted by zscan: reap it rather than leave zombies to init.
        runner.reapExited()
        if status != 0 { return status }
        return failed ? 1 : 0
    }
}
