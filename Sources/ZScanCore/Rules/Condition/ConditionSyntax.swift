/// A parsed condition, before names are resolved and types checked. Every node knows the
/// scalar range of the text it came from, for errors.
struct ConditionSyntax: Equatable {
    indirect enum Kind: Equatable {
        case null
        case bool(Bool)
        case integer(Int64)
        case float(Double)
        case string(String)
        case duration(Double)
        case bytes(Int64)
        case list([ConditionSyntax])
        /// `name`, `parent.name`, `env.CI`: segments with their offsets.
        case path([(name: String, offset: Int)])
        case call(name: String, arguments: [ConditionSyntax])
        case not(ConditionSyntax)
        case and(ConditionSyntax, ConditionSyntax)
        case or(ConditionSyntax, ConditionSyntax)
        case compare(BinaryOperator, ConditionSyntax, ConditionSyntax)

        static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case (.null, .null): true
            case let (.bool(x), .bool(y)): x == y
            case let (.integer(x), .integer(y)): x == y
            case let (.float(x), .float(y)): x == y
            case let (.string(x), .string(y)): x == y
            case let (.duration(x), .duration(y)): x == y
            case let (.bytes(x), .bytes(y)): x == y
            case let (.list(x), .list(y)): x == y
            case let (.path(x), .path(y)): x.map(\.name) == y.map(\.name) && x.map(\.offset) == y.map(\.offset)
            case let (.call(n, x), .call(m, y)): n == m && x == y
            case let (.not(x), .not(y)): x == y
            case let (.and(x1, x2), .and(y1, y2)), let (.or(x1, x2), .or(y1, y2)): x1 == y1 && x2 == y2
            case let (.compare(o, x1, x2), .compare(p, y1, y2)): o == p && x1 == y1 && x2 == y2
            default: false
            }
        }
    }

    enum BinaryOperator: String, Equatable, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case `in` = "in", notIn = "not in", matches, contains
        case startsWith = "starts_with", endsWith = "ends_with", anyMatches = "any_matches"
    }

    var kind: Kind
    /// Start (Unicode scalar offset) and length of the text this node came from.
    var offset: Int
    var length: Int
    /// For a comparison: where its operator stands.
    var operatorOffset: Int = 0
    var operatorLength: Int = 0
    /// Nodes on the longest path down from this one (a leaf is 1). Checking, compiling and
    /// evaluating walk the tree recursively, so the parser bounds it.
    var height = 1
}
