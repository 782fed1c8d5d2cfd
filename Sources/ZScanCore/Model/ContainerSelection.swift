/// What `--container` names: the host (processes in no container), or one container by its full
/// id. Scans report only its processes, and cleanup may act in its PID namespace (never on its init).
public enum ContainerSelection: Sendable, Equatable {
    case host
    case id(String)

    /// The shortest id prefix `--container` takes: docker's short ids are 12 characters.
    public static let minimumPrefix = 12

    /// Resolves `text` (`host`, or a prefix of at least 12 characters of one container's id)
    /// against the containers `snapshot` saw; the error says what was found instead.
    public static func resolve(_ text: String, in snapshot: Snapshot) -> Result<ContainerSelection, ContainerSelectionError> {
        if text == "host" { return .success(.host) }
        var seen: [String: ContainerInfo] = [:]
        for container in snapshot.processes.compactMap(\.container) + [snapshot.host.container].compactMap({ $0 }) {
            if let id = container.id { seen[id] = container }
        }
        let found = seen.values.sorted { $0.label < $1.label }.map(\.label)
        guard text.count >= minimumPrefix else {
            return .failure(
                ContainerSelectionError("'\(text)' is too short: give at least \(minimumPrefix) characters of a container id, or host", found: found))
        }
        let matching = seen.keys.filter { $0.hasPrefix(text) }.sorted()
        switch matching.count {
        case 1: return .success(.id(matching[0]))
        case 0: return .failure(ContainerSelectionError("no container's id starts with '\(text)'", found: found))
        default:
            return .failure(ContainerSelectionError("'\(text)' starts the ids of \(matching.count) containers: give more of it", found: found))
        }
    }

    /// Whether `process` is in the selection. A process with no container of its own in zscan's
    /// PID namespace is in zscan's container (a private cgroup namespace shows no path that names
    /// it).
    public func contains(_ process: ProcessRecord, host: HostInfo) -> Bool {
        let own = process.container ?? (process.pidNs != nil && process.pidNs == host.pidNamespace ? host.container : nil)
        switch self {
        case .host:
            return own == nil
        case let .id(id):
            return own?.id == id
        }
    }

    /// How reports name it: `host`, or the container's short id.
    public var text: String {
        switch self {
        case .host: return "host"
        case let .id(id): return String(id.prefix(ContainerSelection.minimumPrefix))
        }
    }
}

/// Why `--container` named nothing usable, with the containers the scan saw.
public struct ContainerSelectionError: Error, Sendable, Equatable {
    public var message: String
    /// Labels (`docker 1fce13e5e58e`) of the containers with an id, sorted.
    public var found: [String]

    public init(_ message: String, found: [String]) {
        self.message = message
        self.found = found
    }

    public var description: String {
        "--container: \(message) (" + (found.isEmpty ? "no container with an id was found" : "found: " + found.joined(separator: ", ")) + ")"
    }
}
