import ZScanCore

/// `zscan rules list|check|explain`: what the rules are, whether rule files are valid (for a
/// pre-commit hook on rule files), and what one rule does.
enum RulesCommand {
    static let spec = CommandSpec(
        name: "rules",
        abstract: "List, check or explain rules.",
        discussion:
            "Rules are JSON5 files: each has an id, a severity, tags, a condition ('when'), a message and examples that must match or not. check loads the built-in rules with the given files or directories, reports every error as file:line:col with the line and a caret, runs every rule's examples, and exits 2 on any error. To write a rule, start from a built-in one: 'zscan rules explain ID' shows where it is defined. rules/README.md in zscan's repository documents the condition language and every field.",
        arguments: [("list | check [<path> ...] | explain <id>", "What to do.")],
        usage: "list | check [<path> ...] | explain <id> [--rules <path> ...] [--config <file>]",
        options: [
            OptionSpec(long: "rules", value: "<path>", help: "More rule files or directories.", repeatable: true),
            OptionSpec(long: "config", value: "<file>", help: "Config file.", defaultText: ".zscan.json5 if present"),
            OptionSpec(long: "markdown", help: "list: a Markdown table (what scripts/rules-table puts in README.md)."),
            CommandSpec.help,
        ],
        examples: [
            ("zscan rules list", "Every rule: id, severity, tags and title."),
            ("zscan rules explain orphaned_dev_server", "What a rule looks for, its cleanup action, where it is defined and its examples."),
            ("zscan rules check my-rules/", "Validate your rule files together with the built-in ones."),
            ("zscan --rules my-rules/", "Scan with your rules added (same id: yours replaces the built-in one)."),
        ])

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> Int32 {
        guard let action = arguments.positionals.first else {
            throw .usage(UsageError(message: "Missing expected argument 'list', 'check' or 'explain'", command: spec))
        }
        let rest = Array(arguments.positionals.dropFirst())
        let config = try ScanCommand.loadConfig(ScanSettings.configPath(arguments, environment: environment))
        let paths = (config?.rulePaths ?? []) + arguments.all("rules")
        switch action {
        case "list":
            guard rest.isEmpty else { throw .usage(UsageError(message: "Unexpected argument '\(rest[0])'", command: spec)) }
            let set = try RuleFiles.load(paths: paths, edits: config?.edits ?? [])
            if arguments.has("markdown") {
                Output.out(markdown(set.rules))
                return 0
            }
            Output.out(list(set.rules, width: Output.terminalWidth(environment: environment)))
            return 0
        case "check":
            let set = try RuleFiles.load(paths: paths + rest, edits: config?.edits ?? [], silence: config?.silence ?? [])
            for warning in set.warnings { Output.err(warning.rendered(source: set.sources[warning.file] ?? [])) }
            // Examples are written against the thresholds and lists their rule files define; a config
            // that tunes them (orphan_min_age: "5m") must not make correct examples fail.
            let edits = config?.edits ?? []
            let problems = RuleExampleRunner.run(edits.isEmpty ? set : try RuleFiles.load(paths: paths + rest, edits: []))
            for problem in problems { Output.err(problem.rendered(source: set.sources[problem.file] ?? [])) }
            if !problems.isEmpty { return 2 }
            let files = Set(set.rules.map(\.origin.file)).count
            let examples = set.rules.reduce(0) { $0 + $1.examples.match.count + $1.examples.noMatch.count }
            Output.out("ok: \(set.rules.count) rules in \(files) files, \(examples) examples hold\n")
            return 0
        case "explain":
            guard rest.count == 1 else {
                throw .usage(UsageError(message: rest.isEmpty ? "Missing expected argument '<id>'" : "Unexpected argument '\(rest[1])'", command: spec))
            }
            let set = try RuleFiles.load(paths: paths, edits: config?.edits ?? [])
            guard let rule = set.rules.first(where: { $0.id == rest[0] }) else {
                throw .failure("no rule '\(rest[0])'\(Suggestion.hint(for: rest[0], in: set.rules.map(\.id))); see 'zscan rules list'")
            }
            Output.out(explain(rule, source: set.sources[rule.origin.file] ?? [], width: Output.terminalWidth(environment: environment)))
            return 0
        default:
            throw .usage(
                UsageError(
                    message: "Unknown action '\(action)' (expected list, check or explain)\(Suggestion.hint(for: action, in: ["list", "check", "explain"]))",
                    command: spec))
        }
    }

    /// The rules as a Markdown table: id, severity, tags, title, what `--cleanup` does, condition.
    static func markdown(_ rules: [Rule]) -> String {
        func cell(_ text: String) -> String {
            TerminalText.escape(text).replacingPipes()
        }
        var out = "| rule | severity | tags | finds | `--cleanup` | fires when |\n|---|---|---|---|---|---|\n"
        for rule in rules {
            let s = rule.summary
            let action = s.action == .none ? "—" : "`\(s.action.rawValue)`"
            out +=
                "| `\(s.id)` | \(s.severity.rawValue) | \(s.tags.joined(separator: ", ")) | \(cell(s.title))\(rule.hidden ? " (hidden)" : "") | \(action) | `\(cell(rule.when))` |\n"
        }
        return out
    }

    /// The rules as a table of id, severity, tags and title; at a known width the title wraps
    /// under itself (the widest built-in table would need 96 columns otherwise).
    static func list(_ rules: [Rule], width: Int?) -> String {
        var rows = [["ID", "SEVERITY", "TAGS", "TITLE"]]
        for rule in rules {
            let title = TerminalText.escape(rule.summary.title) + (rule.enabled ? "" : " (disabled)") + (rule.hidden ? " (hidden)" : "")
            rows.append([rule.id, rule.summary.severity.rawValue, rule.summary.tags.joined(separator: ","), title])
        }
        return Table.render(rows, wrappingAt: width, minimum: 20, below: "    ").joined(separator: "\n") + "\n"
    }

    /// Everything about one rule, the long values wrapped at `width` (80 when unknown), and the
    /// commands that run it.
    static func explain(_ rule: Rule, source: [UInt8], width: Int?) -> String {
        let s = rule.summary
        let indent = String(repeating: " ", count: 12)
        let wrapWidth = max(40, (width ?? 80) - indent.count)
        func field(_ label: String, _ value: String) -> String {
            "  " + label + String(repeating: " ", count: max(1, 10 - label.count))
                + CommandSpec.wrap(value, width: wrapWidth, indent: indent)
        }
        func text(_ node: JSON5Node) -> String {
            let start = min(node.location.offset, source.count)
            let end = min(max(start, node.end.offset), source.count)
            return TerminalText.escape(String(decoding: source[start..<end], as: UTF8.self))
        }
        var out = "\(s.id): \(TerminalText.escape(s.title))\(rule.enabled ? "" : " (disabled)")\n"
        if rule.hidden { out += field("hidden", "shown only with -v or --only \(s.id) (or one of its tags)") }
        out += field("severity", s.severity.rawValue)
        out += field("tags", s.tags.joined(separator: ", "))
        out += field("subject", s.subject)
        out += field("action", s.action.rawValue)
        out += field("defined", "\(rule.origin.file):\(rule.origin.location)\(rule.origin.builtin ? " (built-in)" : "")")
        out += field("when", TerminalText.escape(rule.when))
        out += field("message", TerminalText.escape(rule.message.text))
        if let hint = rule.hint { out += field("hint", TerminalText.escape(hint.text)) }
        for example in rule.examples.match { out += field("matches", text(example)) }
        for example in rule.examples.noMatch { out += field("not", text(example)) }
        out += field("scan", "zscan --only \(s.id)")
        if s.action != .none { out += field("clean up", "zscan --only \(s.id) --dry-run, then --cleanup") }
        return out
    }
}

private extension String {
    /// A `|` would end a Markdown table cell.
    func replacingPipes() -> String {
        var out = ""
        for character in self { out += character == "|" ? "\\|" : String(character) }
        return out
    }
}
