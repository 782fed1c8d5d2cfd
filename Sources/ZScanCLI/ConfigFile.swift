import ZScanCore

/// `.zscan.json5` (or `--config FILE`): tuning without editing rules. Every key is optional;
/// errors are reported like rule-file errors, at their line and column.
///
///     {
///       fail_on: "zombie,orphan",            // or a list; also only, skip
///       rules: ["ci/zscan-rules/"],          // extra rule files or directories, relative to this file
///       lists: { dev_servers: { append: ["my-server"] } },   // or { replace: [...] }
///       thresholds: { orphan_min_age: "2m", zombie_parent_min_zombies: 5 },
///       allow: ["cmdline contains 'bazel'"],  // never reported nor touched
///       protect: ["name == 'postgres'"],      // never cleaned up
///       pidfiles: ["/srv/app/*.pid"],        // PID files to check besides pidfile_locations
///       pidfile_locations: ["/run/*.pid"],  // replaces where PID files are looked for ([] for nowhere)
///       sample: "2s",
///       silence: ["unused_macro"],            // warnings not to print, by code
///     }
struct ConfigFile {
    static let keys = [
        "fail_on", "only", "skip", "rules", "lists", "thresholds", "allow", "protect", "pidfiles", "pidfile_locations", "sample", "silence",
    ]

    var path: String
    var bytes: [UInt8]
    var failOn: String?
    var only: String?
    var skip: String?
    var rulePaths: [String] = []
    var edits: [ScopeEdit] = []
    /// Expressions with their nodes, compiled once the rule set's scope is known.
    var allow: [JSON5Node] = []
    var protect: [JSON5Node] = []
    var pidfiles: [String] = []
    /// Replaces `PidFileLocations.defaults` when present.
    var pidfileLocations: [String]?
    var sample: String?
    /// Warnings not to print (rule-file warnings such as `unused_macro`).
    var silence: Set<DiagnosticCode> = []

    /// Reads and checks the file; diagnostics come back rendered, in file order.
    static func load(path: String, bytes: [UInt8]) throws(CLIError) -> ConfigFile {
        let root: JSON5Node
        do {
            root = try JSON5Parser.parse(bytes)
        } catch {
            throw .failure(JSON5Problem(error).diagnostic(file: path).rendered(source: bytes), plain: true)
        }
        var reader = ConfigReader(config: ConfigFile(path: path, bytes: bytes))
        if let top = reader.object(root, "the config", allowed: ConfigFile.keys) {
            for member in top.members { reader.read(member.key, member.value) }
        }
        if !reader.problems.isEmpty {
            throw .failure(reader.rendered(), plain: true)
        }
        return reader.config
    }
}

/// Fills a `ConfigFile` key by key, collecting every problem with its place and code.
private struct ConfigReader {
    var config: ConfigFile
    var problems: [JSON5Problem] = []

    /// Relative rule paths are relative to the config file.
    var directory: String {
        config.path.contains("/") ? String(config.path[..<config.path.lastIndex(of: "/")!]) : "."
    }

    mutating func read(_ key: String, _ node: JSON5Node) {
        switch key {
        case "fail_on": config.failOn = selector(node, key)
        case "only": config.only = selector(node, key)
        case "skip": config.skip = selector(node, key)
        case "rules": config.rulePaths = (strings(node, key) ?? []).map { $0.hasPrefix("/") ? $0 : "\(directory)/\($0)" }
        case "pidfiles": config.pidfiles = strings(node, key) ?? []
        case "pidfile_locations": config.pidfileLocations = strings(node, key) ?? []
        case "sample":
            guard let text = node.stringValue else { return problem(node.location, "'sample' must be a duration such as \"2s\"") }
            config.sample = text
        case "allow", "protect":
            guard let items = node.arrayValue, node.stringsValue != nil else {
                return problem(node.location, "'\(key)' must be a list of conditions")
            }
            if key == "allow" { config.allow = items } else { config.protect = items }
        case "lists": lists(node)
        case "thresholds": thresholds(node)
        case "silence": silence(node)
        default: break  // JSON5Object kept only ConfigFile.keys
        }
    }

    /// `lists: { NAME: { append: [...] } }` or `{ replace: [...] }`.
    mutating func lists(_ node: JSON5Node) {
        guard let lists = object(node, "'lists'") else { return }
        for list in lists.members {
            guard case let .object(change) = list.value.value, change.count == 1, let how = change.first,
                how.key == "append" || how.key == "replace", let items = strings(how.value, "lists.\(list.key).\(how.key)")
            else {
                problem(list.value.location, "write lists.\(list.key) as { append: [...] } or { replace: [...] }")
                continue
            }
            config.edits.append(
                ScopeEdit(
                    name: list.key, kind: how.key == "append" ? .appendList(items) : .replaceList(items), file: config.path,
                    location: list.keyLocation))
        }
    }

    /// `thresholds: { NAME: 5 }` or `{ NAME: "30s" }`: the macro of that name gets the value.
    mutating func thresholds(_ node: JSON5Node) {
        guard let values = object(node, "'thresholds'") else { return }
        for value in values.members {
            let text: String
            switch value.value.value {
            case let .integer(i): text = String(i)
            case let .number(d): text = String(d)
            case let .string(s): text = s
            default:
                problem(value.value.location, "a threshold is a number or a duration/size such as \"30s\" or \"512MB\"")
                continue
            }
            config.edits.append(ScopeEdit(name: value.key, kind: .setMacro(text), file: config.path, location: value.value.location))
        }
    }

    /// `silence: ["unused_macro", …]`: warning codes only; an error cannot be silenced.
    mutating func silence(_ node: JSON5Node) {
        guard let items = node.arrayValue else { return problem(node.location, "'silence' must be a list of warning codes") }
        for item in items {
            guard let name = item.stringValue else {
                problem(item.location, "'silence' must be a list of warning codes")
                continue
            }
            guard let code = DiagnosticCode(rawValue: name) else {
                let warnings = DiagnosticCode.allCases.filter { $0.defaultLevel == .warning }.map(\.rawValue)
                problem(
                    item.location,
                    "unknown diagnostic code '\(name)'\(Suggestion.hint(for: name, in: DiagnosticCode.allCases.map(\.rawValue))) (warnings: \(warnings.joined(separator: ", ")))",
                    .unknownCode)
                continue
            }
            guard code.defaultLevel == .warning else {
                problem(item.location, "'\(name)' is an error; only warnings can be silenced", .cannotSilence)
                continue
            }
            config.silence.insert(code)
        }
    }

    mutating func problem(_ location: SourceLocation, _ message: String, _ code: DiagnosticCode = .wrongType) {
        problems.append(JSON5Problem(code, message, at: location))
    }

    mutating func object(_ node: JSON5Node, _ what: String, allowed: [String]? = nil) -> JSON5Object? {
        do {
            let object = try JSON5Object(node, allowed: allowed, what: what)
            problems += object.problems
            return object
        } catch {
            problems.append(error)
            return nil
        }
    }

    mutating func strings(_ node: JSON5Node, _ key: String) -> [String]? {
        guard let items = node.arrayValue else {
            problem(node.location, "'\(key)' must be a list of strings")
            return nil
        }
        var out: [String] = []
        for item in items {
            guard let text = item.stringValue else {
                problem(item.location, "'\(key)' must be a list of strings")
                return nil
            }
            out.append(text)
        }
        return out
    }

    /// A selector: "a,b" or ["a", "b"].
    mutating func selector(_ node: JSON5Node, _ key: String) -> String? {
        if let text = node.stringValue { return text }
        return strings(node, key)?.joined(separator: ",")
    }

    /// Every problem, in file order: each member's problems follow its key, and sorting by place
    /// keeps that order across members.
    func rendered() -> String {
        let ordered = problems.enumerated().sorted { ($0.element.location, $0.offset) < ($1.element.location, $1.offset) }
        return ordered.map { $0.element.diagnostic(file: config.path).rendered(source: config.bytes) }.joined()
    }
}
