/// The seam between Core and an operating system: something that can take a snapshot.
///
/// A scan reads in passes (`ScanPipeline`): `survey` reads what every process must show (its `stat`,
/// and its descriptors when socket owners or pipe readers are asked about), the rules decide which
/// processes they could still match, `complete` reads only those processes' other files, and
/// `reread` takes the second CPU reading of sampling candidates and checks zombies again.
/// `collect` reads everything at once (`zscan snapshot`, `zscan ports`, cleanup's rescans).
public protocol SnapshotSource: Sendable {
    /// Every group `fields` names, for every process; each record's `read` is `fields.normalized`.
    func collect(what: FieldSet) throws(ScanError) -> Snapshot
    /// A scan's first pass: every process's `stat`, plus `FieldSet.surveyed` of `fields` (descriptors
    /// and socket tables), linked. Each record's `read` says what was read for it.
    func survey(what: FieldSet) throws(ScanError) -> Snapshot
    /// Reads, for each pid in `plan`, the groups it names that the record has not read yet, for the
    /// process surveyed (a pid that names another process now is not read; a process gone meanwhile
    /// is dropped and counted as vanished), adds them to its `read`, and works out again what
    /// depends on them (user names, provenance).
    func complete(_ snapshot: inout Snapshot, plan: ReadPlan)
    /// Each process's `stat` now, for those still alive with the same identity (a pid that names
    /// another process now is absent, like one that exited).
    func reread(_ identities: [ProcessIdentity]) -> [ProcessIdentity: ProcessSample]
}

/// Which groups to read for which process (by pid), beyond what a survey read.
public typealias ReadPlan = [Int32: FieldSet]

/// A process's `stat` at a later moment: the second reading of a CPU sample, or a zombie checked again.
public struct ProcessSample: Sendable, Equatable {
    /// The kernel's state letter now.
    public var state: String
    /// User + system CPU seconds now.
    public var cpuTime: Double

    public init(state: String, cpuTime: Double) {
        self.state = state
        self.cpuTime = cpuTime
    }
}

/// A source that can only read everything at once (a fixture, a saved snapshot): its survey is a
/// full collection, so a scan over it has nothing left to complete.
extension SnapshotSource {
    public func survey(what fields: FieldSet) throws(ScanError) -> Snapshot { try collect(what: fields) }

    public func complete(_ snapshot: inout Snapshot, plan: ReadPlan) {}

    public func reread(_ identities: [ProcessIdentity]) -> [ProcessIdentity: ProcessSample] {
        guard let now = try? collect(what: []) else { return [:] }
        let wanted = Set(identities)
        var samples: [ProcessIdentity: ProcessSample] = [:]
        for process in now.processes where wanted.contains(process.identity) {
            samples[process.identity] = ProcessSample(state: process.state, cpuTime: process.cpuTime)
        }
        return samples
    }
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
