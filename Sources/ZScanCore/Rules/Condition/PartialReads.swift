/// A partial evaluation, as a scan's passes run it (`ScanPipeline`): a process field whose file
/// group a full read would have but that process has not read yet is pending, not null, and the
/// evaluator notes the group and the process it needed (a demand) so the next pass reads it. While
/// sampling candidates are chosen (`window` set), `cpu` and `state` are pending as well (they are
/// the second reading's), `state_before` is the survey's state and `age` is what it will be at the
/// second reading.
///
/// Demands made inside a part of a condition that turned out decided anyway (`false && …`) are
/// forgotten, so a process is read only for what could change an outcome.
final class PartialReads: @unchecked Sendable {  // one evaluation at a time uses it (a pass is sequential)
    /// One process's groups needed, or its second `stat` reading (`sample`).
    struct Demand {
        var pid: Int32
        var groups: FieldSet
        var sample: Bool
    }

    /// The per-process groups a full read (`collect(what: needs.fields)`) would have.
    let wanted: FieldSet
    /// Set while sampling candidates are chosen: the sample window in seconds.
    let window: Double?
    private(set) var demands: [Demand] = []

    init(wanted: FieldSet, window: Double? = nil) {
        self.wanted = wanted.normalized.intersection(.perProcess)
        self.window = window
    }

    var mark: Int { demands.count }

    func forget(since mark: Int) {
        if demands.count > mark { demands.removeSubrange(mark...) }
    }

    /// Whether `record` lacks one of `groups` that a full read would have; notes the demand if so.
    func lacks(_ groups: FieldSet, of record: borrowing ProcessRecord) -> Bool {
        let missing = groups.intersection(wanted).subtracting(record.read)
        if missing.isEmpty { return false }
        demands.append(Demand(pid: record.pid, groups: missing, sample: false))
        return true
    }

    /// Notes that a process's sampled fields were needed.
    func sample(_ pid: Int32) {
        demands.append(Demand(pid: pid, groups: [], sample: true))
    }

    /// The groups demanded, by pid.
    var plan: ReadPlan {
        var plan: ReadPlan = [:]
        for demand in demands where !demand.sample { plan[demand.pid, default: []].formUnion(demand.groups) }
        return plan
    }

    /// The pids whose sampled fields were demanded.
    var sampled: Set<Int32> {
        Set(demands.lazy.filter(\.sample).map(\.pid))
    }
}

extension ProcessField {
    /// The per-process groups its value rests on. `tracked` reads no environment itself, but one read
    /// for another field shows the `zscan run` cookie, so it waits for that read like `env` does.
    var reads: FieldSet { self == .tracked ? .env : spec.needs.intersection(.perProcess) }
}
