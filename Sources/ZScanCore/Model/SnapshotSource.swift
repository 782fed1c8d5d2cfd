/// The seam between Core and an operating system: something that can take a snapshot.
public protocol SnapshotSource: Sendable {
    func collect(what: FieldSet) throws(ScanError) -> Snapshot
}

/// Why zscan could not do its job (exit code 2); a vanished process or a denied field is never one.
public enum ScanError: Error, Equatable, CustomStringConvertible {
    case procUnreadable(path: String, errno: Int32, reason: String)
    case invalidSnapshot(String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .procUnreadable(path, _, reason): "cannot read \(path): \(reason)"
        case let .invalidSnapshot(reason): "invalid snapshot: \(reason)"
        case let .io(path, reason): "\(path): \(reason)"
        }
    }
}
