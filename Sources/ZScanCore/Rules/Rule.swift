/// A loaded, checked rule, ready to scan with.
public struct Rule: Sendable {
    public var summary: RuleSummary
    /// The condition's text, as written.
    public var when: String
    public var condition: CompiledCondition
    public var message: MessageTemplate
    public var hint: MessageTemplate?
    public var enabled: Bool
    /// `hidden: true`: its findings are for who asks (`-v`, or `--only` naming its id or a tag),
    /// not for every scan: a fact worth a look, never a reason to fail or clean up by default.
    public var hidden: Bool
    public var examples: RuleExamples
    public var origin: RuleOrigin

    public var id: String { summary.id }
}

extension Rule {
    /// Whether a scan runs and reports this rule: every rule but a hidden one, which runs only
    /// with `verbose` or when `only` names it by id or by one of its tags (a severity or `any`
    /// does not name it).
    public func shown(verbose: Bool, only: Selector?) -> Bool {
        !hidden || verbose || (only?.names(summary) ?? false)
    }
}

/// Where a rule was written.
public struct RuleOrigin: Sendable, Equatable {
    public var file: String
    public var location: SourceLocation
    public var builtin: Bool
}

/// Subjects the rule must match and must not match, written in the rule file and run by the test
/// suite for every rule (and by `zscan rules check`).
public struct RuleExamples: Sendable {
    public var match: [JSON5Node]
    public var noMatch: [JSON5Node]
}

/// One rule file's text and name.
public struct RuleSource: Sendable {
    public var name: String
    public var bytes: [UInt8]
    public var builtin: Bool

    public init(name: String, bytes: [UInt8], builtin: Bool = false) {
        self.name = name
        self.bytes = bytes
        self.builtin = builtin
    }
}
