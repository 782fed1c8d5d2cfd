/// Loads rule files (JSON5): checks their schema, merges their lists and macros, compiles every
/// condition and message, and reports each problem at its file, line and column.
public enum RuleLoader {
    static let fileKeys = ["format_version", "lists", "macros", "rules"]
    static let ruleKeys = ["id", "title", "severity", "tags", "subject", "when", "message", "hint", "action", "enabled", "hidden", "examples"]
    static let exampleKeys = ["match", "no_match"]
    static let knownTags = ["zombie", "orphan", "port", "hang", "pidfile", "leak", "dev-server", "ci", "detached", "container"]

    /// `keepExamples: false` (a scan) lets the examples' parsed trees go once the rules are
    /// compiled; `rules check` and `explain` keep them.
    public static func load(_ sources: [RuleSource], edits: [ScopeEdit] = [], keepExamples: Bool = true) throws(RuleLoadError) -> RuleSet {
        var state = LoadState()
        state.keepExamples = keepExamples
        for source in sources {
            state.sources[source.name] = source.bytes
            state.read(source)
        }
        state.apply(edits)
        state.compile()
        if !state.errors.isEmpty {
            throw RuleLoadError(diagnostics: state.errors, sources: state.sources)
        }
        return RuleSet(
            rules: state.compiled, scope: state.scope, warnings: state.warnings, overrides: state.overrides, sources: state.sources)
    }
}

/// A list or macro with where it was defined (its items' nodes locate errors inside them).
private struct Definition {
    var file: String
    var node: JSON5Node
    var keyLocation: SourceLocation
    var builtin: Bool
}

/// A rule as read from its file, before compiling.
private struct RawRule {
    var file: String
    var builtin: Bool
    var location: SourceLocation
    var fields: JSON5Object
}

private struct LoadState {
    var sources: [String: [UInt8]] = [:]
    var errors: [RuleDiagnostic] = []
    var warnings: [RuleDiagnostic] = []
    var lists: [String: Definition] = [:]
    var macros: [String: Definition] = [:]
    var raw: [RawRule] = []
    var overrides: [(id: String, by: RuleOrigin)] = []
    var compiled: [Rule] = []
    var scope = ConditionScope()
    var keepExamples = true
    /// Macros set by the config (text, where) and list edits applied, by name.
    var macroTexts: [String: (text: String, file: String, location: SourceLocation)] = [:]

    mutating func error(_ file: String, _ location: SourceLocation, _ code: DiagnosticCode, _ message: String) {
        errors.append(RuleDiagnostic(file: file, location: location, code: code, message: message))
    }

    mutating func warning(_ file: String, _ location: SourceLocation, _ code: DiagnosticCode, _ message: String) {
        warnings.append(RuleDiagnostic(file: file, location: location, code: code, message: message))
    }

    mutating func error(_ file: String, _ problem: JSON5Problem) {
        errors.append(problem.diagnostic(file: file))
    }

    /// The object's members by key; its duplicate and unknown keys become errors.
    mutating func object(_ node: JSON5Node, file: String, allowed: [String]?, what: String) -> JSON5Object? {
        do {
            let object = try JSON5Object(node, allowed: allowed, what: what)
            for problem in object.problems { error(file, problem) }
            return object
        } catch {
            self.error(file, error)
            return nil
        }
    }

    mutating func read(_ source: RuleSource) {
        let file = source.name
        let root: JSON5Node
        do {
            root = try JSON5Parser.parse(source.bytes)
        } catch {
            self.error(file, JSON5Problem(error))
            return
        }
        guard let top = object(root, file: file, allowed: RuleLoader.fileKeys, what: "a rule file") else { return }
        guard let version = top["format_version"] else {
            error(file, root.location, .missingKey, "missing 'format_version: 1' at the top of the rule file")
            return
        }
        guard version.value.value == .integer(1) else {
            error(file, version.value.location, .unsupportedVersion, "unsupported format_version (this zscan reads format_version 1)")
            return
        }
        if let node = top["lists"]?.value, let entries = object(node, file: file, allowed: nil, what: "'lists'") {
            for member in entries.members {
                guard identifier(member.key) else {
                    error(file, member.keyLocation, .invalidName, "list name '\(member.key)' must be snake_case")
                    continue
                }
                guard member.value.stringsValue != nil else {
                    error(file, member.value.location, .wrongType, "list '\(member.key)' must be an array of strings")
                    continue
                }
                define(member, file: file, builtin: source.builtin, isList: true)
            }
        }
        if let node = top["macros"]?.value, let entries = object(node, file: file, allowed: nil, what: "'macros'") {
            for member in entries.members {
                guard identifier(member.key) else {
                    error(file, member.keyLocation, .invalidName, "macro name '\(member.key)' must be snake_case")
                    continue
                }
                guard member.value.stringValue != nil else {
                    error(file, member.value.location, .wrongType, "macro '\(member.key)' must be a condition string")
                    continue
                }
                define(member, file: file, builtin: source.builtin, isList: false)
            }
        }
        guard let rulesNode = top["rules"]?.value else { return }
        guard let ruleNodes = rulesNode.arrayValue else {
            error(file, rulesNode.location, .wrongType, "'rules' must be an array of rule objects")
            return
        }
        for node in ruleNodes {
            guard let fields = object(node, file: file, allowed: RuleLoader.ruleKeys, what: "a rule") else { continue }
            raw.append(RawRule(file: file, builtin: source.builtin, location: node.location, fields: fields))
        }
    }

    func identifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first >= "a" && first <= "z" else { return false }
        return name.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
    }

    /// A list or macro: a later file overrides an earlier one (a user file may redefine a
    /// built-in); two definitions in one file is an error.
    mutating func define(_ member: JSON5Member, file: String, builtin: Bool, isList: Bool) {
        let existing = isList ? lists[member.key] : macros[member.key]
        if let existing, existing.file == file {
            error(
                file, member.keyLocation, .duplicateDefinition,
                "\(isList ? "list" : "macro") '\(member.key)' is defined twice (first at \(existing.keyLocation))")
            return
        }
        let definition = Definition(file: file, node: member.value, keyLocation: member.keyLocation, builtin: builtin)
        if isList { lists[member.key] = definition } else { macros[member.key] = definition }
    }

    mutating func apply(_ edits: [ScopeEdit]) {
        for (name, definition) in lists { scope.lists[name] = definition.node.stringsValue ?? [] }
        for (name, definition) in macros { scope.macros[name] = definition.node.stringValue }
        for edit in edits {
            switch edit.kind {
            case let .appendList(items), let .replaceList(items):
                guard let current = scope.lists[edit.name] else {
                    error(edit.file, edit.location, .unknownList, "unknown list '\(edit.name)'\(Suggestion.hint(for: edit.name, in: Array(scope.lists.keys)))")
                    continue
                }
                if case .appendList = edit.kind { scope.lists[edit.name] = current + items } else { scope.lists[edit.name] = items }
            case let .setMacro(text):
                guard scope.macros[edit.name] != nil else {
                    error(
                        edit.file, edit.location, .unknownThreshold,
                        "unknown threshold '\(edit.name)'\(Suggestion.hint(for: edit.name, in: Array(scope.macros.keys)))")
                    continue
                }
                scope.macros[edit.name] = text
                macroTexts[edit.name] = (text, edit.file, edit.location)
            }
        }
    }

    mutating func compile() {
        let checker = ConditionChecker(scope: scope)
        var seen: [String: RuleOrigin] = [:]
        var order: [String] = []
        var byId: [String: Rule] = [:]
        for rule in raw {
            guard let compiledRule = compileRule(rule, checker) else { continue }
            let id = compiledRule.id
            if let first = seen[id] {
                if first.builtin && !rule.builtin {
                    overrides.append((id, compiledRule.origin))
                } else {
                    error(
                        rule.file, rule.fields["id"]!.value.location, .duplicateRuleID,
                        "duplicate rule id '\(id)' (first defined at \(first.file):\(first.location))")
                    continue
                }
            } else {
                order.append(id)
            }
            seen[id] = compiledRule.origin
            byId[id] = compiledRule
        }
        compiled = order.compactMap { byId[$0] }
        for (name, definition) in macros.sorted(by: { $0.key < $1.key }) where !checker.usedNames.contains(name) && !definition.builtin {
            warning(definition.file, definition.keyLocation, .unusedMacro, "macro '\(name)' is never used")
        }
        for (name, definition) in lists.sorted(by: { $0.key < $1.key }) where !checker.usedNames.contains(name) && !definition.builtin {
            warning(definition.file, definition.keyLocation, .unusedList, "list '\(name)' is never used")
        }
    }

    /// A string field's node, or an error naming what is expected.
    mutating func string(_ rule: RawRule, _ key: String, required: Bool) -> JSON5Node? {
        guard let member = rule.fields[key] else {
            if required { error(rule.file, rule.location, .missingKey, "rule is missing '\(key)'") }
            return nil
        }
        guard member.value.stringValue != nil else {
            error(rule.file, member.value.location, .wrongType, "'\(key)' must be a string")
            return nil
        }
        return member.value
    }

    func text(_ node: JSON5Node) -> String {
        node.stringValue ?? ""
    }

    /// Maps a condition error to its file and place: the condition, a macro (maybe set by the
    /// config, maybe in another file), or an item of a list.
    mutating func report(_ failure: ConditionError, in node: JSON5Node, file: String, prefix: String = "") {
        // A template's own errors (an unclosed '{') have no code of their own.
        let code = !prefix.isEmpty && failure.code == .invalidCondition ? DiagnosticCode.invalidMessage : failure.code
        switch failure.origin {
        case .condition:
            error(file, node.location(ofScalar: failure.offset), code, prefix + failure.message)
        case let .macro(name):
            if let set = macroTexts[name] {
                error(set.file, set.location, code, "in threshold '\(name)': \(failure.message)")
            } else if let definition = macros[name] {
                error(definition.file, definition.node.location(ofScalar: failure.offset), code, "in macro '\(name)': \(failure.message)")
            } else {
                error(file, node.location, code, failure.message)
            }
        case let .listItem(list, index):
            if let definition = lists[list], case let .array(items) = definition.node.value, index < items.count {
                error(definition.file, items[index].location(ofScalar: failure.offset), code, failure.message)
            } else {
                error(file, node.location, code, failure.message)
            }
        }
    }

    /// A rule whose fields all read and whose condition, message and hint compile; nil after
    /// reporting why not.
    mutating func compileRule(_ rule: RawRule, _ checker: ConditionChecker) -> Rule? {
        let errorsBefore = errors.count
        guard let summary = summary(rule) else { return nil }
        let enabled = flag(rule, "enabled", default: true)
        let hidden = flag(rule, "hidden", default: false)
        let examples = examples(rule, id: summary.id)
        guard let whenNode = string(rule, "when", required: true) else { return nil }
        let messageNode = string(rule, "message", required: true)
        let hintNode = string(rule, "hint", required: false)
        guard errors.count == errorsBefore, let messageNode else { return nil }

        let subject = Subject(rawValue: summary.subject)!
        let condition: CompiledCondition
        let message: MessageTemplate
        var hint: MessageTemplate? = nil
        do {
            condition = try checker.compile(text(whenNode), subject: subject)
        } catch {
            report(error, in: whenNode, file: rule.file)
            return nil
        }
        do {
            message = try MessageTemplate(text(messageNode), subject: subject, checker: checker)
        } catch {
            report(error, in: messageNode, file: rule.file, prefix: "in the message: ")
            return nil
        }
        if let hintNode {
            do {
                hint = try MessageTemplate(text(hintNode), subject: subject, checker: checker)
            } catch {
                report(error, in: hintNode, file: rule.file, prefix: "in the hint: ")
                return nil
            }
        }
        return Rule(
            summary: summary, when: text(whenNode), condition: condition, message: message, hint: hint, enabled: enabled, hidden: hidden, examples: examples,
            origin: RuleOrigin(file: rule.file, location: rule.location, builtin: rule.builtin))
    }

    /// A true/false key's value; `fallback` when it is absent or not a boolean (an error).
    mutating func flag(_ rule: RawRule, _ key: String, default fallback: Bool) -> Bool {
        guard let member = rule.fields[key] else { return fallback }
        if let value = member.value.boolValue { return value }
        error(rule.file, member.value.location, .wrongType, "'\(key)' must be true or false")
        return fallback
    }

    /// The case of `T` a string key names, and the key's node; `fallback` when the key is absent or
    /// names no case, which is an error that lists the cases (`key must be \(cases)`).
    mutating func choice<T: RawRepresentable & CaseIterable>(
        _ rule: RawRule, _ key: String, required: Bool, fallback: T, _ cases: String
    ) -> (value: T, node: JSON5Node?) where T.RawValue == String {
        guard let node = string(rule, key, required: required) else { return (fallback, nil) }
        if let value = T(rawValue: text(node)) { return (value, node) }
        let hint = Suggestion.hint(for: text(node), in: T.allCases.map(\.rawValue))
        error(rule.file, node.location, .invalidValue, "\(key) must be \(cases)\(hint)")
        return (fallback, node)
    }

    /// The id, title, severity, subject, action and tags, each checked; nil without an id.
    mutating func summary(_ rule: RawRule) -> RuleSummary? {
        guard let idNode = string(rule, "id", required: true) else { return nil }
        let id = text(idNode)
        if !identifier(id) { error(rule.file, idNode.location, .invalidName, "rule id '\(id)' must be snake_case (a-z, 0-9, _)") }
        let title = string(rule, "title", required: true).map(text) ?? ""
        let severity = choice(rule, "severity", required: true, fallback: Severity.error, "error, warning or info").value
        let subject = choice(rule, "subject", required: false, fallback: Subject.process, "process, socket or pidfile").value
        let (action, actionNode) = choice(
            rule, "action", required: false, fallback: RuleAction.none,
            "one of \(RuleAction.allCases.map(\.rawValue).joined(separator: ", "))")
        if let actionNode, !action.applies(to: subject) {
            error(rule.file, actionNode.location, .invalidValue, "action '\(action.rawValue)' does not apply to a \(subject.rawValue)")
        }
        var tags: [String] = []
        if let member = rule.fields["tags"] {
            if let values = member.value.stringsValue {
                tags = values
            } else {
                error(rule.file, member.value.location, .wrongType, "'tags' must be an array of strings")
            }
        }
        return RuleSummary(id: id, title: title, severity: severity, tags: tags, subject: subject.rawValue, action: action)
    }

    /// The examples' nodes (kept only when `keepExamples`); a rule without any is a warning.
    mutating func examples(_ rule: RawRule, id: String) -> RuleExamples {
        var examples = RuleExamples(match: [], noMatch: [])
        guard let member = rule.fields["examples"] else {
            warning(rule.file, rule.location, .missingExamples, "rule '\(id)' has no examples: add examples.match and examples.no_match so it is tested")
            return examples
        }
        guard let parts = object(member.value, file: rule.file, allowed: RuleLoader.exampleKeys, what: "'examples'") else { return examples }
        for (key, list) in [("match", \RuleExamples.match), ("no_match", \RuleExamples.noMatch)] {
            guard let node = parts[key]?.value else { continue }
            guard let items = node.arrayValue else {
                error(rule.file, node.location, .wrongType, "'examples.\(key)' must be an array of objects")
                continue
            }
            if keepExamples { examples[keyPath: list] = items }
        }
        return examples
    }
}

private extension RuleAction {
    /// Whether the action can be taken on a finding about `subject`.
    func applies(to subject: Subject) -> Bool {
        switch self {
        case .none: return true
        case .terminate, .terminateTree: return subject != .pidfile
        case .reap: return subject == .process
        case .removeFile: return subject == .pidfile
        }
    }
}
