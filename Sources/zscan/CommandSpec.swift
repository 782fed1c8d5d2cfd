/// What a command accepts, and the help text generated from it in swift-argument-parser's shape.
struct OptionSpec: Sendable {
    var long: String
    var short: Character? = nil
    /// Placeholder for the value (`<file>`); nil for a flag.
    var value: String? = nil
    var help: String
    var defaultText: String? = nil
    var repeatable = false
}

struct CommandSpec: Sendable {
    var name: String
    var abstract: String
    var discussion: String? = nil
    var arguments: [(name: String, help: String)] = []
    /// The usage line after `zscan NAME` (the generated one is too long for some commands).
    var usage: String
    var options: [OptionSpec]
    var subcommands: [(name: String, abstract: String)] = []

    static let help = OptionSpec(long: "help", short: "h", help: "Show help information.")

    var commandPath: String { name.isEmpty ? "zscan" : "zscan \(name)" }

    func option(named long: String) -> OptionSpec? { options.first { $0.long == long } }
    func option(short: Character) -> OptionSpec? { options.first { $0.short == short } }

    /// The full help text, ending with a newline.
    var helpText: String {
        var out = CommandSpec.wrap("OVERVIEW: \(abstract)", width: 80, indent: "")
        if let discussion { out += "\n" + CommandSpec.wrap(discussion, width: 80, indent: "") }
        out += "\nUSAGE: \(commandPath)\(usage.isEmpty ? "" : " " + usage)\n"
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n"
            for argument in arguments { out += CommandSpec.row(argument.name, argument.help) }
        }
        out += "\nOPTIONS:\n"
        for option in options {
            var label = option.short.map { "-\($0), " } ?? ""
            label += "--\(option.long)"
            if let value = option.value { label += " \(value)" }
            let text = option.help + (option.defaultText.map { " (default: \($0))" } ?? "")
            out += CommandSpec.row(label, text)
        }
        if !subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            for sub in subcommands { out += CommandSpec.row(sub.name, sub.abstract) }
            out += "\n  See 'zscan help <subcommand>' for detailed help.\n"
        }
        return out
    }

    /// Words of `text` in lines of at most `width` columns.
    static func lines(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = String(word)
            } else {
                current += current.isEmpty ? String(word) : " " + word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// A paragraph wrapped at `width`, each line after the first indented by `indent`.
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        lines(text, width: width).enumerated().map { ($0.offset == 0 ? "" : indent) + $0.element + "\n" }.joined()
    }

    /// `  label   text`, the text starting at column 26 and wrapped at 80 like swift-argument-parser.
    static func row(_ label: String, _ text: String) -> String {
        let indent = String(repeating: " ", count: 26)
        let lines = lines(text, width: 54)
        let head = "  " + label
        var out = head.count <= 24
            ? head + String(repeating: " ", count: 26 - head.count) + (lines.first ?? "") + "\n"
            : head + "\n" + indent + (lines.first ?? "") + "\n"
        for line in lines.dropFirst() { out += indent + line + "\n" }
        return out
    }
}
