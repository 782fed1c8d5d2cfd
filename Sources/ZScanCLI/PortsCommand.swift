import Glibc
import ZScanCore
import ZScanLinux

/// `zscan ports [PORT...]`: who holds these listening ports.
enum PortsCommand {
    static let spec = CommandSpec(
        name: "ports",
        abstract: "Show who holds listening ports.",
        discussion:
            "With no <port>, lists every listening TCP port and bound UDP port. Exits 1 when a named port is held and 0 when every named port is free, so 'zscan ports 8001 || ...' works in scripts.",
        arguments: [("<port>", "Ports to look up (1-65535).")],
        usage: "[<port> ...] [--format <format>] [--tcp] [--udp] [--proc-root <dir>]",
        options: [
            OptionSpec(long: "format", value: "<format>", help: "Output format: text or json.", defaultText: "text"),
            OptionSpec(long: "tcp", help: "Only TCP sockets."),
            OptionSpec(long: "udp", help: "Only UDP sockets."),
            ProcRoot.option,
            CommandSpec.help,
        ],
        examples: [
            ("zscan ports", "Every listening port and every process holding it."),
            ("zscan ports 8001 || echo free", "Who holds port 8001; exit 0 when nobody does."),
            ("zscan --dry-run --port 8001", "What cleanup would end to free it (if its holder is stopped or orphaned)."),
        ])

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> Int32 {
        var ports: [Int] = []
        for text in arguments.positionals {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw .usage(UsageError(message: "Invalid port '\(text)' (expected 1-65535)", command: spec))
            }
            if !ports.contains(port) { ports.append(port) }
        }
        let format = arguments.value("format") ?? "text"
        guard format == "text" || format == "json" else {
            throw .usage(UsageError(message: "Unknown format '\(format)' (expected text or json)", command: spec))
        }
        var protocols = Set(SocketRecord.Proto.allCases)
        if arguments.has("tcp") != arguments.has("udp") {
            protocols = arguments.has("tcp") ? [.tcp, .tcp6] : [.udp, .udp6]
        }
        let source = LinuxSnapshotSource(procRoot: arguments.value("proc-root") ?? "/proc", onlySocketHolders: true)
        let snapshot: Snapshot
        do {
            snapshot = try source.collect(what: [.status, .cmdline, .fds, .listeners])
        } catch {
            throw .failure(error.description)
        }
        let report = PortsReport(snapshot: snapshot, requested: ports, protocols: protocols)
        if format == "json" {
            Output.write(report.json(pretty: false))
        } else {
            Output.out(report.text(width: Output.terminalWidth(environment: environment)))
        }
        return report.exitCode
    }
}
