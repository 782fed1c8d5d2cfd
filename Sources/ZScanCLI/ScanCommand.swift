import Glibc
import ZScanCore
import ZScanLinux

/// `zscan` / `zscan scan`: apply the rules to this machine (or a saved snapshot) and report.
enum ScanCommand {
    static let spec = CommandSpec(
        name: "scan",
        abstract: "Scan for what processes left behind (the default command).",
        discussion:
            "Exits 1 when a finding is selected by --fail-on (default: error), 0 when none is, 2 when zscan cannot do its job. Selectors are rule ids, tags, severities (a severity selects it and everything more severe), 'any' or 'none', comma-separated.",
        usage: "[--rules <path> ...] [--only <sel>] [--skip <sel>] [--fail-on <sel>] [--format <format>] [options]",
        options: ScanOptions.common + [
            OptionSpec(long: "from", value: "<file>", help: "Evaluate a saved snapshot instead of this machine.")
        ] + ScanOptions.cleanupOptions + [CommandSpec.help],
        examples: [
            ("zscan --fail-on zombie,orphan", "Exit 1 only for zombies and orphans."),
            ("zscan --format json --report junit=zscan.xml", "JSON on standard output, JUnit in a file."),
            ("zscan --dry-run --port 8001", "What cleanup would do to free port 8001; changes nothing."),
            ("zscan --cleanup --pattern uvicorn", "End the uvicorn processes the rules found (guarded)."),
            ("zscan --baseline before.json --only leak", "What was started since 'zscan snapshot -o before.json'."),
            ("zscan --pidfiles '/run/*.pid'", "Also check PID files for dead or reused pids."),
        ])

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> Int32 {
        if let extra = arguments.positionals.first {
            throw .usage(UsageError(message: "Unexpected argument '\(extra)'", command: spec))
        }
        return try ScanOptions.load(arguments, spec: spec, environment: environment).scan().failed ? 1 : 0
    }

    static func loadConfig(_ explicit: String?) throws(CLIError) -> ConfigFile? {
        let path: String
        if let explicit {
            path = explicit
        } else {
            guard access(".zscan.json5", F_OK) == 0 else { return nil }
            path = ".zscan.json5"
        }
        return try ConfigFile.load(path: path, bytes: RuleFiles.read(path))
    }

    static func loadSnapshot(_ path: String) throws(CLIError) -> Snapshot {
        let bytes = try RuleFiles.read(path)
        do {
            return try Snapshot.decode(json: bytes)
        } catch {
            throw .failure("\(path): \(error.description)")
        }
    }
}
