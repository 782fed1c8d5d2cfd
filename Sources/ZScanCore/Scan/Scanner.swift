/// Applies rules to an evaluation context and produces findings: the heart of `zscan`.
public struct Scanner: Sendable {
    /// The rules that run: enabled, selected by `only` (when given) and not by `skip`.
    public static func select(_ rules: [Rule], only: Selector?, skip: Selector?) -> [Rule] {
        rules.filter { rule in
            rule.enabled && (only.map { $0.selects(rule.summary) } ?? true) && !(skip?.selects(rule.summary) ?? false)
        }
    }

    public var rules: [Rule]
    /// Narrowing: findings are kept only when a process they concern matches every filter given.
    public var pattern: LinearRegex?
    /// `zscan run`: only findings about these processes (what the command left behind).
    public var onlyPids: Set<Int32>?
    /// Fields read whatever the rules need (cleanup's guards need owners and command lines).
    public var alsoRead: FieldSet = []
    public var ports: [Int]
    public var whereCondition: CompiledCondition?
    /// `--container`: only findings about processes in this container (or on the host).
    public var container: ContainerSelection?
    /// Config `allow`: a subject whose processes match one of these is never reported.
    public var allow: [CompiledCondition]
    /// When set, only processes of this uid are reported (a non-root scan without --all-users).
    public var onlyUID: UInt32?

    public init(
        rules: [Rule], pattern: LinearRegex? = nil, ports: [Int] = [], whereCondition: CompiledCondition? = nil,
        allow: [CompiledCondition] = [], onlyUID: UInt32? = nil
    ) {
        self.rules = rules
        self.pattern = pattern
        self.ports = ports
        self.whereCondition = whereCondition
        self.allow = allow
        self.onlyUID = onlyUID
    }

    /// What the snapshot must read for these rules and filters.
    public var needs: (fields: FieldSet, sampling: Bool, baseline: Bool) {
        var (fields, sampling, baseline) = RuleSet.needs(of: rules)
        for condition in allow + [whereCondition].compactMap({ $0 }) {
            fields.formUnion(condition.needs)
            sampling = sampling || condition.needsSampling
        }
        if pattern != nil { fields.insert(.cmdline) }
        if container != nil { fields.formUnion([.cgroup, .namespace]) }
        if onlyUID != nil { fields.insert(.status) }
        fields.formUnion(alsoRead)
        if !ports.isEmpty { fields.formUnion([.fds, .listeners]) }
        return (fields, sampling, baseline)
    }

    /// One rule (its index in `rules`) on one subject: what a partial pass decides or leaves open.
    struct RuleSubject {
        var rule: Int
        var subject: FindingRef
    }

    /// The findings, and in a partial evaluation (`EvaluationContext.partial`) also what is still
    /// to be read to decide them: the same walk notes a demand wherever a pending field could change
    /// whether a subject is a finding or what its message says.
    public func findings(in context: EvaluationContext) -> [Finding] {
        var findings: [Finding] = []
        walk(rules, context) { rule, subject, related in findings.append(finding(rule, subject, related, context)) }
        return findings
    }

    /// A partial pass over the pairs `only` names (every rule and subject when nil): the pids of the
    /// processes the findings it decided concern, the pairs it left undecided (a demand was noted
    /// while deciding them or their message and hint), which are all the next pass, after those
    /// reads, must evaluate again, and the pids of those among them found so far. A pair decided
    /// without a demand rests only on fields already read, so reading others' fields cannot change
    /// it. Messages are evaluated for their demands, not written (`zombie_parent` lists children).
    func partialFindings(
        in context: EvaluationContext, only: [RuleSubject]?
    ) -> (decided: [Int32], found: [RuleSubject], undecided: [RuleSubject], open: [Int32]) {
        var decided: [Int32] = []
        var foundPairs: [RuleSubject] = []
        var undecided: [RuleSubject] = []
        var open: [Int32] = []
        let partial = context.partial
        func visit(_ rule: Rule, _ pair: RuleSubject) {
            let mark = partial?.mark ?? 0
            var found: [Int]?
            walkOne(rule, pair.subject, context) { rule, subject, related in
                rule.message.noteDemands(context, subject)
                rule.hint?.noteDemands(context, subject)
                found = related
            }
            let pids = (found ?? []).map { context.snapshot.processes[$0].pid }
            if let partial, partial.mark > mark {
                undecided.append(pair)
                open += pids
            } else if found != nil {
                decided += pids
                foundPairs.append(pair)
            }
        }
        // One rule at a time: a `Rule` is large, and copying it per subject cost more than deciding.
        for (r, rule) in rules.enumerated() {
            if let only {
                for pair in only where pair.rule == r { visit(rule, pair) }
            } else {
                for subject in subjects(of: rule, context) { visit(rule, RuleSubject(rule: r, subject: subject)) }
            }
        }
        return (decided, foundPairs, undecided, open)
    }

    /// The findings among the pairs `only` names, in the order a whole walk gives them: the final
    /// evaluation after partial passes, which decided every other pair without a demand.
    func findings(in context: EvaluationContext, only: [RuleSubject]) -> [Finding] {
        func position(_ subject: FindingRef) -> Int {
            switch subject {
            case let .process(i), let .socket(i), let .pidfile(i): i
            }
        }
        let ordered = only.sorted { ($0.rule, position($0.subject)) < ($1.rule, position($1.subject)) }
        var findings: [Finding] = []
        var next = ordered.startIndex
        for (r, rule) in rules.enumerated() {
            while next < ordered.endIndex && ordered[next].rule == r {
                walkOne(rule, ordered[next].subject, context) { rule, subject, related in findings.append(finding(rule, subject, related, context)) }
                next += 1
            }
        }
        return findings
    }

    private func finding(_ rule: Rule, _ subject: FindingRef, _ related: [Int], _ context: EvaluationContext) -> Finding {
        // A rule about where processes came from says why; others have nothing to add.
        let evidence = rule.condition.needs.contains(.provenance) ? Scanner.evidence(of: related, context) : []
        return Finding(
            rule: rule.summary, message: rule.message.render(context, subject),
            hint: rule.hint?.render(context, subject), subject: record(subject, context), evidence: evidence)
    }

    /// Calls `found` for every subject that `rules` report (the rule matches and `keeps` holds);
    /// in a partial evaluation, keeps the demands of those that may yet be reported.
    func walk(_ rules: [Rule], _ context: EvaluationContext, _ found: (Rule, FindingRef, _ related: [Int]) -> Void) {
        for rule in rules {
            for subject in subjects(of: rule, context) { walkOne(rule, subject, context, found) }
        }
    }

    /// The subjects a rule is evaluated on: every process but zscan, every socket, every PID file.
    private func subjects(of rule: Rule, _ context: EvaluationContext) -> [FindingRef] {
        let snapshot = context.snapshot
        let ownPid = snapshot.host.collectorPid
        switch rule.condition.subject {
        case .process: return snapshot.processes.indices.filter { snapshot.processes[$0].pid != ownPid }.map { .process($0) }
        case .socket: return snapshot.sockets.indices.map { .socket($0) }
        case .pidfile: return context.pidfiles.indices.map { .pidfile($0) }
        }
    }

    /// One rule on one subject: `found` when it is reported; in a partial evaluation the demands
    /// are kept only while it may yet be.
    private func walkOne(_ rule: Rule, _ subject: FindingRef, _ context: EvaluationContext, _ found: (Rule, FindingRef, _ related: [Int]) -> Void) {
        let partial = context.partial
        let mark = partial?.mark ?? 0
        var outcome = context.truth(rule.condition, subject)
        let related = outcome.contains(.yes) ? processes(of: subject, context) : []
        if outcome == .yes { outcome = keeps(subject, related, context) }
        if outcome == .yes {
            found(rule, subject, related)
        } else if !outcome.contains(.yes) {
            // Never a finding, whatever is read: nothing it asked for is needed.
            partial?.forget(since: mark)
        }
    }
    /// The evidence of the processes a finding concerns; each item names its process when there
    /// are several (a socket held by two).
    static func evidence(of related: [Int], _ context: EvaluationContext) -> [String] {
        let processes = related.map { context.snapshot.processes[$0] }.filter { !$0.evidence.isEmpty }
        if processes.count == 1 { return processes[0].evidence }
        return processes.flatMap { p in p.evidence.map { "\(p.name) (\(p.pid)): \($0)" } }
    }

    /// Indices of the processes a subject concerns: itself, a socket's owners, a PID file's process.
    private func processes(of subject: FindingRef, _ context: EvaluationContext) -> [Int] {
        switch subject {
        case let .process(i): return [i]
        case let .socket(i): return context.snapshot.sockets[i].owners.compactMap { context.pidIndex[$0] }
        case let .pidfile(i): return context.pidfiles[i].pid.flatMap { context.pidIndex[$0] }.map { [$0] } ?? []
        }
    }

    /// Whether the narrowing keeps a finding (allow, `onlyUID`, `--pattern`, `--port`,
    /// `--container`, `zscan run`'s pids, `--where`); undecided while a field it looks at is pending.
    private func keeps(_ subject: FindingRef, _ related: [Int], _ context: EvaluationContext) -> Truth {
        let processes = context.snapshot.processes
        func anyRelated(_ test: (Int) -> Truth) -> Truth {
            var outcome: Truth = .no
            for i in related {
                outcome = outcome.or(test(i))
                if outcome == .yes { break }
            }
            return outcome
        }
        /// A field of one process's record, or pending while its group is not read.
        func known(_ group: FieldSet, _ i: Int, _ test: () -> Bool) -> Truth {
            if let partial = context.partial, partial.lacks(group, of: processes[i]) { return .pending }
            return Truth(test())
        }
        var keep = anyRelated { i in
            var allowed: Truth = .no
            for condition in allow where allowed != .yes { allowed = allowed.or(context.truth(condition, .process(i))) }
            return allowed
        }.negated
        if keep == .no { return .no }
        // PID files are files, not processes of a user: the uid filter does not apply to them.
        let isPidfile: Bool = {
            if case .pidfile = subject { return true }; return false
        }()
        if let onlyUID, !isPidfile {
            keep = keep.and(anyRelated { i in known(.status, i) { processes[i].uid == onlyUID } })
            if keep == .no { return .no }
        }
        // A stale PID file usually names a dead process: its path is what a pattern can match.
        let pathMatches: Bool = {
            guard let pattern, case let .pidfile(i) = subject else { return false }
            return pattern.matches(context.pidfiles[i].path)
        }()
        if let pattern, !pathMatches {
            keep = keep.and(
                anyRelated { i in
                    let p = processes[i]
                    let own = known(.cmdline, i) {
                        let text = (p.cmdline?.isEmpty ?? true) ? p.name : p.cmdline!
                        return pattern.matches(text)
                    }
                    // A zombie has no command line left; it belongs to the parent that has not reaped it.
                    guard own != .yes, p.isZombie, let parent = context.pidIndex[p.ppid] else { return own }
                    return own.or(known(.cmdline, parent) { processes[parent].cmdline.map(pattern.matches) ?? false })
                })
            if keep == .no { return .no }
        }
        if !ports.isEmpty {
            let socketPort: Int? = {
                if case let .socket(i) = subject { return context.snapshot.sockets[i].localPort }; return nil
            }()
            let held = socketPort.map { ports.contains($0) } ?? false
            if !held && !related.contains(where: { i in (processes[i].ports ?? []).contains(where: ports.contains) }) { return .no }
        }
        if let container {
            let host = context.snapshot.host
            keep = keep.and(anyRelated { i in known([.cgroup, .namespace], i) { container.contains(processes[i], host: host) } })
            if keep == .no { return .no }
        }
        if let onlyPids, !related.contains(where: { onlyPids.contains(processes[$0].pid) }) { return .no }
        if let whereCondition {
            keep = keep.and(anyRelated { context.truth(whereCondition, .process($0)) })
        }
        return keep
    }

    private func record(_ subject: FindingRef, _ context: EvaluationContext) -> FindingSubject {
        let snapshot = context.snapshot
        switch subject {
        case let .process(i): return .process(snapshot.processes[i])
        case let .socket(i):
            let socket = snapshot.sockets[i]
            return .socket(socket, owners: socket.owners.compactMap { context.pidIndex[$0].map { snapshot.processes[$0] } })
        case let .pidfile(i):
            let file = context.pidfiles[i]
            return .pidfile(file, process: file.pid.flatMap { context.pidIndex[$0] }.map { snapshot.processes[$0] })
        }
    }
}
