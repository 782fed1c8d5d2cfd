/// Makes untrusted text (process names, command lines) safe for a terminal: every control
/// character, DEL, C1 control, line/paragraph separator, bidirectional override or isolate and
/// the noncharacters U+FFFE/U+FFFF is shown escaped (`\n`, `\e`, `\x9b`, `\u{2028}`, `\u{202e}`),
/// so a process cannot move the cursor, recolour the screen, forge report lines or reorder what
/// is shown (the "Trojan Source" trick, CVE-2021-42574). The other formats build on it: `escape(_:replacing:)` lets a
/// format spell its own special characters (`&amp;`, `%0A`, `\|`) and escapes the rest alike.
public enum TerminalText {
    public static func escape(_ text: String) -> String { escape(text) { _ in nil } }

    /// Escapes `text` scalar by scalar: `replacing` decides first (nil: not special to the format);
    /// whatever it leaves that `escape(_:)` would escape is escaped the same way. The result has
    /// no C0 or C1 control, DEL, U+2028/U+2029 or U+FFFE/U+FFFF, so it is also valid XML 1.0 text.
    public static func escape(_ text: String, replacing: (Unicode.Scalar) -> String?) -> String {
        if !text.unicodeScalars.contains(where: { needsEscape($0) || replacing($0) != nil }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if let replacement = replacing(scalar) {
                out += replacement
                continue
            }
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x1B: out += "\\e"
            case 0..<0x100: out += "\\x" + hex2(scalar.value)
            default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    /// Cuts `text` to at most `width` columns (one per scalar; good enough for command lines),
    /// marking the cut with `…`.
    public static func truncate(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        let scalars = text.unicodeScalars
        if scalars.count <= width { return text }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars.prefix(width - 1))
        out.append("…")
        return String(out)
    }

    /// The words of `text` (split at spaces) in lines of at most `width` columns, counted as in
    /// `truncate`; a word longer than `width` gets a line of its own, uncut.
    public static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        var currentWidth = 0
        for word in text.split(separator: " ") {
            let wordWidth = word.unicodeScalars.count
            if currentWidth > 0 && currentWidth + 1 + wordWidth > width {
                lines.append(current)
                current = ""
                currentWidth = 0
            }
            current += currentWidth > 0 ? " " + word : String(word)
            currentWidth += (currentWidth > 0 ? 1 : 0) + wordWidth
        }
        if currentWidth > 0 || lines.isEmpty { lines.append(current) }
        return lines
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) || v == 0x2028 || v == 0x2029 || v == 0xFFFE || v == 0xFFFF
            || isBidiControl(v)
    }

    /// The bidirectional formatting characters of Unicode's Bidi_Control property: ALM, LRM, RLM,
    /// the embeddings and overrides U+202A...U+202E and the isolates U+2066...U+2069.
    private static func isBidiControl(_ v: UInt32) -> Bool {
        v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    private static func hex2(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(value >> 4)], digits[Int(value & 0xF)]])
    }
}

/// Human durations for tables: `45s`, `12m`, `3h05m`, `2d04h`.
public enum DurationText {
    public static func short(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" + pad2((s % 3600) / 60) + "m" }
        return "\(s / 86400)d" + pad2((s % 86400) / 3600) + "h"
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Sizes for messages: `512 B`, `48 MB`, `1.5 GB` (decimal units, like `ls -h --si`).
public enum ByteText {
    public static func short(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let rounded = value >= 10 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
        return "\(rounded) \(units[unit])"
    }
}
