/// Loads rule files (JSON5): checks their schema, merges their lists and macros, compiles every
/// condition and message, and reports each problem at its file, line and column.
public enum RuleLoader {
    static let fileKeys = ["format_version", "lists", "macros", "rules"]
    static let ruleKeys = ["id", "title", "severity", "tags", "subject", "when", "message", "hint", "action", "enabled", "examples"]
    static let exampleKeys = ["match", "no_match"]
    static let knownTags = ["zombie", "orphan", "port", "hang", "pidfile", "leak", "dev-server"]

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
    var members: [String: JSON5Member]
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

    mutating func error(_ file: String, _ location: SourceLocation, _ message: String) {
        errors.append(RuleDiagnostic(file: file, location: location, message: message))
    }

    mutating func warning(_ file: String, _ location: SourceLocation, _ message: String) {
        warnings.append(RuleDiagnostic(file: file, location: location, level: .warning, message: message))
    }

    /// Members by key, reporting duplicates and keys not in `allowed`.
    mutating func members(_ node: JSON5Node, file: String, allowed: [String], what: String) -> [String: JSON5Member]? {
        guard case let .object(list) = node.value else {
            error(file, node.location, "\(what) must be an object")
            return nil
        }
        var byKey: [String: JSON5Member] = [:]
        for member in list {
            if let first = byKey[member.key] {
                error(file, member.keyLocation, "duplicate key '\(member.key)' (first at \(first.keyLocation))")
                continue
            }
            if !allowed.isEmpty && !allowed.contains(member.key) {
                error(file, member.keyLocation, "unknown key '\(member.key)' in \(what)\(Suggestion.hint(for: member.key, in: allowed))")
                continue
            }
            byKey[member.key] = member
        }
        return byKey
    }

    mutating func read(_ source: RuleSource) {
        let file = source.name
        let root: JSON5Node
        do {
            root = try JSON5Parser.parse(source.bytes)
        } catch {
            self.error(file, error.location, error.message)
            return
        }
        guard let top = members(root, file: file, allowed: RuleLoader.fileKeys, what: "a rule file") else { return }
        guard let version = top["format_version"] else {
            error(file, root.location, "missing 'format_version: 1' at the top of the rule file")
            return
        }
        guard version.value.value == .integer(1) else {
            error(file, version.value.location, "unsupported format_version (this zscan reads format_version 1)")
            return
        }
        if let node = top["lists"]?.value, let entries = members(node, file: file, allowed: [], what: "'lists'") {
            for member in entries.values.sorted(by: { $0.keyLocation < $1.keyLocation }) {
                guard identifier(member.key) else {
                    error(file, member.keyLocation, "list name '\(member.key)' must be snake_case")
                    continue
                }
                guard case let .array(items) = member.value.value, items.allSatisfy({ if case .string = $0.value { return true }; return false }) else {
                    error(file, member.value.location, "list '\(member.key)' must be an array of strings")
                    continue
                }
                define(member, file: file, builtin: source.builtin, isList: true)
            }
        }
        if let node = top["macros"]?.value, let entries = members(node, file: file, allowed: [], what: "'macros'") {
            for member in entries.values.sorted(by: { $0.keyLocation < $1.keyLocation }) {
                guard identifier(member.key) else {
                    error(file, member.keyLocation, "macro name '\(member.key)' must be snake_case")
                    continue
                }
                guard case .string = member.value.value else {
                    error(file, member.value.location, "macro '\(member.key)' must be a condition string")
                    continue
                }
                define(member, file: file, builtin: source.builtin, isList: false)
            }
        }
        guard let rulesNode = top["rules"]?.value else { return }
        guard case let .array(ruleNodes) = rulesNode.value else {
            error(file, rulesNode.location, "'rules' must be an array of rule objects")
            return
        }
        for node in ruleNodes {
            guard let fields = members(node, file: file, allowed: RuleLoader.ruleKeys, what: "a rule") else { continue }
            raw.append(RawRule(file: file, builtin: source.builtin, location: node.location, members: fields))
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
            error(file, member.keyLocation, "\(isList ? "list" : "macro") '\(member.key)' is defined twice (first at \(existing.keyLocation))")
            return
        }
        let definition = Definition(file: file, node: member.value, keyLocation: member.keyLocation, builtin: builtin)
        if isList { lists[member.key] = definition } else { macros[member.key] = definition }
    }

    func strings(_ node: JSON5Node) -> [String] {
        guard case let .array(items) = node.value else { return [] }
        return items.compactMap { if case let .string(s) = $0.value { return s }; return nil }
    }

    mutating func apply(_ edits: [ScopeEdit]) {
        for (name, definition) in lists { scope.lists[name] = strings(definition.node) }
        for (name, definition) in macros {
            if case let .string(text) = definition.node.value { scope.macros[name] = text }
        }
        for edit in edits {
            switch edit.kind {
            case let .appendList(items), let .replaceList(items):
                guard let current = scope.lists[edit.name] else {
                    error(edit.file, edit.location, "unknown list '\(edit.name)'\(Suggestion.hint(for: edit.name, in: Array(scope.lists.keys)))")
                    continue
                }
                if case .appendList = edit.kind { scope.lists[edit.name] = current + items } else { scope.lists[edit.name] = items }
            case let .setMacro(text):
                guard scope.macros[edit.name] != nil else {
                    error(edit.file, edit.location, "unknown threshold '\(edit.name)'\(Suggestion.hint(for: edit.name, in: Array(scope.macros.keys)))")
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
                    error(rule.file, rule.members["id"]!.value.location, "duplicate rule id '\(id)' (first defined at \(first.file):\(first.location))")
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
            warning(definition.file, definition.keyLocation, "macro '\(name)' is never used")
        }
        for (name, definition) in lists.sorted(by: { $0.key < $1.key }) where !checker.usedNames.contains(name) && !definition.builtin {
            warning(definition.file, definition.keyLocation, "list '\(name)' is never used")
        }
    }

    /// A string field's node, or an error naming what is expected.
    mutating func string(_ rule: RawRule, _ key: String, required: Bool) -> JSON5Node? {
        guard let member = rule.members[key] else {
            if required { error(rule.file, rule.location, "rule is missing '\(key)'") }
            return nil
        }
        guard case .string = member.value.value else {
            error(rule.file, member.value.location, "'\(key)' must be a string")
            return nil
        }
        return member.value
    }

    func text(_ node: JSON5Node) -> String {
        if case let .string(s) = node.value { return s }
        return ""
    }

    /// Maps a condition error to its file and place: the condition, a macro (maybe set by the
    /// config, maybe in another file), or an item of a list.
    mutating func report(_ failure: ConditionError, in node: JSON5Node, file: String, prefix: String = "") {
        switch failure.origin {
        case .condition:
            error(file, node.location(ofScalar: failure.offset), prefix + failure.message)
        case let .macro(name):
            if let set = macroTexts[name] {
                error(set.file, set.location, "in threshold '\(name)': \(failure.message)")
            } else if let definition = macros[name] {
                error(definition.file, definition.node.location(ofScalar: failure.offset), "in macro '\(name)': \(failure.message)")
            } else {
                error(file, node.location, failure.message)
            }
        case let .listItem(list, index):
            if let definition = lists[list], case let .array(items) = definition.node.value, index < items.count {
                error(definition.file, items[index].location(ofScalar: failure.offset), failure.message)
            } else {
                error(file, node.location, failure.message)
            }
        }
    }

    mutating func compileRule(_ rule: RawRule, _ checker: ConditionChecker) -> Rule? {
        let errorsBefore = errors.count
        guard let idNode = string(rule, "id", required: true) else { return nil }
        let id = text(idNode)
        if !identifier(id) { error(rule.file, idNode.location, "rule id '\(id)' must be snake_case (a-z, 0-9, _)") }
        let title = string(rule, "title", required: true).map(text) ?? ""
        var severity = Severity.error
        if let node = string(rule, "severity", required: true) {
            if let value = Severity(rawValue: text(node)) { severity = value } else {
                error(rule.file, node.location, "severity must be error, warning or info\(Suggestion.hint(for: text(node), in: Severity.allCases.map(\.rawValue)))")
            }
        }
        var subject = Subject.process
        if let node = string(rule, "subject", required: false) {
            if let value = Subject(rawValue: text(node)) { subject = value } else {
                error(rule.file, node.location, "subject must be process, socket or pidfile\(Suggestion.hint(for: text(node), in: Subject.allCases.map(\.rawValue)))")
            }
        }
        var action = RuleAction.none
        if let node = string(rule, "action", required: false) {
            if let value = RuleAction(rawValue: text(node)) { action = value } else {
                error(rule.file, node.location, "action must be one of \(RuleAction.allCases.map(\.rawValue).joined(separator: ", "))\(Suggestion.hint(for: text(node), in: RuleAction.allCases.map(\.rawValue)))")
            }
            let fits: Bool
            switch action {
            case .none: fits = true
            case .terminate, .terminateTree: fits = subject != .pidfile
            case .reap: fits = subject == .process
            case .removeFile: fits = subject == .pidfile
            }
            if !fits { error(rule.file, node.location, "action '\(action.rawValue)' does not apply to a \(subject.rawValue)") }
        }
        var tags: [String] = []
        if let member = rule.members["tags"] {
            if case let .array(items) = member.value.value, items.allSatisfy({ if case .string = $0.value { return true }; return false }) {
                tags = strings(member.value)
            } else {
                error(rule.file, member.value.location, "'tags' must be an array of strings")
            }
        }
        var enabled = true
        if let member = rule.members["enabled"] {
            if case let .bool(value) = member.value.value { enabled = value } else { error(rule.file, member.value.location, "'enabled' must be true or false") }
        }
        var examples = RuleExamples(match: [], noMatch: [])
        if let member = rule.members["examples"], let parts = members(member.value, file: rule.file, allowed: RuleLoader.exampleKeys, what: "'examples'") {
            for (key, list) in [("match", \RuleExamples.match), ("no_match", \RuleExamples.noMatch)] {
                guard let node = parts[key]?.value else { continue }
                guard case let .array(items) = node.value else {
                    error(rule.file, node.location, "'examples.\(key)' must be an array of objects")
                    continue
                }
                if keepExamples { examples[keyPath: list] = items }
            }
        } else if rule.members["examples"] == nil {
            warning(rule.file, rule.location, "rule '\(id)' has no examples: add examples.match and examples.no_match so it is tested")
        }
        guard let whenNode = string(rule, "when", required: true) else { return nil }
        let messageNode = string(rule, "message", required: true)
        let hintNode = string(rule, "hint", required: false)
        guard errors.count == errorsBefore else { return nil }

        let condition: CompiledCondition
        do {
            condition = try checker.compile(text(whenNode), subject: subject)
        } catch {
            report(error, in: whenNode, file: rule.file)
            return nil
        }
        var message: MessageTemplate
        var hint: MessageTemplate? = nil
        do {
            message = try MessageTemplate(messageNode.map(text) ?? "", subject: subject, checker: checker)
        } catch {
            report(error, in: messageNode!, file: rule.file, prefix: "in the message: ")
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
        _ = message
        return Rule(
            summary: RuleSummary(id: id, title: title, severity: severity, tags: tags, subject: subject.rawValue, action: action),
            when: text(whenNode), condition: condition, message: message, hint: hint, enabled: enabled, examples: examples,
            origin: RuleOrigin(file: rule.file, location: rule.location, builtin: rule.builtin))
    }
}
