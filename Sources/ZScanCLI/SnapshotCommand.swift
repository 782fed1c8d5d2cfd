import ZScanCore
import ZScanLinux

/// `zscan snapshot`: the process and socket tables as versioned JSON.
enum SnapshotCommand {
    static let spec = CommandSpec(
        name: "snapshot",
        abstract: "Write the process and socket snapshot as JSON.",
        discussion:
            "The snapshot is what --baseline and --from read. Environment variables are left out unless --fields names env or all: they often hold secrets.",
        usage: "[--output <file>] [--pretty] [--fields <list>] [--proc-root <dir>]",
        options: [
            OptionSpec(long: "output", short: "o", value: "<file>", help: "Write to <file> (atomically) instead of standard output."),
            OptionSpec(long: "pretty", help: "Indent the JSON."),
            OptionSpec(
                long: "fields", value: "<list>",
                help:
                    "Field groups to read, comma-separated: status, cmdline, exe, cwd, cgroup, fds, sockets, listeners, env, provenance, namespace, standard, all.",
                defaultText: "standard"),
            ProcRoot.option,
            CommandSpec.help,
        ],
        examples: [
            ("zscan snapshot -o before.json", "Record what runs now (at the start of a CI job)."),
            ("zscan --baseline before.json --only leak", "Later: what was started since and still runs."),
            ("zscan --from before.json", "Run the rules on the saved snapshot instead of this machine."),
        ])

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> Int32 {
        if let extra = arguments.positionals.first {
            throw .usage(UsageError(message: "Unexpected argument '\(extra)'", command: spec))
        }
        let fields = try parseFields(arguments.value("fields") ?? "standard")
        let source = LinuxSnapshotSource(procRoot: arguments.value("proc-root") ?? "/proc", ownEnvironment: environment)
        let snapshot: Snapshot
        do {
            snapshot = try source.collect(what: fields)
        } catch {
            throw .failure(error.description)
        }
        let pretty = arguments.has("pretty")
        if let path = arguments.value("output"), path != "-" {
            try Output.writeFile(path) { write in snapshot.writeJSON(pretty: pretty, write) }
        } else {
            snapshot.writeJSON(pretty: pretty) { Output.write($0) }
        }
        return 0
    }

    static func parseFields(_ list: String) throws(CLIError) -> FieldSet {
        var fields: FieldSet = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) {
            guard let entry = FieldSet.named.first(where: { $0.name == name }) else {
                let known = FieldSet.named.map(\.name).joined(separator: ", ")
                throw .usage(UsageError(message: "Unknown field group '\(name)' (known: \(known))", command: spec))
            }
            fields.formUnion(entry.set)
        }
        return fields
    }
}

/// `--proc-root`: read a procfs tree other than `/proc` (fixture trees in tests, a host's /proc
/// mounted elsewhere).
enum ProcRoot {
    static let option = OptionSpec(
        long: "proc-root", value: "<dir>", help: "Read processes from <dir> instead of /proc.", defaultText: "/proc")
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var text = self
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
