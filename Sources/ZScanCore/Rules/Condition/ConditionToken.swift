/// One token of a condition, with where it stands (Unicode scalar offsets into the text).
struct ConditionToken: Equatable {
    enum Kind: Equatable {
        case identifier(String)
        case string(String)
        case integer(Int64)
        case float(Double)
        /// Seconds.
        case duration(Double)
        case bytes(Int64)
        case keyword(Keyword)
        case symbol(Symbol)
        case end
    }

    enum Keyword: String, CaseIterable {
        case `true`, `false`, null, and, or, not, `in`, matches, contains
        case startsWith = "starts_with"
        case endsWith = "ends_with"
        case anyMatches = "any_matches"
    }

    enum Symbol: String, CaseIterable {
        case or = "||", and = "&&", not = "!", equal = "==", notEqual = "!="
        case lessEqual = "<=", greaterEqual = ">=", less = "<", greater = ">"
        case openParen = "(", closeParen = ")", openBracket = "[", closeBracket = "]"
        case comma = ",", dot = "."
    }

    var kind: Kind
    var offset: Int
    var length: Int
}
