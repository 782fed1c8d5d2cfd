import ZScanCore
import ZScanLinux

/// The top-level command: picks a subcommand, prints help and errors, returns the exit code.
public enum ZScanCommand {
    static let spec = CommandSpec(
        name: "",
        abstract: "Find what processes left behind: zombies, orphaned dev servers, ports held by dead, stopped or orphaned processes, hangs and leaks.",
        discussion:
            "With no subcommand, zscan scans this machine with its built-in rules (see 'zscan scan --help'). --cleanup with none of --only, --pattern, --port, --where or --container ends only what --fail-on selects (errors by default); a process detached on purpose (nohup, a daemon, a service) is ended only when --only names its finding's rule.",
        usage: "[<subcommand>] [<options>]",
        options: [
            OptionSpec(long: "version", help: "Show the version."),
            CommandSpec.help,
        ],
        subcommands: [
            ("scan", ScanCommand.spec.abstract),
            ("run", RunCommand.spec.abstract),
            ("rules", RulesCommand.spec.abstract),
            ("snapshot", SnapshotCommand.spec.abstract),
            ("ports", PortsCommand.spec.abstract),
            ("explain", ExplainCommand.spec.abstract),
            ("version", "Show the version."),
            ("help", "Show subcommand help information."),
        ],
        examples: [
            ("zscan", "Scan this machine with the built-in rules."),
            ("zscan --fail-on zombie", "In CI: exit 1 only when there is a zombie."),
            ("zscan --dry-run --pattern uvicorn", "What cleanup would end; signals nothing."),
            ("zscan --cleanup --pattern uvicorn", "End leftover uvicorn servers (guarded)."),
            ("zscan run -- npm test", "Report what the tests left running."),
            ("zscan ports 8001", "Who holds port 8001."),
            ("zscan rules explain zombie", "What a rule finds and how cleanup ends it."),
            ("zscan explain 4242", "Why zscan reports process 4242, or why it does not."),
        ])

    static let commands: [String: (spec: CommandSpec, run: @Sendable (ParsedArguments, [String: String]) throws(CLIError) -> Int32)] = [
        "scan": (ScanCommand.spec, ScanCommand.run),
        "run": (RunCommand.spec, RunCommand.run),
        "rules": (RulesCommand.spec, RulesCommand.run),
        "snapshot": (SnapshotCommand.spec, SnapshotCommand.run),
        "ports": (PortsCommand.spec, PortsCommand.run),
        "explain": (ExplainCommand.spec, ExplainCommand.run),
        "version": (versionSpec, { _, _ in printVersion() }),
    ]

    static let versionSpec = CommandSpec(name: "version", abstract: "Show the version.", usage: "", options: [CommandSpec.help])

    /// Runs the command line `arguments` (without the program's name) in this process's environment.
    public static func run(_ arguments: [String]) -> Int32 {
        run(arguments, environment: ProcessEnvironment.current)
    }

    /// Runs the command line with the `ZSCAN_*`, `GITHUB_*`, `COLUMNS` (for `rules` and `ports`)
    /// and other variables the commands read taken from `environment`, so tests can give their own.
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        // `zscan` and `zscan --fail-on zombie …` are the scan.
        guard let first = arguments.first else { return run(["scan"], environment: environment) }
        if first.hasPrefix("-") && !["-h", "--help", "--version"].contains(first) { return run(["scan"] + arguments, environment: environment) }
        switch first {
        case "-h", "--help":
            Output.out(spec.helpText)
            return 0
        case "--version":
            return printVersion()
        case "help":
            return help(Array(arguments.dropFirst()))
        default:
            break
        }
        guard let command = commands[first] else {
            let message = "Unknown subcommand '\(first)'\(Suggestion.hint(for: first, in: Array(commands.keys)))"
            Output.err(UsageError(message: message, command: spec).text)
            return 2
        }
        do {
            let parsed = try ParsedArguments(Array(arguments.dropFirst()), spec: command.spec)
            if parsed.wantsHelp {
                Output.out(command.spec.helpText)
                return 0
            }
            return try command.run(parsed, environment)
        } catch let error as UsageError {
            Output.err(error.text)
            return 2
        } catch let error as CLIError {
            switch error {
            case let .usage(usage): Output.err(usage.text)
            case let .failure(message, plain): Output.err(plain ? message : "Error: \(message)\n")
            }
            return 2
        } catch {
            Output.err("Error: \(error)\n")
            return 2
        }
    }

    private static func help(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first else {
            Output.out(spec.helpText)
            return 0
        }
        if name == "help" {
            Output.out(spec.helpText)
            return 0
        }
        guard let command = commands[name] else {
            Output.err(UsageError(message: "Unknown subcommand '\(name)'", command: spec).text)
            return 2
        }
        Output.out(command.spec.helpText)
        return 0
    }

    @discardableResult
    static func printVersion() -> Int32 {
        Output.out("\(ToolInfo.name) \(ToolInfo.version)\n")
        return 0
    }
}
