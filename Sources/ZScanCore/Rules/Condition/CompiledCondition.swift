/// A checked condition, names resolved and regexes compiled, ready to evaluate many times.
public struct CompiledCondition: Sendable {
    let root: CompiledExpression
    public let subject: Subject
    /// What the snapshot must read for this condition.
    public let needs: FieldSet
    public let needsSampling: Bool
    public let needsBaseline: Bool
}

/// A checked field path, for message placeholders.
public struct CompiledValue: Sendable {
    let expression: CompiledExpression
    public let type: ValueType
    public let needs: FieldSet
    public let needsSampling: Bool
    public let needsBaseline: Bool
}

indirect enum CompiledExpression: Sendable {
    case constant(ConditionValue)
    /// A field of the current subject (`base == nil`) or of what `base` evaluates to, and the
    /// per-process groups it rests on (`ProcessField.reads`), looked up once here.
    case field(base: CompiledExpression?, FieldID, reads: FieldSet)
    /// One key of a map field (`env.HOME`, `container.runtime`) of the process `base` names.
    case mapValue(base: CompiledExpression?, ProcessField, key: String)
    /// The element of the enclosing any/all/count over a list of plain values (`it`).
    case element
    case list([CompiledExpression])
    case not(CompiledExpression)
    case and(CompiledExpression, CompiledExpression)
    case or(CompiledExpression, CompiledExpression)
    case compare(ConditionSyntax.BinaryOperator, CompiledExpression, CompiledExpression)
    case member(CompiledExpression, CompiledExpression, negated: Bool)
    case contains(CompiledExpression, CompiledExpression)
    case startsWith(CompiledExpression, CompiledExpression)
    case endsWith(CompiledExpression, CompiledExpression)
    case regex(CompiledExpression, LinearRegex)
    case anyMatches(CompiledExpression, [LinearRegex])
    case quantifier(Quantifier, list: CompiledExpression, body: CompiledExpression)
    case length(CompiledExpression)
    case exists(CompiledExpression)

    enum Quantifier: String, Sendable { case any, all, count }
}

/// The lists and macros a rule file declares, shared by the conditions that use them.
public struct ConditionScope: Sendable {
    /// List items are patterns for `any_matches` and values for `in`.
    public var lists: [String: [String]]
    /// Macro name to condition text.
    public var macros: [String: String]

    public init(lists: [String: [String]] = [:], macros: [String: String] = [:]) {
        self.lists = lists
        self.macros = macros
    }
}
