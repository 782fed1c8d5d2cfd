import ZScanCore

/// `zscan rules list|check|explain`: what the rules are, whether rule files are valid (for a
/// pre-commit hook on rule files), and what one rule does.
enum RulesCommand {
    static let spec = CommandSpec(
        name: "rules",
        abstract: "List, check or explain rules.",
        discussion: "check loads the built-in rules with the given files or directories, reports every error as file:line:col with the line and a caret, runs every rule's examples, and exits 2 on any error.",
        arguments: [("list | check [<path> ...] | explain <id>", "What to do.")],
        usage: "list | check [<path> ...] | explain <id> [--rules <path> ...] [--config <file>]",
        options: [
            OptionSpec(long: "rules", value: "<path>", help: "More rule files or directories.", repeatable: true),
            OptionSpec(long: "config", value: "<file>", help: "Config file.", defaultText: ".zscan.json5 if present"),
            OptionSpec(long: "markdown", help: "list: a Markdown table (what scripts/rules-table puts in README.md)."),
            CommandSpec.help,
        ])

    static func run(_ arguments: ParsedArguments) throws(CLIError) -> Int32 {
        guard let action = arguments.positionals.first else {
            throw .usage(UsageError(message: "Missing expected argument 'list', 'check' or 'explain'", command: spec))
        }
        let rest = Array(arguments.positionals.dropFirst())
        let config = try ScanCommand.loadConfig(arguments.value("config"))
        let paths = (config?.rulePaths ?? []) + arguments.all("rules")
        switch action {
        case "list":
            guard rest.isEmpty else { throw .usage(UsageError(message: "Unexpected argument '\(rest[0])'", command: spec)) }
            let set = try RuleFiles.load(paths: paths, edits: config?.edits ?? [])
            if arguments.has("markdown") {
                Output.out(markdown(set.rules))
                return 0
            }
            var rows = [["ID", "SEVERITY", "SUBJECT", "TAGS", "ENABLED", "TITLE"]]
            for rule in set.rules {
                rows.append([rule.id, rule.summary.severity.rawValue, rule.summary.subject, rule.summary.tags.joined(separator: ","),
                             rule.enabled ? "yes" : "no", TerminalText.escape(rule.summary.title)])
            }
            Output.out(Table.render(rows, lastColumnWidth: Output.terminalWidth()).joined(separator: "\n") + "\n")
            return 0
        case "check":
            let set = try RuleFiles.load(paths: paths + rest, edits: config?.edits ?? [])
            for warning in set.warnings { Output.err(warning.rendered(source: set.sources[warning.file] ?? [])) }
            let problems = RuleExampleRunner.run(set)
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
                throw .failure("no rule '\(rest[0])'\(Suggestion.hint(for: rest[0], in: set.rules.map(\.id)))")
            }
            Output.out(explain(rule, source: set.sources[rule.origin.file] ?? []))
            return 0
        default:
            throw .usage(UsageError(message: "Unknown action '\(action)' (expected list, check or explain)\(Suggestion.hint(for: action, in: ["list", "check", "explain"]))", command: spec))
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
            out += "| `\(s.id)` | \(s.severity.rawValue) | \(s.tags.joined(separator: ", ")) | \(cell(s.title)) | \(action) | `\(cell(rule.when))` |\n"
        }
        return out
    }

    static func explain(_ rule: Rule, source: [UInt8]) -> String {
        let s = rule.summary
        var out = "\(s.id): \(TerminalText.escape(s.title))\n"
        out += "  severity  \(s.severity.rawValue)\n"
        out += "  tags      \(s.tags.joined(separator: ", "))\n"
        out += "  subject   \(s.subject)\n"
        out += "  action    \(s.action.rawValue)\n"
        out += "  defined   \(rule.origin.file):\(rule.origin.location)\(rule.origin.builtin ? " (built-in)" : "")\n"
        out += "  when      \(TerminalText.escape(rule.when))\n"
        out += "  message   \(TerminalText.escape(rule.message.text))\n"
        if let hint = rule.hint { out += "  hint      \(TerminalText.escape(hint.text))\n" }
        func text(_ node: JSON5Node) -> String {
            let start = min(node.location.offset, source.count)
            let end = min(max(start, node.end.offset), source.count)
            return TerminalText.escape(String(decoding: source[start..<end], as: UTF8.self))
        }
        for example in rule.examples.match { out += "  matches   \(text(example))\n" }
        for example in rule.examples.noMatch { out += "  not       \(text(example))\n" }
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
