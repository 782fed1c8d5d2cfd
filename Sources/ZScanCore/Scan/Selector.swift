/// `--only`, `--skip` and `--fail-on` selectors: rule ids, tags, severities (a severity selects it
/// and everything more severe), `any` and `none`.
public struct Selector: Sendable, Equatable {
    public let items: [String]

    public init(_ items: [String]) { self.items = items }

    /// Parses a comma-separated list (repeated flags are joined before).
    public init(parsing text: String) {
        items = text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
    }

    public static let defaultFailOn = Selector(["error"])

    public func selects(_ rule: RuleSummary) -> Bool {
        for item in items {
            switch item {
            case "any": return true
            case "none": continue
            default:
                if item == rule.id || rule.tags.contains(item) { return true }
                if let severity = Severity(rawValue: item), rule.severity >= severity { return true }
            }
        }
        return false
    }

    /// Whether an item is the rule's id or one of its tags (not a severity, `any` or `none`).
    public func names(_ rule: RuleSummary) -> Bool {
        items.contains { $0 == rule.id || rule.tags.contains($0) }
    }

    /// Items that name no rule, tag or severity, each with a suggestion if one is close.
    public func unknown(among rules: [RuleSummary]) -> [String] {
        let names = Set(rules.map(\.id)).union(rules.flatMap(\.tags)).union(Severity.allCases.map(\.rawValue)).union(["any", "none"])
        return items.filter { !names.contains($0) }.map { "'\($0)'\(Suggestion.hint(for: $0, in: Array(names)))" }
    }
}
