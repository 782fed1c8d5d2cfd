import Glibc
import ZScanCore
import ZScanLinux

/// What `zscan scan` and `zscan run` were asked (`settings`, readable as `options.format` and
/// so on) with what that needs loaded: the config, the rules, the snapshots; `scan()` then scans
/// (and cleans up) as they say.
@dynamicMemberLookup
struct ScanOptions {
    var settings: ScanSettings
    var arguments: ParsedArguments
    var environment: [String: String]
    var config: ConfigFile?
    var scanner: Scanner
    /// Every rule loaded, before `--only`, `--skip` and hidden rules were set aside.
    var rules: [Rule]
    var from: (snapshot: Snapshot, name: String)?
    var baseline: (snapshot: Snapshot, name: String)?

    subscript<Value>(dynamicMember keyPath: WritableKeyPath<ScanSettings, Value>) -> Value {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    /// The options both commands share, in help order.
    static let common: [OptionSpec] = [
        OptionSpec(long: "rules", value: "<path>", help: "More rule files or directories (a rule with a built-in id replaces it).", repeatable: true),
        OptionSpec(long: "config", value: "<file>", help: "Config file.", defaultText: ".zscan.json5 if present"),
        OptionSpec(long: "only", value: "<sel>", help: "Run only these rules.", repeatable: true),
        OptionSpec(long: "skip", value: "<sel>", help: "Do not run these rules.", repeatable: true),
        OptionSpec(long: "fail-on", value: "<sel>", help: "Findings that make the exit status 1.", defaultText: "error", repeatable: true),
        OptionSpec(long: "format", value: "<format>", help: "Report format: \(ScanReporters.identifierList).", defaultText: "text; github in GitHub Actions"),
        OptionSpec(long: "report", value: "<fmt=path>", help: "Also write a report to a file, e.g. json=zscan.json.", repeatable: true),
        OptionSpec(long: "pattern", value: "<regex>", help: "Only findings about processes whose command line matches (and PID files whose path does)."),
        OptionSpec(long: "port", value: "<port>", help: "Only findings about these ports.", repeatable: true),
        OptionSpec(long: "where", value: "<expr>", help: "Only findings about processes for which this condition holds."),
        OptionSpec(
            long: "container", value: "<id>",
            help:
                "Only findings about processes in this container: a prefix of at least 12 characters of its id, or host. --cleanup may then act in its PID namespace (never on its init)."
        ),
        OptionSpec(long: "pidfiles", value: "<glob>", help: "More PID files to check, besides /run, $XDG_RUNTIME_DIR, tmp/pids and .run.", repeatable: true),
        OptionSpec(long: "sample", value: "<duration>", help: "CPU sampling window, taken only when a rule needs it.", defaultText: "1s"),
        OptionSpec(long: "baseline", value: "<file>", help: "A snapshot from earlier: processes not in it are new."),
    ]

    static let cleanupOptions: [OptionSpec] = [
        OptionSpec(long: "all-users", help: "Report (and clean up) other users' processes too (root always sees all)."),
        OptionSpec(
            long: "cleanup",
            help:
                "End what the findings' rules say to end (TERM, grace, KILL), guarded. Without --only, --pattern, --port, --where or --container: only the findings --fail-on selects. A process detached on purpose only when --only names its rule."
        ),
        OptionSpec(long: "dry-run", help: "Print the cleanup plan and change nothing."),
        OptionSpec(long: "grace", value: "<duration>", help: "How long a process has to exit after SIGTERM.", defaultText: "5s"),
        OptionSpec(long: "color", value: "<when>", help: "auto, always or never.", defaultText: "auto"),
        OptionSpec(long: "quiet", short: "q", help: "No report on standard output; only the exit status."),
        OptionSpec(long: "verbose", short: "v", help: "Also show hidden rules' findings; say which rules were replaced and what could not be seen."),
        ProcRoot.option,
    ]

    /// Reads the config and the rules, says what the rule files warn about, resolves the settings
    /// and loads the snapshots they name.
    static func load(
        _ arguments: ParsedArguments, spec: CommandSpec, environment: [String: String], defaultSample: Double = 1
    ) throws(CLIError) -> ScanOptions {
        let config = try ScanCommand.loadConfig(ScanSettings.configPath(arguments, environment: environment))
        let ruleSet = try RuleFiles.load(
            paths: (config?.rulePaths ?? []) + arguments.all("rules"), edits: config?.edits ?? [], keepExamples: false, silence: config?.silence ?? [])
        if !arguments.has("quiet") {
            for warning in ruleSet.warnings { Output.err(warning.rendered(source: ruleSet.sources[warning.file] ?? [])) }
        }
        if arguments.has("verbose") {
            for (id, origin) in ruleSet.overrides {
                Output.err("zscan: rule '\(id)' from \(origin.file):\(origin.location) replaces the built-in rule\n")
            }
        }
        let settings = try ScanSettings.resolve(
            arguments, environment: environment, config: config, ruleSet: ruleSet, spec: spec, defaultSample: defaultSample,
            pidfileDefaults: PidFileLocations.defaultsHere())
        let from = try settings.fromPath.map { path throws(CLIError) in (try ScanCommand.loadSnapshot(path), path) }
        let baseline = try settings.baselinePath.map { path throws(CLIError) in (try ScanCommand.loadSnapshot(path), path) }
        return ScanOptions(
            settings: settings, arguments: arguments, environment: environment, config: config,
            scanner: settings.scanner(rules: ruleSet.rules, uid: getuid()), rules: ruleSet.rules, from: from, baseline: baseline)
    }

    /// Scans, cleans up when asked, and writes the reports. `tracked` are the pids `zscan run`
    /// followed; `reportFD` is where the main report goes (stdout, or stderr under `run`).
    /// Returns the result and whether the run failed (`--fail-on`, or a `--port` still held).
    func scan(tracked: Set<Int32> = [], reportFD: Int32 = STDOUT_FILENO) throws(CLIError) -> (result: ScanResult, failed: Bool) {
        let progress = Progress(enabled: !settings.quiet && isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb")
        let container = try resolvedContainer()
        var (result, context) = try evaluate(tracked: tracked, progress: progress, container: container)
        var portsStillHeld = false
        if settings.cleanup {
            (result, portsStillHeld) = CleanupRun.perform(
                result: result, context: context, scope: settings.cleanupScope, protect: settings.cleanupProtect, container: container,
                onlyUID: settings.cleanupUID(getuid()), grace: settings.grace, dryRun: settings.dryRun, ports: settings.ports,
                procRoot: settings.procRoot, progress: progress)
        }
        try ReportOutput.emit(result, options: self, to: reportFD)
        // `--cleanup --port N` promises a free port: one still held fails the run.
        return (result, !result.failing.isEmpty || portsStillHeld)
    }

    /// Collects (or loads `--from`) and runs the scanner: the result and the context it was
    /// evaluated in, which cleanup and `explain` read further.
    /// `container` is what `--container` named (`resolvedContainer`); only its processes' findings
    /// are kept.
    func evaluate(
        tracked: Set<Int32> = [], progress: Progress, container: ContainerSelection? = nil
    ) throws(CLIError) -> (result: ScanResult, context: EvaluationContext) {
        var scanner = scanner
        scanner.container = container
        let pipeline = ScanPipeline(
            source: LinuxSnapshotSource(procRoot: settings.procRoot, ownEnvironment: environment),
            pidfileSource: PidFileReader(procRoot: settings.procRoot),
            wait: { seconds in
                Clock.sleep(seconds) { progress.show("sampling CPU", fraction: $0) }; progress.clear()
            },
            now: Clock.wall, monotonic: Clock.monotonic)
        do {
            return try pipeline.runKeepingContext(
                ScanPipeline.Request(
                    scanner: scanner, failOn: settings.failOn, sampleSeconds: settings.sample, pidfileGlobs: settings.pidfileGlobs,
                    pidfileLocations: settings.pidfileLocations,
                    from: from, baseline: baseline, trackedPids: tracked, filters: settings.filters,
                    zombieGrace: ScanPipeline.Request.scanZombieGrace))
        } catch {
            throw .failure(error.description)
        }
    }

    /// What `--container` names, resolved against the containers of the `--from` snapshot or, for
    /// a scan of this machine, of a quick read of every process's cgroup and PID namespace; nil
    /// without the option. A name that matches no container, or several, is an error (exit 2) that
    /// says which containers there are.
    func resolvedContainer() throws(CLIError) -> ContainerSelection? {
        guard let text = settings.container else { return nil }
        if text == "host" { return .host }
        let snapshot: Snapshot
        if let from {
            snapshot = from.snapshot
        } else {
            do {
                snapshot = try LinuxSnapshotSource(procRoot: settings.procRoot, ownEnvironment: environment).collect(what: [.cgroup, .namespace])
            } catch {
                throw .failure(error.description)
            }
        }
        switch ContainerSelection.resolve(text, in: snapshot) {
        case let .success(selection): return selection
        case let .failure(problem): throw .failure(problem.description)
        }
    }
}
