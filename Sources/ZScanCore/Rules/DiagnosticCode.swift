/// A stable name for each kind of problem in a rule file, the config or an example, printed at the
/// end of the message (`[unknown_field]`) so tests, scripts and `silence` in `.zscan.json5` can
/// name it. rules/README.md lists them all (a test keeps that list and this enum in step).
public enum DiagnosticCode: String, Sendable, CaseIterable {
    case json5Syntax = "json5_syntax"
    case fileTooLarge = "file_too_large"
    case duplicateKey = "duplicate_key"
    case unknownKey = "unknown_key"
    case missingKey = "missing_key"
    case wrongType = "wrong_type"
    case invalidValue = "invalid_value"
    case unsupportedVersion = "unsupported_version"
    case invalidName = "invalid_name"
    case duplicateDefinition = "duplicate_definition"
    case duplicateRuleID = "duplicate_rule_id"
    case unknownField = "unknown_field"
    case invalidCondition = "invalid_condition"
    case invalidRegex = "invalid_regex"
    case conditionTooComplex = "condition_too_complex"
    case invalidMessage = "invalid_message"
    case unknownList = "unknown_list"
    case unknownThreshold = "unknown_threshold"
    case invalidExample = "invalid_example"
    case exampleMismatch = "example_mismatch"
    case unknownCode = "unknown_code"
    case cannotSilence = "cannot_silence"
    case unusedMacro = "unused_macro"
    case unusedList = "unused_list"
    case missingExamples = "missing_examples"

    /// Errors stop the load; warnings are printed and can be silenced in the config.
    public var defaultLevel: RuleDiagnostic.Level {
        switch self {
        case .unusedMacro, .unusedList, .missingExamples: return .warning
        default: return .error
        }
    }

    /// One line on what the code means, as rules/README.md lists it.
    public var summary: String {
        switch self {
        case .json5Syntax: return "the file is not valid JSON5 (or nests deeper than \(JSON5Parser.defaultMaxDepth) levels)"
        case .fileTooLarge: return "the file is larger than the JSON5 reader takes (\(JSON5Parser.defaultMaxBytes >> 20) MiB)"
        case .duplicateKey: return "an object names the same key twice (rule files, the config and examples alike)"
        case .unknownKey: return "a key that a rule file, a rule, `examples` or the config does not have"
        case .missingKey: return "a required key is missing: `format_version`, or a rule's `id`, `title`, `severity`, `when` or `message`"
        case .wrongType: return "a value of the wrong type: a number where a string is needed, an object where a list is"
        case .invalidValue: return "a value outside its set: a severity, subject or action zscan does not know, or an action that does not apply to the subject"
        case .unsupportedVersion: return "`format_version` is not 1"
        case .invalidName: return "a list, macro or rule id that is not snake_case"
        case .duplicateDefinition: return "a list or macro defined twice in one file"
        case .duplicateRuleID: return "two rules with one id (a user rule with a built-in id replaces it instead)"
        case .unknownField: return "a condition, message or example names a field its subject does not have (nor a list or macro)"
        case .invalidCondition: return "a condition that does not parse or type-check (`age > 30`, `name = 'x'`, a macro naming itself)"
        case .invalidRegex: return "a regular expression (`matches`, `any_matches`, a pattern list) that is invalid or not linear-time"
        case .conditionTooComplex: return "a condition too large, too deep or too long, once its macros are expanded"
        case .invalidMessage: return "a message or hint template that is invalid (an unclosed `{`)"
        case .unknownList: return "the config edits a list that no rule file defines"
        case .unknownThreshold: return "the config sets a threshold (macro) that no rule file defines"
        case .invalidExample: return "an example that cannot be built: a field that cannot be set, a duration or size that does not read"
        case .exampleMismatch: return "an example in `match` that does not match, or one in `no_match` that does"
        case .unknownCode: return "`silence` in the config names no diagnostic code"
        case .cannotSilence: return "`silence` in the config names an error: only warnings can be silenced"
        case .unusedMacro: return "a macro a user rule file defines and no condition uses"
        case .unusedList: return "a list a user rule file defines and no condition uses"
        case .missingExamples: return "a rule without `examples`, so nothing tests it"
        }
    }
}
