/// Renders a diagnostic the way compilers do (`file:line:col: error: message`, the source line,
/// a caret), so every component that reports into a JSON5 file points at the spot the same way.
public enum SourceDiagnostic {
    /// Lines longer than this many scalars are shown as a window around the column.
    static let maxShownWidth = 160

    /// Renders `file:line:col: severity: message [code]` (clang's place for a warning's flag), the
    /// source line indented by 4 spaces (tabs shown as single spaces and control, format and
    /// bidirectional characters as `?`, so the caret lines up and the line cannot drive the
    /// terminal), and a caret under the column,
    /// one column per scalar. Invalid UTF-8 is shown with U+FFFD. The result ends with "\n".
    public static func render(
        file: String, source: [UInt8], location: SourceLocation,
        severity: String = "error", message: String, code: String? = nil
    ) -> String {
        var out = "\(visible(file)):\(location.line):\(location.column): \(visible(severity)): \(visible(message))"
        if let code { out += " [\(visible(code))]" }
        out += "\n"
        var shown = String(decoding: lineBytes(location, of: source), as: UTF8.self).unicodeScalars.map(display)
        // Column of the caret, at most just past the end of the line.
        var caret = min(max(location.column, 1), shown.count + 1) - 1
        if shown.count > maxShownWidth {
            var from = max(0, caret - maxShownWidth / 2)
            let to = min(shown.count, from + maxShownWidth)
            from = max(0, to - maxShownWidth)
            let head: [Unicode.Scalar] = from > 0 ? ["…"] : []
            let tail: [Unicode.Scalar] = to < shown.count ? ["…"] : []
            caret = caret - from + head.count
            shown = head + shown[from..<to] + tail
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: shown)
        out += "    " + String(text) + "\n"
        out += String(repeating: " ", count: 4 + caret) + "^\n"
        return out
    }

    /// The bytes of the line holding `location` without its line break, found from its byte
    /// offset (a file with thousands of errors renders each in the time of its own line).
    static func lineBytes(_ location: SourceLocation, of source: [UInt8]) -> ArraySlice<UInt8> {
        let bom = source.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        // An offset that cannot be on the line (none recorded, or past the end) falls back to counting lines.
        guard location.offset >= bom, location.offset <= source.count, location.offset > 0 || location.line <= 1 else {
            return lineBytes(location.line, of: source)
        }
        func isBreak(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }
        var start = location.offset
        // Pointing at the LF of a CRLF: the line is the one the CR ends.
        if start < source.count, source[start] == 0x0A, start > bom, source[start - 1] == 0x0D { start -= 1 }
        var end = start
        while start > bom && !isBreak(source[start - 1]) { start -= 1 }
        while end < source.count && !isBreak(source[end]) { end += 1 }
        return source[start..<end]
    }

    /// The bytes of 1-based line `number` without its line break (LF, CR or CRLF, as the parser
    /// counts them); a UTF-8 byte order mark at the start of the file is left out.
    static func lineBytes(_ number: Int, of source: [UInt8]) -> ArraySlice<UInt8> {
        var start = source.count >= 3 && source[0] == 0xEF && source[1] == 0xBB && source[2] == 0xBF ? 3 : 0
        var line = 1
        var i = start
        while i < source.count {
            let byte = source[i]
            if byte == 0x0A || byte == 0x0D {
                if line == max(number, 1) { return source[start..<i] }
                if byte == 0x0D, i + 1 < source.count, source[i + 1] == 0x0A { i += 1 }
                line += 1
                start = i + 1
            }
            i += 1
        }
        return line == max(number, 1) ? source[start..<source.count] : []
    }

    private static func display(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar == "\t" { return " " }
        return needsReplacing(scalar) ? "?" : scalar
    }

    /// Controls (C0, DEL, C1), line/paragraph separators, zero-width and bidirectional formatting
    /// characters, and BOM: invisible or terminal-driving, so shown as `?`.
    private static func needsReplacing(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    private static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsReplacing) else { return text }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: text.unicodeScalars.map { needsReplacing($0) ? "?" : $0 })
        return String(out)
    }
}
