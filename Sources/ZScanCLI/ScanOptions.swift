import Glibc
import ZScanCore
import ZScanLinux

/// What `zscan scan` and `zscan run` take from flags, `ZSCAN_*` variables and the config file,
/// checked once; `scan()` then scans (and cleans up) as they say.
struct ScanOptions {
    var spec: CommandSpec
    var arguments: ParsedArguments
    var environment: [String: String]
    var config: ConfigFile?
    var scanner: Scanner
    var failOn: Selector
    var format: String
    var reports: [(format: String, path: String)]
    var sample: Double
    var ports: [Int]
    var protect: [CompiledCondition]
    var cleanup: Bool
    var dryRun: Bool
    var grace: Double
    var from: (snapshot: Snapshot, name: String)?
    var baseline: (snapshot: Snapshot, name: String)?
    var filters: [String]
    var verbose: Bool
    var quiet: Bool
    var procRoot: String { arguments.value("proc-root") ?? "/proc" }

    /// The options both commands share, in help order.
    static let common: [OptionSpec] = [
        OptionSpec(long: "rules", value: "<path>", help: "More rule files or directories (a rule with a built-in id replaces it).", repeatable: true),
        OptionSpec(long: "config", value: "<file>", help: "Config file.", defaultText: ".zscan.json5 if present"),
        OptionSpec(long: "only", value: "<sel>", help: "Run only these rules.", repeatable: true),
        OptionSpec(long: "skip", value: "<sel>", help: "Do not run these rules.", repeatable: true),
        OptionSpec(long: "fail-on", value: "<sel>", help: "Findings that make the exit status 1.", defaultText: "error", repeatable: true),
        OptionSpec(long: "format", value: "<format>", help: "Report format: \(ReportOutput.formatList).", defaultText: "text; github in GitHub Actions"),
        OptionSpec(long: "report", value: "<fmt=path>", help: "Also write a report to a file, e.g. json=zscan.json.", repeatable: true),
        OptionSpec(long: "pattern", value: "<regex>", help: "Only findings about processes whose command line matches (and PID files whose path does)."),
        OptionSpec(long: "port", value: "<port>", help: "Only findings about these ports.", repeatable: true),
        OptionSpec(long: "where", value: "<expr>", help: "Only findings about processes for which this condition holds."),
        OptionSpec(long: "pidfiles", value: "<glob>", help: "PID files to check for staleness.", repeatable: true),
        OptionSpec(long: "sample", value: "<duration>", help: "CPU sampling window, taken only when a rule needs it.", defaultText: "1s"),
        OptionSpec(long: "baseline", value: "<file>", help: "A snapshot from earlier: processes not in it are new."),
    ]

    static let cleanupOptions: [OptionSpec] = [
        OptionSpec(long: "all-users", help: "Report (and clean up) other users' processes too (root always sees all)."),
        OptionSpec(long: "cleanup", help: "End what the findings' rules say to end (TERM, grace, KILL), guarded; see README."),
        OptionSpec(long: "dry-run", help: "Print the cleanup plan and change nothing."),
        OptionSpec(long: "grace", value: "<duration>", help: "How long a process has to exit after SIGTERM.", defaultText: "5s"),
        OptionSpec(long: "color", value: "<when>", help: "auto, always or never.", defaultText: "auto"),
        OptionSpec(long: "quiet", short: "q", help: "No report on standard output; only the exit status."),
        OptionSpec(long: "verbose", short: "v", help: "Say which rules were replaced and what could not be seen."),
        ProcRoot.option,
    ]

    static func parse(_ arguments: ParsedArguments, spec: CommandSpec) throws(CLIError) -> ScanOptions {
        func usage(_ message: String) -> CLIError { .usage(UsageError(message: message, command: spec)) }
        let environment = Environment.current
        let config = try ScanCommand.loadConfig(arguments.value("config") ?? environment["ZSCAN_CONFIG"])
        let ruleSet = try RuleFiles.load(paths: (config?.rulePaths ?? []) + arguments.all("rules"), edits: config?.edits ?? [], keepExamples: false, silence: config?.silence ?? [])
        let verbose = arguments.has("verbose")
        let quiet = arguments.has("quiet")
        if !quiet {
            for warning in ruleSet.warnings { Output.err(warning.rendered(source: ruleSet.sources[warning.file] ?? [])) }
        }
        if verbose {
            for (id, origin) in ruleSet.overrides {
                Output.err("zscan: rule '\(id)' from \(origin.file):\(origin.location) replaces the built-in rule\n")
            }
        }

        // Flags > ZSCAN_* environment > config file > defaults.
        func setting(_ flag: String, _ env: String, _ fromConfig: String?) -> String? {
            let given = arguments.all(flag)
            if !given.isEmpty { return given.joined(separator: ",") }
            return environment[env].flatMap { $0.isEmpty ? nil : $0 } ?? fromConfig
        }
        let summaries = ruleSet.rules.map(\.summary)
        func selector(_ flag: String, _ env: String, _ fromConfig: String?) throws(CLIError) -> Selector? {
            guard let text = setting(flag, env, fromConfig) else { return nil }
            let selector = Selector(parsing: text)
            let unknown = selector.unknown(among: summaries)
            if !unknown.isEmpty { throw usage("--\(flag): no rule, tag or severity \(unknown.joined(separator: ", "))") }
            return selector
        }
        let only = try selector("only", "ZSCAN_ONLY", config?.only)
        let skip = try selector("skip", "ZSCAN_SKIP", config?.skip)
        let failOn = try selector("fail-on", "ZSCAN_FAIL_ON", config?.failOn) ?? .defaultFailOn

        let format = arguments.value("format") ?? environment["ZSCAN_FORMAT"] ?? ReportOutput.defaultFormat(environment)
        guard ReportOutput.formats.contains(format) else {
            throw usage("Unknown format '\(format)' (expected \(ReportOutput.formatList))")
        }
        var reports: [(format: String, path: String)] = []
        for item in arguments.all("report") {
            guard let eq = item.firstIndex(of: "="), ReportOutput.formats.contains(String(item[..<eq])), item.index(after: eq) < item.endIndex else {
                throw usage("--report takes FORMAT=PATH with FORMAT \(ReportOutput.formatList), not '\(item)'")
            }
            reports.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        let sampleText = arguments.value("sample") ?? environment["ZSCAN_SAMPLE"] ?? config?.sample ?? "1s"
        guard let sample = Durations.seconds(sampleText), sample >= 0, sample <= 600 else {
            throw usage("Invalid --sample '\(sampleText)' (a duration such as 500ms or 2s, at most 10m)")
        }
        var ports: [Int] = []
        for text in arguments.all("port").flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let port = Int(text), (1...65535).contains(port) else { throw usage("Invalid port '\(text)' (expected 1-65535)") }
            ports.append(port)
        }
        var pattern: LinearRegex? = nil
        if let text = arguments.value("pattern") {
            do { pattern = try LinearRegex(text) } catch {
                throw usage("--pattern: invalid regular expression at offset \(error.offset): \(error.message)")
            }
        }
        let checker = ConditionChecker(scope: ruleSet.scope)
        var whereCondition: CompiledCondition? = nil
        if let text = arguments.value("where") {
            do { whereCondition = try checker.compile(text, subject: .process) } catch {
                throw .failure(ExpressionError.render(option: "--where", text: text, error: error), plain: true)
            }
        }
        var allow: [CompiledCondition] = []
        var protect: [CompiledCondition] = []
        if let config {
            for node in config.allow + config.protect {
                guard case let .string(text) = node.value else { continue }
                do {
                    let compiled = try checker.compile(text, subject: .process)
                    if config.allow.contains(node) { allow.append(compiled) } else { protect.append(compiled) }
                } catch {
                    let diagnostic = RuleDiagnostic(file: config.path, location: node.location(ofScalar: error.offset), code: error.code, message: error.message)
                    throw .failure(diagnostic.rendered(source: config.bytes), plain: true)
                }
            }
        }
        let cleanup = arguments.has("cleanup") || arguments.has("dry-run")
        let graceText = arguments.value("grace") ?? "5s"
        guard let grace = Durations.seconds(graceText), grace >= 0, grace <= 600 else {
            throw usage("Invalid --grace '\(graceText)' (a duration such as 500ms or 5s, at most 10m)")
        }
        if cleanup && arguments.value("from") != nil {
            throw usage("--cleanup acts on this machine, not on a saved snapshot (--from)")
        }
        let from = try arguments.value("from").map { path throws(CLIError) in (try ScanCommand.loadSnapshot(path), path) }
        let baseline = try arguments.value("baseline").map { path throws(CLIError) in (try ScanCommand.loadSnapshot(path), path) }

        let uid = getuid()
        var scanner = Scanner(
            rules: Scanner.select(ruleSet.rules, only: only, skip: skip), pattern: pattern, ports: ports,
            whereCondition: whereCondition, allow: allow,
            onlyUID: uid == 0 || arguments.has("all-users") || from != nil ? nil : uid)
        if baseline != nil {
            // A leak report says what leaked: its command line.
            scanner.alsoRead.insert(.cmdline)
        }
        if cleanup {
            // The guards judge owners and what `protect` mentions; reports name targets by command line.
            scanner.alsoRead.formUnion(protect.reduce(into: [.status, .cmdline]) { $0.formUnion($1.needs) })
        }
        var filters: [String] = []
        if let text = arguments.value("pattern") { filters.append("pattern: \(text)") }
        if !ports.isEmpty { filters.append("port: \(ports.map(String.init).joined(separator: ","))") }
        if let text = arguments.value("where") { filters.append("where: \(text)") }

        return ScanOptions(
            spec: spec, arguments: arguments, environment: environment, config: config, scanner: scanner, failOn: failOn,
            format: format, reports: reports, sample: sample, ports: ports, protect: protect + allow, cleanup: cleanup,
            dryRun: arguments.has("dry-run") || !arguments.has("cleanup"), grace: grace, from: from, baseline: baseline,
            filters: filters, verbose: verbose, quiet: quiet)
    }

    /// Scans, cleans up when asked, and writes the reports. `tracked` are the pids `zscan run`
    /// followed; `reportFD` is where the main report goes (stdout, or stderr under `run`).
    /// Returns the result and whether the run failed (`--fail-on`, or a `--port` still held).
    func scan(tracked: Set<Int32> = [], reportFD: Int32 = STDOUT_FILENO) throws(CLIError) -> (result: ScanResult, failed: Bool) {
        let progress = Progress(enabled: !quiet && isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb")
        let pipeline = ScanPipeline(
            source: LinuxSnapshotSource(procRoot: procRoot, zombieGrace: LinuxSnapshotSource.scanZombieGrace),
            pidfileSource: PidFileReader(procRoot: procRoot),
            wait: { seconds in Clock.sleep(seconds) { progress.show("sampling CPU", fraction: $0) }; progress.clear() },
            now: Clock.wall, monotonic: Clock.monotonic)
        var result: ScanResult
        let context: EvaluationContext
        do {
            (result, context) = try pipeline.runKeepingContext(ScanPipeline.Request(
                scanner: scanner, failOn: failOn, sampleSeconds: sample,
                pidfileGlobs: arguments.all("pidfiles") + (environment["ZSCAN_PIDFILES"].map { [$0] } ?? []) + (config?.pidfiles ?? []),
                from: from, baseline: baseline, trackedPids: tracked, filters: filters))
        } catch {
            throw .failure(error.description)
        }
        var portsStillHeld = false
        if cleanup {
            (result, portsStillHeld) = CleanupRun.perform(
                result: result, context: context, protect: protect, onlyUID: arguments.has("all-users") ? nil : getuid(),
                grace: grace, dryRun: dryRun, ports: ports, procRoot: procRoot, progress: progress)
        }
        try ReportOutput.emit(result, options: self, to: reportFD)
        // `--cleanup --port N` promises a free port: one still held fails the run.
        return (result, !result.failing.isEmpty || portsStillHeld)
    }
}
