import ZScanCore

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
    /// Command lines worth copying, each with what it does.
    var examples: [(command: String, does: String)] = []

    static let help = OptionSpec(long: "help", short: "h", help: "Show help information.")

    var commandPath: String { name.isEmpty ? "zscan" : "zscan \(name)" }

    func option(named long: String) -> OptionSpec? { options.first { $0.long == long } }
    func option(short: Character) -> OptionSpec? { options.first { $0.short == short } }

    /// The full help text, ending with a newline.
    var helpText: String {
        var out = CommandSpec.wrap("OVERVIEW: \(abstract)", width: 80, indent: "")
        if let discussion { out += "\n" + CommandSpec.wrap(discussion, width: 80, indent: "") }
        out += "\n" + usageText(prefix: "USAGE: ")
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
        if !examples.isEmpty {
            out += "\nEXAMPLES:\n"
            // Descriptions in a column after the commands when the commands are short enough,
            // otherwise each under its command.
            let column = examples.map { $0.command.count + 4 }.max()!
            for example in examples {
                let head = "  " + example.command
                out +=
                    column <= 40
                    ? head + String(repeating: " ", count: column - head.count)
                        + CommandSpec.wrap(example.does, width: 80 - column, indent: String(repeating: " ", count: column))
                    : head + "\n      " + CommandSpec.wrap(example.does, width: 74, indent: "      ")
            }
        }
        return out
    }

    /// `prefix` and the usage line, wrapped at 80 columns with continuation lines aligned after
    /// the command's name; a bracketed group (`[--rules <path> ...]`) is never split.
    func usageText(prefix: String) -> String {
        let head = prefix + commandPath
        var words: [String] = []
        var depth = 0
        for character in usage {
            if character == " " && depth == 0 {
                if !(words.last?.isEmpty ?? true) { words.append("") }
                continue
            }
            if words.isEmpty { words.append("") }
            if "[<".contains(character) { depth += 1 }
            if "]>".contains(character) { depth = max(0, depth - 1) }
            words[words.count - 1].append(character)
        }
        let indent = String(repeating: " ", count: head.count + 1)
        var lines = [head]
        for word in words where !word.isEmpty {
            let line = lines[lines.count - 1]
            if line.count + 1 + word.count > 80 && line.count > head.count {
                lines.append(indent + word)
            } else {
                lines[lines.count - 1] += " " + word
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A paragraph wrapped at `width`, each line after the first indented by `indent`.
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        TerminalText.wrap(text, width: width).enumerated().map { ($0.offset == 0 ? "" : indent) + $0.element + "\n" }.joined()
    }

    /// `  label   text`, the text starting at column 26 and wrapped at 80 like swift-argument-parser.
    static func row(_ label: String, _ text: String) -> String {
        let indent = String(repeating: " ", count: 26)
        let lines = TerminalText.wrap(text, width: 54)
        let head = "  " + label
        var out =
            head.count <= 24
            ? head + String(repeating: " ", count: 26 - head.count) + (lines.first ?? "") + "\n"
            : head + "\n" + indent + (lines.first ?? "") + "\n"
        for line in lines.dropFirst() { out += indent + line + "\n" }
        return out
    }
}
