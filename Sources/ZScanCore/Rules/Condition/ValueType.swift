/// The types of the condition language.
public indirect enum ValueType: Equatable, Sendable, CustomStringConvertible {
    case int, float, bool, string, duration, bytes, null
    case process, socket, pidfile
    /// `env`: string keys to string values, read as `env.NAME`.
    case map
    case list(ValueType)

    public var description: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "string"
        case .duration: "duration"
        case .bytes: "bytes"
        case .null: "null"
        case .process: "process"
        case .socket: "socket"
        case .pidfile: "pidfile"
        case .map: "map"
        case let .list(element): "list of \(element)"
        }
    }

    var isNumeric: Bool { self == .int || self == .float }

    var subject: Subject? {
        switch self {
        case .process: .process
        case .socket: .socket
        case .pidfile: .pidfile
        default: nil
        }
    }
}

/// What a rule looks at.
public enum Subject: String, Sendable, CaseIterable {
    case process, socket, pidfile

    var type: ValueType {
        switch self {
        case .process: .process
        case .socket: .socket
        case .pidfile: .pidfile
        }
    }
}
