/// Which subject of the context a condition or placeholder is evaluated for.
public enum FindingRef: Sendable, Equatable {
    case process(Int)
    case socket(Int)
    case pidfile(Int)

    var value: ConditionValue {
        switch self {
        case let .process(i): .process(i)
        case let .socket(i): .socket(i)
        case let .pidfile(i): .pidfile(i)
        }
    }
}

/// Everything a condition can reach while it is evaluated: the snapshot and what was gathered
/// beside it (PID files, CPU samples, the baseline, processes `zscan run` tracks).
public struct EvaluationContext: Sendable {
    /// One reference for all of it: an evaluator holds a context per subject, and a dozen separate
    /// references would cost a dozen retains and releases on every evaluation.
    private final class Storage: Sendable {
        let snapshot: Snapshot
        let pidfiles: [PidFileRecord]
        let baseline: Set<ProcessIdentity>?
        let samples: [Int32: (cpu: Double, stateBefore: String)]?
        let trackedPids: Set<Int32>
        let pidIndex: [Int32: Int]
        let socketsByOwner: [Int32: [Int]]
        let partial: PartialReads?

        init(
            snapshot: Snapshot, pidfiles: [PidFileRecord], baseline: Set<ProcessIdentity>?,
            samples: [Int32: (cpu: Double, stateBefore: String)]?, trackedPids: Set<Int32>,
            pidIndex: [Int32: Int], socketsByOwner: [Int32: [Int]], partial: PartialReads?
        ) {
            self.snapshot = snapshot
            self.pidfiles = pidfiles
            self.baseline = baseline
            self.samples = samples
            self.trackedPids = trackedPids
            self.pidIndex = pidIndex
            self.socketsByOwner = socketsByOwner
            self.partial = partial
        }
    }

    private let storage: Storage

    public var snapshot: Snapshot { storage.snapshot }
    public var pidfiles: [PidFileRecord] { storage.pidfiles }
    /// Identities in the `--baseline` snapshot; nil when there is none (`new` is then unknown).
    public var baseline: Set<ProcessIdentity>? { storage.baseline }
    /// Per pid: CPU percent over the sample window and the state at its start; nil when not sampled.
    public var samples: [Int32: (cpu: Double, stateBefore: String)]? { storage.samples }
    /// Pids that descend from a `zscan run` command (adopted by its subreaper).
    public var trackedPids: Set<Int32> { storage.trackedPids }
    /// The environment variable that marks processes started by `zscan run`.
    public static let runCookie = "ZSCAN_RUN_ID"

    var pidIndex: [Int32: Int] { storage.pidIndex }
    /// Socket indices by owner pid, for a process's `sockets`.
    var socketsByOwner: [Int32: [Int]] { storage.socketsByOwner }
    /// Set for a scan's partial evaluations: what is not read yet is pending (`PartialReads`).
    var partial: PartialReads? { storage.partial }

    public init(
        snapshot: Snapshot, pidfiles: [PidFileRecord] = [], baseline: Set<ProcessIdentity>? = nil,
        samples: [Int32: (cpu: Double, stateBefore: String)]? = nil, trackedPids: Set<Int32> = []
    ) {
        self.init(snapshot: snapshot, pidfiles: pidfiles, baseline: baseline, samples: samples, trackedPids: trackedPids, partial: nil)
    }

    init(
        snapshot: Snapshot, pidfiles: [PidFileRecord], baseline: Set<ProcessIdentity>?,
        samples: [Int32: (cpu: Double, stateBefore: String)]?, trackedPids: Set<Int32>, partial: PartialReads?
    ) {
        let index = snapshot.pidIndex
        var owned: [Int32: [Int]] = [:]
        for (i, socket) in snapshot.sockets.enumerated() {
            for owner in socket.owners { owned[owner, default: []].append(i) }
        }
        storage = Storage(
            snapshot: snapshot, pidfiles: pidfiles, baseline: baseline, samples: samples, trackedPids: trackedPids,
            pidIndex: index, socketsByOwner: owned, partial: partial)
    }

    /// Whether the condition holds for the process at `index` of the snapshot. Only a definite
    /// true matches: a condition that depends on a value zscan could not see is not a match.
    public func matches(_ condition: CompiledCondition, process index: Int) -> Bool {
        precondition(condition.subject == .process)
        return ConditionEvaluator(context: self, subject: .process(index)).truth(condition.root) == .yes
    }

    public func matches(_ condition: CompiledCondition, _ subject: FindingRef) -> Bool {
        truth(condition, subject) == .yes
    }

    /// The outcomes still possible for one subject (one, unless `partial` left a field pending).
    func truth(_ condition: CompiledCondition, _ subject: FindingRef) -> Truth {
        ConditionEvaluator(context: self, subject: subject.value).truth(condition.root)
    }

    /// The text a placeholder shows for one subject: numbers plainly, durations like `2m`, sizes
    /// like `48 MB`, lists comma-separated, processes as `name (pid)`, unknown as `?`.
    public func text(of value: CompiledValue, for subject: FindingRef) -> String {
        ConditionEvaluator(context: self, subject: subject.value).text(value.expression)
    }

    /// A placeholder's value for what it demands in a partial pass (`PartialReads`), not its text.
    func noteDemands(of value: CompiledValue, for subject: FindingRef) {
        _ = ConditionEvaluator(context: self, subject: subject.value).value(value.expression)
    }

    public func matches(_ condition: CompiledCondition, socket index: Int) -> Bool {
        precondition(condition.subject == .socket)
        return ConditionEvaluator(context: self, subject: .socket(index)).truth(condition.root) == .yes
    }

    public func matches(_ condition: CompiledCondition, pidfile index: Int) -> Bool {
        precondition(condition.subject == .pidfile)
        return ConditionEvaluator(context: self, subject: .pidfile(index)).truth(condition.root) == .yes
    }
}
