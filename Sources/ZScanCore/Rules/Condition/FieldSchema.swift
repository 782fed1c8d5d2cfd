/// What a condition may say about one field: its type, what the snapshot must read for it (so a
/// rule set that never mentions ports reads no descriptors), and where it is kept in snapshot JSON.
public struct FieldSpec: Sendable {
    public var name: String
    public var type: ValueType
    public var needs: FieldSet
    /// Needs two reads a `--sample` apart (`cpu`, `state_before`).
    public var sampled: Bool
    /// Needs a `--baseline` snapshot (`new`).
    public var baseline: Bool
    /// The snapshot JSON key that stores the field; nil for fields worked out when rules run
    /// (samples, relations, the baseline) and for PID files, which snapshots do not hold.
    public var jsonKey: String?
}

/// A subject's fields, one case per field named by its raw value. Each case's `spec` comes from one
/// exhaustive switch, so a new field without a type, a JSON key decision, an example setter or an
/// evaluator reader does not compile.
protocol SubjectField: RawRepresentable<String>, CaseIterable, Sendable {
    var spec: FieldSpec { get }
}

extension SubjectField {
    func field(_ type: ValueType, _ needs: FieldSet = [], sampled: Bool = false, baseline: Bool = false, json key: (any CodingKey)? = nil) -> FieldSpec {
        FieldSpec(name: rawValue, type: type, needs: needs, sampled: sampled, baseline: baseline, jsonKey: key?.stringValue)
    }
}

public enum FieldSchema {
    public static let process = ProcessField.allCases.map(\.spec)
    public static let socket = SocketField.allCases.map(\.spec)
    public static let pidfile = PidFileField.allCases.map(\.spec)

    public static func fields(of subject: Subject) -> [FieldSpec] {
        switch subject {
        case .process: process
        case .socket: socket
        case .pidfile: pidfile
        }
    }

    /// What reading a subject at all requires.
    static func needs(_ subject: Subject) -> FieldSet {
        subject == .socket ? [.fds, .sockets] : []
    }
}

/// Fields resolved when rules load, so evaluation switches on an enum, never on a name.
enum FieldID: Sendable, Equatable {
    case process(ProcessField)
    case socket(SocketField)
    case pidfile(PidFileField)

    /// The subject's field of that name, or nil when it has none.
    init?(subject: Subject, name: String) {
        switch subject {
        case .process: guard let field = ProcessField(rawValue: name) else { return nil }; self = .process(field)
        case .socket: guard let field = SocketField(rawValue: name) else { return nil }; self = .socket(field)
        case .pidfile: guard let field = PidFileField(rawValue: name) else { return nil }; self = .pidfile(field)
        }
    }

    /// The per-process groups the field rests on (none for sockets and PID files, read whole).
    var reads: FieldSet {
        if case let .process(field) = self { return field.reads }
        return []
    }

    var spec: FieldSpec {
        switch self {
        case let .process(field): field.spec
        case let .socket(field): field.spec
        case let .pidfile(field): field.spec
        }
    }
}
