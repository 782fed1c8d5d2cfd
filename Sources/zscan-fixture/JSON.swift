/// The tiny subset of JSON the fixture prints: one compact object per run.
indirect enum JSON {
    case int(Int)
    case string(String)
    case null
    case array([JSON])
    case object([(String, JSON)])

    /// An int, or null when absent.
    static func optional(_ value: Int?) -> JSON {
        value.map { .int($0) } ?? .null
    }

    /// An array of ints.
    static func ints<S: Sequence>(_ values: S) -> JSON where S.Element: BinaryInteger {
        .array(values.map { .int(Int($0)) })
    }

    /// Compact rendering without spaces or newlines.
    func rendered() -> String {
        switch self {
        case .int(let value): return String(value)
        case .null: return "null"
        case .string(let text): return JSON.quote(text)
        case .array(let items): return "[" + items.map { $0.rendered() }.joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { JSON.quote($0.0) + ":" + $0.1.rendered() }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
