/// A duration written as the condition language writes one (`500ms 30s 1.5m 2h 1d`), or a plain
/// number of seconds (`2`, `0.5`): one grammar for rules, thresholds and command-line options.
public enum DurationLiteral {
    /// The seconds `text` spells, or nil when it is anything else (surrounding blanks included).
    public static func seconds(_ text: String) -> Double? {
        guard let tokens = try? ConditionLexer.tokenize(text), tokens.count == 2,
            tokens[0].offset == 0, tokens[0].length == text.unicodeScalars.count
        else { return nil }
        switch tokens[0].kind {
        case let .duration(seconds): return seconds
        case let .integer(value): return Double(value)
        case let .float(value): return value
        default: return nil
        }
    }
}
