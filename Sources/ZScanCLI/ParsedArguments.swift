/// A usage error: exit 2 with `Error:`, the command's usage line and where to find help.
struct UsageError: Error, Sendable {
    var message: String
    var command: CommandSpec

    var text: String {
        "Error: \(message)\n" + command.usageText(prefix: "Usage: ")
            + "  See '\(command.commandPath) --help' for more information.\n"
    }
}

/// The options and positional arguments given to one command, checked against its spec.
struct ParsedArguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    var wantsHelp: Bool { flags.contains("help") }

    init(_ arguments: [String], spec: CommandSpec) throws(UsageError) {
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if onlyPositionals || argument == "-" || !argument.hasPrefix("-") {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            var inlineValue: String? = nil
            let option: OptionSpec
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard let found = spec.option(named: name) else {
                    throw UsageError(message: "Unknown option '--\(name)'", command: spec)
                }
                option = found
            } else {
                let letters = Array(argument.dropFirst())
                guard letters.count >= 1, let found = spec.option(short: letters[0]) else {
                    throw UsageError(message: "Unknown option '\(argument)'", command: spec)
                }
                option = found
                if letters.count > 1 {
                    guard found.value != nil else {
                        throw UsageError(message: "Unknown option '\(argument)'", command: spec)
                    }
                    inlineValue = String(letters.dropFirst())
                }
            }
            let display = "--\(option.long)"
            guard option.value != nil else {
                if inlineValue != nil { throw UsageError(message: "Option '\(display)' takes no value", command: spec) }
                flags.insert(option.long)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard i < arguments.count, !(arguments[i].hasPrefix("-") && arguments[i].count > 1) else {
                    throw UsageError(message: "Missing value for '\(display) \(option.value!)'", command: spec)
                }
                value = arguments[i]
                i += 1
            }
            if values[option.long] != nil && !option.repeatable {
                throw UsageError(message: "Option '\(display)' given more than once", command: spec)
            }
            values[option.long, default: []].append(value)
        }
    }

    func value(_ long: String) -> String? { values[long]?.last }
    /// Every value of a repeatable option, in order.
    func all(_ long: String) -> [String] { values[long] ?? [] }
    func has(_ long: String) -> Bool { flags.contains(long) }
}
