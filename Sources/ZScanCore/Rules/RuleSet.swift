/// The rules of every loaded file, with the lists and macros they share, and what scanning with
/// them requires.
public struct RuleSet: Sendable {
    public var rules: [Rule]
    public var scope: ConditionScope
    public var warnings: [RuleDiagnostic]
    /// Built-in rules replaced by a user rule with the same id (said in `-v` output).
    public var overrides: [(id: String, by: RuleOrigin)]
    /// Each file's text, for rendering diagnostics.
    public var sources: [String: [UInt8]]

    public var enabledRules: [Rule] { rules.filter(\.enabled) }

    /// What the snapshot must read for the given rules (conditions and messages).
    public static func needs(of rules: [Rule]) -> (fields: FieldSet, sampling: Bool, baseline: Bool) {
        var fields: FieldSet = []
        var sampling = false
        var baseline = false
        for rule in rules {
            fields.formUnion(rule.condition.needs)
            fields.formUnion(rule.message.needs)
            if let hint = rule.hint { fields.formUnion(hint.needs) }
            sampling = sampling || rule.condition.needsSampling || rule.message.needsSampling
            baseline = baseline || rule.condition.needsBaseline
        }
        return (fields, sampling, baseline)
    }
}

/// A change the config file makes to the rule files' lists and macros (thresholds are macros
/// whose text is one value), with where it was written.
public struct ScopeEdit: Sendable {
    public enum Kind: Sendable { case appendList([String]), replaceList([String]), setMacro(String) }
    public var name: String
    public var kind: Kind
    public var file: String
    public var location: SourceLocation

    public init(name: String, kind: Kind, file: String, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.file = file
        self.location = location
    }
}
