/// The passes of one scan over a live system, so that each process is read only for what a rule
/// could still need of it, and nothing waits for what cannot match:
///
/// 1. `survey`: every process's `stat` (and descriptors and socket tables when sockets or pipes
///    matter). Provenance is known at once for every process that is not an adoption candidate.
/// 2. Sampling: the rules that need a second reading are evaluated on the survey with `cpu` and
///    `state` pending (`PartialReads`); only the processes they could match are read again, once
///    the window has passed since the survey, and none means no wait at all.
/// 3. Demands: every rule, its narrowing and its messages are evaluated with unread fields pending;
///    what they needed is read (`complete`), and again, until nothing is pending that matters.
/// 4. Zombies are read again, with their parents, and those reaped meanwhile are dropped (then
///    step 3 runs again); only a zombie whose parent may still be reaping it waits for what is left
///    of `zombieGrace` since the survey.
/// 5. The processes the findings concern get every group the scan reads, so a report shows them
///    as a full read would, and the final evaluation (unread is null, as ever) gives the findings.
///
/// The findings are those of one full read (`collect(what: needs.fields)`): a pending value stands
/// for every value the read could give, null included, so an outcome decided while something is
/// pending is the outcome the full read gives.
struct ScanPasses {
    let pipeline: ScanPipeline
    let request: ScanPipeline.Request
    let needs: (fields: FieldSet, sampling: Bool, baseline: Bool)
    var snapshot: Snapshot
    var pidfiles: [PidFileRecord] = []
    var errors: [String] = []
    /// CPU percent over the window and the state at its start, by pid; nil when nothing sampled.
    var samples: [Int32: (cpu: Double, stateBefore: String)]? = nil
    /// The sample window (seconds, to 0.01), when some process was sampled.
    var sampleWindow: Double? = nil
    /// How many processes were sampled; nil when no sampling rule ran.
    var sampledProcesses: Int? = nil
    /// Time spent evaluating (every pass's evaluation), in seconds.
    var evaluationSeconds: Double = 0
    /// After partial passes: the rule-subject pairs they found or left open, and the `counts` then.
    /// Every other pair was decided without a demand, so the final evaluation needs only these
    /// while the counts (the subjects' indices) hold.
    private var openPairs: (pairs: [Scanner.RuleSubject], counts: [Int])?
    /// The monotonic clock at the middle of the survey, whose readings are spread over its duration:
    /// when the first reading of a sample, or the first sight of a zombie, was taken.
    private var surveyed: Double = 0
    /// `--baseline`'s identities and zscan's own ancestors', which are never `new`.
    private var baseline: Set<ProcessIdentity>? = nil

    /// A loaded snapshot (`--from`), evaluated as it is.
    init(pipeline: ScanPipeline, request: ScanPipeline.Request, snapshot: Snapshot) {
        self.pipeline = pipeline
        self.request = request
        needs = request.scanner.needs
        self.snapshot = snapshot
    }

    /// Surveys the system and runs every pass up to the final evaluation.
    init(surveying pipeline: ScanPipeline, request: ScanPipeline.Request) throws(ScanError) {
        let start = pipeline.monotonic()
        self.init(pipeline: pipeline, request: request, snapshot: try pipeline.source.survey(what: request.scanner.needs.fields))
        surveyed = (start + pipeline.monotonic()) / 2
        provenanceSettled()
        readPidfiles()
        readEverywhere(request.scanner.alsoRead)
        sample()
        var found = resolveDemands()
        if dropReapedZombies() { found = resolveDemands() }
        completeProcesses(found)
    }

    /// Reads the PID files when a rule or provenance looks at them; a live one naming a process is
    /// evidence that it was detached on purpose.
    mutating func readPidfiles() {
        let readsPidfiles = needs.fields.contains(.provenance) || request.scanner.rules.contains { $0.condition.subject == .pidfile }
        guard readsPidfiles, let source = pipeline.pidfileSource, !request.pidfileGlobs.isEmpty || !request.pidfileLocations.isEmpty else { return }
        let read = source.read(globs: request.pidfileGlobs, locations: request.pidfileLocations, snapshot: snapshot)
        pidfiles = read.pidfiles
        errors += read.problems
        pidfileEvidence()
    }

    /// The final, ordinary evaluation: a field still unread is null, as one zscan could not read.
    mutating func finalEvaluation() -> (context: EvaluationContext, findings: [Finding]) {
        settleBaseline()
        let started = pipeline.monotonic()
        let context = context(partial: nil)
        let findings: [Finding]
        if let open = openPairs, open.counts == counts {
            findings = request.scanner.findings(in: context, only: open.pairs)
        } else {
            findings = request.scanner.findings(in: context)
        }
        evaluationSeconds += pipeline.monotonic() - started
        return (context, findings)
    }

    private func context(partial: PartialReads?) -> EvaluationContext {
        EvaluationContext(
            snapshot: snapshot, pidfiles: pidfiles, baseline: baseline, samples: samples, trackedPids: request.trackedPids, partial: partial)
    }

    /// Evaluates in a partial pass and times it.
    private mutating func evaluate<T>(_ partial: PartialReads, _ body: (EvaluationContext) -> T) -> T {
        settleBaseline()
        let started = pipeline.monotonic()
        let result = body(context(partial: partial))
        evaluationSeconds += pipeline.monotonic() - started
        return result
    }

    private mutating func settleBaseline() {
        guard baseline == nil, let given = request.baseline else { return }
        // zscan's own ancestors (the shell or CI step running it) started after any baseline, but
        // they are what runs the check, not what it looks for: they are never `new`.
        baseline = Set(given.snapshot.processes.map(\.identity)).union(snapshot.ancestors(of: snapshot.host.collectorPid).map(\.identity))
    }

    // MARK: What is read

    /// Provenance needs reading only for adoption candidates: for every other process the survey's
    /// `stat` already decided it (`Snapshot.deriveProvenance`).
    private mutating func provenanceSettled() {
        guard needs.fields.contains(.provenance) else { return }
        let candidates = Set(Lineage.adoptionCandidates(in: snapshot))
        for i in snapshot.processes.indices where !candidates.contains(i) { snapshot.processes[i].read.insert(.provenance) }
    }

    private mutating func pidfileEvidence() {
        if !pidfiles.isEmpty && needs.fields.contains(.provenance) { snapshot.deriveProvenance(pidfiles: pidfiles) }
    }

    /// Reads what `plan` names. A group the source could not read counts as read all the same (its
    /// fields stay null, as a refused read leaves them), so the demands shrink and the passes end
    /// whatever the source does.
    private mutating func complete(_ plan: ReadPlan) {
        guard !plan.isEmpty else { return }
        pipeline.source.complete(&snapshot, plan: plan)
        let index = snapshot.pidIndex
        for (pid, groups) in plan {
            if let i = index[pid] { snapshot.processes[i].read.formUnion(groups.normalized.intersection(.perProcess)) }
        }
        provenanceSettled()
        pidfileEvidence()
    }

    /// `Scanner.alsoRead`: groups read for every process whatever the rules say (cleanup's guards).
    private mutating func readEverywhere(_ groups: FieldSet) {
        let wanted = groups.normalized.intersection(.perProcess)
        guard !wanted.isEmpty else { return }
        var plan: ReadPlan = [:]
        for i in snapshot.processes.indices where !wanted.isSubset(of: snapshot.processes[i].read) {
            plan[snapshot.processes[i].pid] = wanted.subtracting(snapshot.processes[i].read)
        }
        complete(plan)
    }

    /// Evaluates in partial passes and reads what they demand until nothing more is demanded; the
    /// pids of the processes the findings concern (they may still lack fields no rule needed), or
    /// none when every process was read whole.
    private mutating func resolveDemands() -> [Int32] {
        let scanner = request.scanner
        let wanted = needs.fields.normalized.intersection(.perProcess)
        // Read whole already (a source that reads everything at once): nothing can be pending.
        openPairs = nil
        if snapshot.processes.allSatisfy({ wanted.isSubset(of: $0.read) }) { return [] }
        // After the first pass only the rule-subject pairs still undecided are evaluated again;
        // all of them if a read dropped a process (subjects are indices).
        var found: [Int32] = []
        var foundPairs: [Scanner.RuleSubject] = []
        var only: [Scanner.RuleSubject]?
        while true {
            let partial = PartialReads(wanted: needs.fields)
            let pass = evaluate(partial) { scanner.partialFindings(in: $0, only: only) }
            found += pass.decided
            foundPairs += pass.found
            let plan = partial.plan
            if plan.isEmpty {
                openPairs = (foundPairs + pass.undecided, counts)
                return found + pass.open
            }
            let before = counts
            complete(plan)
            if before == counts {
                only = pass.undecided
            } else {
                found = []
                foundPairs = []
                only = nil
            }
        }
    }

    /// How many processes, sockets and PID files there are: the subjects' indices hold while it is
    /// the same.
    private var counts: [Int] { [snapshot.processes.count, snapshot.sockets.count, pidfiles.count] }

    /// Every group the scan reads, for the processes the findings concern (`found`: subject, socket
    /// owners, the PID file's process), so each shows what a full read would show.
    private mutating func completeProcesses(_ found: [Int32]) {
        let wanted = needs.fields.normalized.intersection(.perProcess)
        var plan: ReadPlan = [:]
        let index = snapshot.pidIndex
        for pid in found {
            guard let i = index[pid] else { continue }
            let missing = wanted.subtracting(snapshot.processes[i].read)
            if !missing.isEmpty { plan[pid] = missing }
        }
        complete(plan)
    }

    // MARK: Second readings

    /// Samples the processes a sampling rule (or a `--where`/allow condition that samples) could
    /// match: their `stat` once the window has passed since the survey. Their `state` and CPU time
    /// become the second reading's and `state_before` is the survey's state; ages stay the survey's,
    /// one moment for every process (candidates were chosen by their age at the second reading, a
    /// little more, so none is missed).
    private mutating func sample() {
        guard needs.sampling, request.sampleSeconds > 0 else { return }
        let scanner = request.scanner
        let partial = PartialReads(wanted: needs.fields, window: request.sampleSeconds)
        let sampling = scanner.rules.filter {
            $0.condition.needsSampling || $0.message.needsSampling || ($0.hint?.needsSampling ?? false)
        }
        let filters = (scanner.allow + [scanner.whereCondition].compactMap { $0 }).filter(\.needsSampling)
        evaluate(partial) { context in
            scanner.walk(sampling, context) { rule, subject, _ in
                _ = rule.message.render(context, subject)
                _ = rule.hint?.render(context, subject)
            }
            for condition in filters {
                for i in context.snapshot.processes.indices { _ = context.truth(condition, .process(i)) }
            }
        }
        let candidates = partial.sampled
        sampledProcesses = candidates.count
        samples = [:]
        guard !candidates.isEmpty else { return }
        let rest = request.sampleSeconds - (pipeline.monotonic() - surveyed)
        if rest > 0 { pipeline.wait(rest) }
        let first = snapshot.processes.filter { candidates.contains($0.pid) }
        let second = pipeline.source.reread(first.map(\.identity))
        let window = max(0.001, pipeline.monotonic() - surveyed)
        sampleWindow = (window * 100).rounded() / 100
        var samples: [Int32: (cpu: Double, stateBefore: String)] = [:]
        var gone: Set<Int32> = []
        let index = snapshot.pidIndex
        for before in first {
            guard let now = second[before.identity], let i = index[before.pid] else {
                gone.insert(before.pid)
                continue
            }
            let cpu = max(0, now.cpuTime - before.cpuTime) / window * 100
            samples[before.pid] = ((cpu * 10).rounded() / 10, before.state)
            snapshot.processes[i].state = now.state
            snapshot.processes[i].cpuTime = now.cpuTime
        }
        self.samples = samples
        drop(gone)
    }

    /// Reads the zombies again and drops those reaped since the survey (gone, or no longer a zombie);
    /// true when it dropped any. Skipped when no rule could match a zombie, its parent or a PID file
    /// naming it.
    ///
    /// No fixed wait: the kernel notifies a parent (SIGCHLD, and a wake-up when it waits) before
    /// its child shows as a zombie (`exit_notify`), so a single-threaded parent read after the
    /// zombie and found not runnable has had its chance and gone back to sleep, or was stopped,
    /// without reaping it. Only a zombie whose parent is runnable (about to reap it), has other
    /// threads (one of which may be reaping) or could not be read waits for what is left of
    /// `zombieGrace` since the survey, and is read once more.
    private mutating func dropReapedZombies() -> Bool {
        guard request.zombieGrace > 0 else { return false }
        let zombies = snapshot.processes.filter(\.isZombie)
        guard !zombies.isEmpty, couldMatch(zombies) else { return false }
        let index = snapshot.pidIndex
        let parents = Set(zombies.compactMap { zombie in index[zombie.ppid].map { snapshot.processes[$0].identity } })
        // The zombies first: a parent's state counts only when read after its zombie was seen.
        let now = pipeline.source.reread(zombies.map(\.identity) + parents)
        var reaped = Set(zombies.filter { now[$0.identity]?.state != "Z" }.map(\.pid))
        let unsettled = zombies.filter { zombie in
            guard !reaped.contains(zombie.pid) else { return false }
            guard let i = index[zombie.ppid], let parent = now[snapshot.processes[i].identity] else { return true }
            return parent.state == "R" || snapshot.processes[i].threads != 1
        }
        let rest = request.zombieGrace - (pipeline.monotonic() - surveyed)
        if !unsettled.isEmpty && rest > 0 {
            pipeline.wait(rest)
            let later = pipeline.source.reread(unsettled.map(\.identity))
            reaped.formUnion(unsettled.filter { later[$0.identity]?.state != "Z" }.map(\.pid))
        }
        for i in pidfiles.indices where pidfiles[i].pid.map(reaped.contains) ?? false {
            pidfiles[i].alive = false
            pidfiles[i].reused = false
        }
        drop(reaped)
        return !reaped.isEmpty
    }

    /// Whether some rule could match one of these zombies, its parent, or a PID file naming it.
    private mutating func couldMatch(_ zombies: [ProcessRecord]) -> Bool {
        let pids = Set(zombies.map(\.pid))
        let index = snapshot.pidIndex
        let subjects = Set(zombies.flatMap { [index[$0.pid], index[$0.ppid]].compactMap { $0 } })
        let files = pidfiles.indices.filter { pidfiles[$0].pid.map(pids.contains) ?? false }
        let rules = request.scanner.rules
        return evaluate(PartialReads(wanted: needs.fields)) { context in
            rules.contains { rule in
                switch rule.condition.subject {
                case .process: subjects.contains { context.truth(rule.condition, .process($0)).contains(.yes) }
                case .pidfile: files.contains { context.truth(rule.condition, .pidfile($0)).contains(.yes) }
                case .socket: false
                }
            }
        }
    }

    /// Removes processes that exited since the survey (counted as vanished) and links again.
    private mutating func drop(_ pids: Set<Int32>) {
        guard !pids.isEmpty else { return }
        let before = snapshot.processes.count
        snapshot.processes.removeAll { pids.contains($0.pid) }
        snapshot.counters.vanished += before - snapshot.processes.count
        snapshot.link()
        provenanceSettled()
        pidfileEvidence()
    }
}
