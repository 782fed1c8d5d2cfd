/// Left-aligned text columns separated by two spaces; the last column may be cut or wrapped to fit.
public enum Table {
    public static func render(_ rows: [[String]], lastColumnWidth total: Int?) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        let (widths, prefixWidth) = layout(rows, columns: columns)
        return rows.map { row in
            var line = ""
            for (i, cell) in row.enumerated() {
                if i == columns - 1 {
                    line += total.map { TerminalText.truncate(cell, width: max(8, $0 - prefixWidth)) } ?? cell
                } else {
                    line += cell + String(repeating: " ", count: widths[i] - cell.unicodeScalars.count + 2)
                }
            }
            return line
        }
    }

    /// Like `render`, but at a known `width` a last cell that does not fit is wrapped (whole
    /// words) under itself; when the other columns leave it fewer than `minimum` columns, it goes
    /// on lines of its own under its row, after `below`. Nothing is cut.
    public static func render(_ rows: [[String]], wrappingAt width: Int?, minimum: Int = 24, below: String) -> [String] {
        let lines = render(rows, lastColumnWidth: nil)
        guard let width, let columns = rows.first?.count, columns > 1 else { return lines }
        let prefixWidth = layout(rows, columns: columns).prefixWidth
        var out: [String] = []
        for (line, row) in zip(lines, rows) {
            let scalars = line.unicodeScalars
            if scalars.count <= width {
                out.append(line)
                continue
            }
            let head = String(String.UnicodeScalarView(scalars.prefix(prefixWidth)))
            if width - prefixWidth >= minimum {
                let parts = TerminalText.wrap(row[columns - 1], width: width - prefixWidth)
                out.append(head + parts[0])
                out += parts.dropFirst().map { String(repeating: " ", count: prefixWidth) + $0 }
            } else {
                var trimmed = head
                while trimmed.hasSuffix(" ") { trimmed.removeLast() }
                out.append(trimmed)
                out += TerminalText.wrap(row[columns - 1], width: max(minimum, width - below.count)).map { below + $0 }
            }
        }
        return out
    }

    /// The width of every column but the last, and where the last one starts.
    private static func layout(_ rows: [[String]], columns: Int) -> (widths: [Int], prefixWidth: Int) {
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() where i < columns - 1 {
                widths[i] = max(widths[i], cell.unicodeScalars.count)
            }
        }
        return (widths, widths.dropLast().reduce(0) { $0 + $1 + 2 })
    }
}
