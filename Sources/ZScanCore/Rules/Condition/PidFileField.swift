/// The fields of a PID file (never stored in a snapshot). `ConditionEvaluator.pidfileField` reads
/// each one, and `ExampleBuilder.set(_:_:on:adding:)` sets it from a rule example.
enum PidFileField: String, SubjectField {
    case path, pid, exists, process, alive, reused, age, locked

    var spec: FieldSpec {
        switch self {
        case .path: field(.string)
        case .pid: field(.int)
        case .exists: field(.bool)
        case .process: field(.process)
        case .alive: field(.bool)
        case .reused: field(.bool)
        case .age: field(.duration)
        case .locked: field(.bool)
        }
    }
}
