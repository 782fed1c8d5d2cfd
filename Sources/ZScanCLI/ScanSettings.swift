import ZScanCore
import ZScanLinux

/// What `zscan scan` and `zscan run` were asked to do: flags beat `ZSCAN_*` variables, which beat
/// the config file, which beats the defaults; every value checked (selectors against the rule set).
/// No printing, files or /proc here: the commands read those and hand them in.
struct ScanSettings {
    var only: Selector?
    var skip: Selector?
    var failOn: Selector
    var format: String
    var reports: [(format: String, path: String)]
    var sample: Double
    var ports: [Int]
    var pattern: LinearRegex?
    var whereCondition: CompiledCondition?
    /// `--container`: `host` or an id prefix, resolved against the snapshot once it is taken
    /// (`ScanOptions.resolvedContainer`).
    var container: String?
    /// The config's `allow` (never reported) and `protect` (never cleaned up) conditions.
    var allow: [CompiledCondition]
    var protect: [CompiledCondition]
    var pidfileGlobs: [String]
    /// Where PID files are searched for besides `pidfileGlobs`: the config's `pidfile_locations` or
    /// the defaults, with `$XDG_RUNTIME_DIR` from the environment; none when the scan is not of this
    /// machine now (`--from`, `--proc-root`), whose files would be judged against other processes.
    var pidfileLocations: [String]
    var cleanup: Bool
    var dryRun: Bool
    var grace: Double
    var fromPath: String?
    var baselinePath: String?
    var allUsers: Bool
    var verbose: Bool
    var quiet: Bool
    var procRoot: String
    /// The narrowing options as the report's scope names them (`pattern: uvicorn`).
    var filters: [String]
    /// What `--cleanup` and `--dry-run` act on: the findings `--fail-on` selects unless this run
    /// names its own selection, and detached processes only for rules named by id.
    var cleanupScope: CleanupScope

    /// The config file to read: `--config`, else `ZSCAN_CONFIG`; nil means `.zscan.json5` if present.
    static func configPath(_ arguments: ParsedArguments, environment: [String: String]) -> String? {
        arguments.value("config") ?? environment["ZSCAN_CONFIG"]
    }

    /// `defaultSample` is the CPU sampling window when neither flag, variable nor config names one;
    /// `pidfileDefaults` are where PID files are searched for when the config does not say.
    /// The checks run in a fixed order (selectors, format, reports, sample, ports, pattern, where,
    /// the config's conditions, grace, --from): with several mistakes, the first is the one told.
    static func resolve(
        _ arguments: ParsedArguments, environment: [String: String], config: ConfigFile?, ruleSet: RuleSet,
        spec: CommandSpec, defaultSample: Double = 1, pidfileDefaults: [String] = PidFileLocations.defaults
    ) throws(CLIError) -> ScanSettings {
        func usage(_ message: String) -> CLIError { .usage(UsageError(message: message, command: spec)) }
        let summaries = ruleSet.rules.map(\.summary)
        func selector(_ flag: String, _ variable: String, _ fromConfig: String?) throws(CLIError) -> Selector? {
            guard let text = setting(arguments.all(flag), environment[variable], fromConfig) else { return nil }
            let selector = Selector(parsing: text)
            let unknown = selector.unknown(among: summaries)
            if !unknown.isEmpty { throw usage("--\(flag): no rule, tag or severity \(unknown.joined(separator: ", "))") }
            return selector
        }
        let only = try selector("only", "ZSCAN_ONLY", config?.only)
        let skip = try selector("skip", "ZSCAN_SKIP", config?.skip)
        let failOn = try selector("fail-on", "ZSCAN_FAIL_ON", config?.failOn) ?? .defaultFailOn

        let format = arguments.value("format") ?? environment["ZSCAN_FORMAT"] ?? ReportOutput.defaultFormat(environment)
        guard ScanReporters.named(format) != nil else {
            throw usage("Unknown format '\(format)' (expected \(ScanReporters.identifierList))")
        }
        let reports = try arguments.all("report").map { item throws(CLIError) in
            guard let report = reportFile(item) else {
                throw usage("--report takes FORMAT=PATH with FORMAT \(ScanReporters.identifierList), not '\(item)'")
            }
            return report
        }
        var sample = defaultSample
        if let text = arguments.value("sample") ?? environment["ZSCAN_SAMPLE"] ?? config?.sample {
            sample = try duration("sample", text, example: "2s", spec: spec)
        }
        let ports = try arguments.all("port").flatMap { $0.split(separator: ",").map(String.init) }.map { text throws(CLIError) in
            guard let port = Int(text), (1...65535).contains(port) else { throw usage("Invalid port '\(text)' (expected 1-65535)") }
            return port
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
        let container = arguments.value("container")
        if let container, container != "host", container.count < ContainerSelection.minimumPrefix {
            throw usage(
                "--container: '\(container)' is too short: give at least \(ContainerSelection.minimumPrefix) characters of a container id, or host")
        }
        let (allow, protect) = try config.map { config throws(CLIError) in try conditions(of: config, checker: checker) } ?? ([], [])
        let cleanup = arguments.has("cleanup") || arguments.has("dry-run")
        let grace = try duration("grace", arguments.value("grace") ?? "5s", example: "5s", spec: spec)
        if cleanup && arguments.value("from") != nil {
            throw usage("--cleanup acts on this machine, not on a saved snapshot (--from)")
        }

        let scope = cleanupScope(arguments, environment: environment, failOn: failOn)
        var filters: [String] = []
        if let text = arguments.value("pattern") { filters.append("pattern: \(text)") }
        if !ports.isEmpty { filters.append("port: \(ports.map(String.init).joined(separator: ","))") }
        if let text = arguments.value("where") { filters.append("where: \(text)") }
        if let container { filters.append("container: \(container)") }
        return ScanSettings(
            only: only, skip: skip, failOn: failOn, format: format, reports: reports, sample: sample, ports: ports,
            pattern: pattern, whereCondition: whereCondition, container: container, allow: allow, protect: protect,
            pidfileGlobs: arguments.all("pidfiles") + (environment["ZSCAN_PIDFILES"].map { [$0] } ?? []) + (config?.pidfiles ?? []),
            pidfileLocations: arguments.value("from") == nil && arguments.value("proc-root") == nil
                ? PidFileLocations.resolve(config?.pidfileLocations ?? pidfileDefaults, environment: environment) : [],
            cleanup: cleanup, dryRun: arguments.has("dry-run") || !arguments.has("cleanup"), grace: grace,
            fromPath: arguments.value("from"), baselinePath: arguments.value("baseline"), allUsers: arguments.has("all-users"),
            verbose: arguments.has("verbose"), quiet: arguments.has("quiet"), procRoot: arguments.value("proc-root") ?? "/proc",
            filters: filters, cleanupScope: scope)
    }

    /// Cleanup acts on the selection of this run: `--only` (or `ZSCAN_ONLY`), `--pattern`,
    /// `--port`, `--where`, `--container`. The config's `only` is not one: a file committed to a repository
    /// tunes every scan, it does not choose what a bare `--cleanup` ends on someone's machine.
    static func cleanupScope(_ arguments: ParsedArguments, environment: [String: String], failOn: Selector) -> CleanupScope {
        let only = setting(arguments.all("only"), environment["ZSCAN_ONLY"], nil).map(Selector.init(parsing:))
        let narrowed = only != nil || ["pattern", "port", "where", "container"].contains { !arguments.all($0).isEmpty }
        return CleanupScope(narrowed: narrowed, failOn: failOn, namedRules: Set(only?.items ?? []))
    }

    /// A selector's text: the flags (all of them, joined), else a non-empty variable, else the config's.
    static func setting(_ flags: [String], _ variable: String?, _ fromConfig: String?) -> String? {
        if !flags.isEmpty { return flags.joined(separator: ",") }
        return variable.flatMap { $0.isEmpty ? nil : $0 } ?? fromConfig
    }

    /// `--sample`, `--grace`, `--settle`: a duration (`500ms`, `1.5s`, `2m`, `1d`, or plain seconds)
    /// of at most 10 minutes.
    static func duration(_ option: String, _ text: String, example: String, spec: CommandSpec) throws(CLIError) -> Double {
        guard let seconds = DurationLiteral.seconds(text), seconds >= 0, seconds <= 600 else {
            throw .usage(UsageError(message: "Invalid --\(option) '\(text)' (a duration such as 500ms or \(example), at most 10m)", command: spec))
        }
        return seconds
    }

    /// `--report FORMAT=PATH`, or nil when it is not that.
    static func reportFile(_ item: String) -> (format: String, path: String)? {
        guard let eq = item.firstIndex(of: "="), ScanReporters.named(String(item[..<eq])) != nil, item.index(after: eq) < item.endIndex else {
            return nil
        }
        return (String(item[..<eq]), String(item[item.index(after: eq)...]))
    }

    /// The config's `allow` and `protect` conditions compiled; an error points into the config.
    static func conditions(of config: ConfigFile, checker: ConditionChecker) throws(CLIError) -> (allow: [CompiledCondition], protect: [CompiledCondition]) {
        var allow: [CompiledCondition] = []
        var protect: [CompiledCondition] = []
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
        return (allow, protect)
    }

    /// The scanner these settings ask for, for a user `uid`: only their own processes unless they
    /// are root, ask for `--all-users`, or read a saved snapshot. A hidden rule runs only with
    /// `--verbose` or an `--only` that names it: otherwise its findings are in no report, exit
    /// status or cleanup.
    func scanner(rules: [Rule], uid: UInt32) -> Scanner {
        var scanner = Scanner(
            rules: Scanner.select(rules.filter { $0.shown(verbose: verbose, only: only) }, only: only, skip: skip), pattern: pattern, ports: ports,
            whereCondition: whereCondition, allow: allow,
            onlyUID: uid == 0 || allUsers || fromPath != nil ? nil : uid)
        if baselinePath != nil {
            // A leak report says what leaked: its command line.
            scanner.alsoRead.insert(.cmdline)
        }
        if cleanup {
            // The guards judge owners, PID namespaces, containers and what `protect` mentions;
            // reports name targets by command line.
            scanner.alsoRead.formUnion(protect.reduce(into: [.status, .cmdline, .namespace, .cgroup]) { $0.formUnion($1.needs) })
        }
        return scanner
    }

    /// What cleanup never touches: what the config protects, and what it allows (never reported).
    var cleanupProtect: [CompiledCondition] { protect + allow }

    /// Whose processes cleanup may touch: `uid`'s only (root's too, for root) unless `--all-users`.
    func cleanupUID(_ uid: UInt32) -> UInt32? { allUsers ? nil : uid }
}
