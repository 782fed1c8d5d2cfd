import Glibc
import ZScanCore
import ZScanLinux

/// `zscan` / `zscan scan`: apply the rules to this machine (or a saved snapshot) and report.
enum ScanCommand {
    static let spec = CommandSpec(
        name: "scan",
        abstract: "Scan for what processes left behind (the default command).",
        discussion: "Exits 1 when a finding is selected by --fail-on (default: error), 0 when none is, 2 when zscan cannot do its job. Selectors are rule ids, tags, severities (a severity selects it and everything more severe), 'any' or 'none', comma-separated.",
        usage: "[--rules <path> ...] [--only <sel>] [--skip <sel>] [--fail-on <sel>] [--format <format>] [options]",
        options: [
            OptionSpec(long: "rules", value: "<path>", help: "More rule files or directories (a rule with a built-in id replaces it).", repeatable: true),
            OptionSpec(long: "config", value: "<file>", help: "Config file.", defaultText: ".zscan.json5 if present"),
            OptionSpec(long: "only", value: "<sel>", help: "Run only these rules.", repeatable: true),
            OptionSpec(long: "skip", value: "<sel>", help: "Do not run these rules.", repeatable: true),
            OptionSpec(long: "fail-on", value: "<sel>", help: "Findings that make the exit status 1.", defaultText: "error", repeatable: true),
            OptionSpec(long: "format", value: "<format>", help: "Report on standard output: text or json.", defaultText: "text"),
            OptionSpec(long: "report", value: "<fmt=path>", help: "Also write a report to a file, e.g. json=zscan.json.", repeatable: true),
            OptionSpec(long: "pattern", value: "<regex>", help: "Only findings about processes whose command line matches."),
            OptionSpec(long: "port", value: "<port>", help: "Only findings about these ports.", repeatable: true),
            OptionSpec(long: "where", value: "<expr>", help: "Only findings about processes for which this condition holds."),
            OptionSpec(long: "pidfiles", value: "<glob>", help: "PID files to check for staleness.", repeatable: true),
            OptionSpec(long: "sample", value: "<duration>", help: "CPU sampling window, taken only when a rule needs it.", defaultText: "1s"),
            OptionSpec(long: "baseline", value: "<file>", help: "A snapshot from earlier: processes not in it are new."),
            OptionSpec(long: "from", value: "<file>", help: "Evaluate a saved snapshot instead of this machine."),
            OptionSpec(long: "all-users", help: "Report (and clean up) other users' processes too (root always sees all)."),
            OptionSpec(long: "cleanup", help: "End what the findings' rules say to end (TERM, grace, KILL), guarded; see README."),
            OptionSpec(long: "dry-run", help: "Print the cleanup plan and change nothing."),
            OptionSpec(long: "grace", value: "<duration>", help: "How long a process has to exit after SIGTERM.", defaultText: "5s"),
            OptionSpec(long: "color", value: "<when>", help: "auto, always or never.", defaultText: "auto"),
            OptionSpec(long: "quiet", short: "q", help: "No report on standard output; only the exit status."),
            OptionSpec(long: "verbose", short: "v", help: "Say which rules were replaced and what could not be seen."),
            ProcRoot.option,
            CommandSpec.help,
        ])

    static func run(_ arguments: ParsedArguments) throws(CLIError) -> Int32 {
        if let extra = arguments.positionals.first {
            throw .usage(UsageError(message: "Unexpected argument '\(extra)'", command: spec))
        }
        let environment = Environment.current
        let config = try loadConfig(arguments.value("config") ?? environment["ZSCAN_CONFIG"])
        let ruleSet = try RuleFiles.load(paths: (config?.rulePaths ?? []) + arguments.all("rules"), edits: config?.edits ?? [], keepExamples: false)
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
            if !unknown.isEmpty {
                throw .usage(UsageError(message: "--\(flag): no rule, tag or severity \(unknown.joined(separator: ", "))", command: spec))
            }
            return selector
        }
        let only = try selector("only", "ZSCAN_ONLY", config?.only)
        let skip = try selector("skip", "ZSCAN_SKIP", config?.skip)
        let failOn = try selector("fail-on", "ZSCAN_FAIL_ON", config?.failOn) ?? .defaultFailOn

        let format = arguments.value("format") ?? environment["ZSCAN_FORMAT"] ?? "text"
        guard ["text", "json"].contains(format) else {
            throw .usage(UsageError(message: "Unknown format '\(format)' (expected text or json)", command: spec))
        }
        var reports: [(format: String, path: String)] = []
        for item in arguments.all("report") {
            guard let eq = item.firstIndex(of: "="), ["text", "json"].contains(String(item[..<eq])), item.index(after: eq) < item.endIndex else {
                throw .usage(UsageError(message: "--report takes FORMAT=PATH with FORMAT text or json, not '\(item)'", command: spec))
            }
            reports.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        let sampleText = arguments.value("sample") ?? environment["ZSCAN_SAMPLE"] ?? config?.sample ?? "1s"
        guard let sample = Durations.seconds(sampleText), sample >= 0, sample <= 600 else {
            throw .usage(UsageError(message: "Invalid --sample '\(sampleText)' (a duration such as 500ms or 2s, at most 10m)", command: spec))
        }
        var ports: [Int] = []
        for text in arguments.all("port").flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw .usage(UsageError(message: "Invalid port '\(text)' (expected 1-65535)", command: spec))
            }
            ports.append(port)
        }
        var pattern: LinearRegex? = nil
        if let text = arguments.value("pattern") {
            do { pattern = try LinearRegex(text) } catch {
                throw .usage(UsageError(message: "--pattern: invalid regular expression at offset \(error.offset): \(error.message)", command: spec))
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
                    let diagnostic = RuleDiagnostic(file: config.path, location: node.location(ofScalar: error.offset), message: error.message)
                    throw .failure(diagnostic.rendered(source: config.bytes), plain: true)
                }
            }
        }
        let cleanup = arguments.has("cleanup") || arguments.has("dry-run")
        let graceText = arguments.value("grace") ?? "5s"
        guard let grace = Durations.seconds(graceText), grace >= 0, grace <= 600 else {
            throw .usage(UsageError(message: "Invalid --grace '\(graceText)' (a duration such as 500ms or 5s, at most 10m)", command: spec))
        }
        if cleanup && arguments.value("from") != nil {
            throw .usage(UsageError(message: "--cleanup acts on this machine, not on a saved snapshot (--from)", command: spec))
        }
        let from = try arguments.value("from").map { path throws(CLIError) in (try loadSnapshot(path), path) }
        let baseline = try arguments.value("baseline").map { path throws(CLIError) in (try loadSnapshot(path), path) }

        let rules = Scanner.select(ruleSet.rules, only: only, skip: skip)
        let uid = getuid()
        var scanner = Scanner(
            rules: rules, pattern: pattern, ports: ports, whereCondition: whereCondition, allow: allow,
            onlyUID: uid == 0 || arguments.has("all-users") || from != nil ? nil : uid)
        if cleanup {
            // The guards judge owners and what `protect` mentions; reports name targets by command line.
            scanner.alsoRead = protect.reduce(into: [.status, .cmdline]) { $0.formUnion($1.needs) }
        }
        var filters: [String] = []
        if let text = arguments.value("pattern") { filters.append("pattern: \(text)") }
        if !ports.isEmpty { filters.append("port: \(ports.map(String.init).joined(separator: ","))") }
        if let text = arguments.value("where") { filters.append("where: \(text)") }

        let progress = Progress(enabled: !quiet && isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb")
        let pipeline = ScanPipeline(
            source: LinuxSnapshotSource(procRoot: arguments.value("proc-root") ?? "/proc"),
            pidfileSource: PidFileReader(procRoot: arguments.value("proc-root") ?? "/proc"),
            wait: { seconds in Clock.sleep(seconds) { progress.show("sampling CPU", fraction: $0) }; progress.clear() },
            now: Clock.wall, monotonic: Clock.monotonic)
        var result: ScanResult
        let context: EvaluationContext
        do {
            (result, context) = try pipeline.runKeepingContext(ScanPipeline.Request(
                scanner: scanner, failOn: failOn, sampleSeconds: sample,
                pidfileGlobs: arguments.all("pidfiles") + (environment["ZSCAN_PIDFILES"].map { [$0] } ?? []) + (config?.pidfiles ?? []),
                from: from, baseline: baseline, filters: filters))
        } catch {
            throw .failure(error.description)
        }
        var portsStillHeld = false
        if cleanup {
            (result, portsStillHeld) = CleanupRun.perform(
                result: result, context: context, protect: protect + allow, onlyUID: arguments.has("all-users") ? nil : uid,
                grace: grace, dryRun: arguments.has("dry-run") || !arguments.has("cleanup"), ports: ports,
                procRoot: arguments.value("proc-root") ?? "/proc", progress: progress)
        }

        let style = TextStyle.decide(flag: arguments.value("color"), environment: environment, isTTY: isatty(STDOUT_FILENO) == 1)
        func render(_ format: String, styled: Bool) -> [UInt8] {
            format == "json"
                ? ScanJSONReport(result: result, pretty: false).render()
                : Array(ScanTextReport(result: result, style: styled ? style : .plain, width: styled ? Output.terminalWidth() : nil, verbose: verbose).render().utf8)
        }
        for report in reports { try Output.writeFile(report.path, render(report.format, styled: false)) }
        if !quiet { Output.write(render(format, styled: true)) }
        // `--cleanup --port N` promises a free port: one still held fails the run.
        return result.failing.isEmpty && !portsStillHeld ? 0 : 1
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

/// The process environment, read once.
enum Environment {
    static var current: [String: String] {
        var out: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { out[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            pointer += 1
        }
        return out
    }
}

/// Durations on the command line: `500ms`, `2s`, `1.5s`, `1m`, or plain seconds.
enum Durations {
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * scale }
        }
        return Double(text)
    }
}

/// An expression given on the command line, with a caret under the problem.
enum ExpressionError {
    static func render(option: String, text: String, error: ConditionError) -> String {
        let shown = TerminalText.escape(text)
        let column = String(text.unicodeScalars.prefix(error.offset)).count
        return "Error: \(option): \(error.message)\n    \(shown)\n    \(String(repeating: " ", count: column))^\n"
    }
}

/// A one-line progress indicator on a TTY stderr, erased when done.
final class Progress: @unchecked Sendable {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func show(_ what: String, fraction: Double) {
        guard enabled else { return }
        let width = 20
        let done = Int((fraction * Double(width)).rounded())
        Output.err("\r\(what) [\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))]")
    }

    func clear() {
        guard enabled else { return }
        Output.err("\r\u{1B}[K")
    }
}
