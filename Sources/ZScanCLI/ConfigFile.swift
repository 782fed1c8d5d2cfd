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
///       pidfiles: ["/run/*.pid"],
///       sample: "2s",
///     }
struct ConfigFile {
    static let keys = ["fail_on", "only", "skip", "rules", "lists", "thresholds", "allow", "protect", "pidfiles", "sample"]

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
    var sample: String?

    /// Reads and checks the file; diagnostics come back rendered.
    static func load(path: String, bytes: [UInt8]) throws(CLIError) -> ConfigFile {
        var config = ConfigFile(path: path, bytes: bytes)
        var problems: [RuleDiagnostic] = []
        func problem(_ location: SourceLocation, _ message: String) {
            problems.append(RuleDiagnostic(file: path, location: location, message: message))
        }
        let root: JSON5Node
        do {
            root = try JSON5Parser.parse(bytes)
        } catch {
            throw .failure(RuleDiagnostic(file: path, location: error.location, message: error.message).rendered(source: bytes), plain: true)
        }
        guard case let .object(members) = root.value else {
            throw .failure(RuleDiagnostic(file: path, location: root.location, message: "the config must be an object").rendered(source: bytes), plain: true)
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        func string(_ node: JSON5Node) -> String? { if case let .string(s) = node.value { return s }; return nil }
        func strings(_ node: JSON5Node, _ key: String) -> [String]? {
            guard case let .array(items) = node.value else { problem(node.location, "'\(key)' must be a list of strings"); return nil }
            var out: [String] = []
            for item in items {
                guard let text = string(item) else { problem(item.location, "'\(key)' must be a list of strings"); return nil }
                out.append(text)
            }
            return out
        }
        /// A selector: "a,b" or ["a", "b"].
        func selector(_ node: JSON5Node, _ key: String) -> String? {
            if let text = string(node) { return text }
            return strings(node, key)?.joined(separator: ",")
        }
        for member in members {
            let node = member.value
            switch member.key {
            case "fail_on": config.failOn = selector(node, member.key)
            case "only": config.only = selector(node, member.key)
            case "skip": config.skip = selector(node, member.key)
            case "rules":
                config.rulePaths = (strings(node, "rules") ?? []).map { $0.hasPrefix("/") ? $0 : "\(directory)/\($0)" }
            case "pidfiles": config.pidfiles = strings(node, "pidfiles") ?? []
            case "sample":
                guard let text = string(node) else { problem(node.location, "'sample' must be a duration such as \"2s\""); continue }
                config.sample = text
            case "allow", "protect":
                guard case let .array(items) = node.value, items.allSatisfy({ string($0) != nil }) else {
                    problem(node.location, "'\(member.key)' must be a list of conditions")
                    continue
                }
                if member.key == "allow" { config.allow = items } else { config.protect = items }
            case "lists":
                guard case let .object(lists) = node.value else { problem(node.location, "'lists' must be an object"); continue }
                for list in lists {
                    guard case let .object(change) = list.value.value, change.count == 1, let how = change.first,
                          how.key == "append" || how.key == "replace", let items = strings(how.value, "lists.\(list.key).\(how.key)")
                    else {
                        problem(list.value.location, "write lists.\(list.key) as { append: [...] } or { replace: [...] }")
                        continue
                    }
                    config.edits.append(ScopeEdit(
                        name: list.key, kind: how.key == "append" ? .appendList(items) : .replaceList(items), file: path, location: list.keyLocation))
                }
            case "thresholds":
                guard case let .object(values) = node.value else { problem(node.location, "'thresholds' must be an object"); continue }
                for value in values {
                    let text: String
                    switch value.value.value {
                    case let .integer(i): text = String(i)
                    case let .number(d): text = String(d)
                    case let .string(s): text = s
                    default:
                        problem(value.value.location, "a threshold is a number or a duration/size such as \"30s\" or \"512MB\"")
                        continue
                    }
                    config.edits.append(ScopeEdit(name: value.key, kind: .setMacro(text), file: path, location: value.value.location))
                }
            default:
                problem(member.keyLocation, "unknown key '\(member.key)' in the config\(Suggestion.hint(for: member.key, in: ConfigFile.keys))")
            }
        }
        if !problems.isEmpty {
            throw .failure(problems.map { $0.rendered(source: bytes) }.joined(), plain: true)
        }
        return config
    }
}
