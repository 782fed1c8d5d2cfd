/// Ends one `terminate` or `terminate_tree` item, phase by phase:
///
/// 1. `attach`: a handle on each member whose identity still matches; guarded members are only
///    recorded.
/// 2. `freeze` (tree): SIGSTOP from the root down, then `rescan` for children forked meanwhile,
///    until a pass finds none.
/// 3. `term`: SIGTERM leaves first, SIGCONT to what is stopped.
/// 4. `waitGrace`: wait; a tree is watched in slices and children forked by a handler are TERMed.
/// 5. `kill`: a tree is first frozen again (`freeze`, with its rescans), then SIGKILL leaves first
///    to what outlived the grace period and what that last freeze found.
/// 6. `verify`: what SIGKILL did not end is reported `survived` with its state.
/// 7. `finish`: every handle released.
///
/// A plain `terminate` runs the same phases without freeze and rescans. Every signal goes through
/// a handle taken in `attach` or `rescan`, and `rescan` judges each process it finds with the
/// guards before taking it, so only members that passed the guards are ever signalled.
struct TreeTermination {
    let item: CleanupPlan.Item
    let control: any ProcessControl
    let cleanupGuard: CleanupGuard
    let context: EvaluationContext
    let grace: Double
    let maxPasses: Int
    /// Processes other items plan (perhaps as protected): theirs, even when a rescan meets them.
    let plannedElsewhere: Set<ProcessIdentity>
    private(set) var state = State()

    var isTree: Bool { item.action == .terminateTree }

    init(_ item: CleanupPlan.Item, plannedElsewhere: Set<ProcessIdentity>, by executor: CleanupExecutor) {
        self.item = item
        self.plannedElsewhere = plannedElsewhere
        control = executor.control
        cleanupGuard = executor.cleanupGuard
        context = executor.context
        grace = executor.grace
        maxPasses = executor.maxPasses
    }

    /// Who is in the item so far (leaves first), their handles, and what happened to each.
    struct State {
        var order: [ProcessIdentity] = []
        var records: [ProcessIdentity: CleanupAction] = [:]
        var handles: [ProcessHandle] = []
        /// Members stopped now (at scan time or by `freeze`): their SIGTERM waits for SIGCONT.
        var stopped: Set<ProcessIdentity> = []
        /// Process groups led by attached members of a tree: a member that double-forks to leave
        /// the tree (its child re-parented to init) leaves its grandchild in the group.
        var groups: Set<Int32> = []
        /// Rescans made so far.
        var passes = 0

        var actions: [CleanupAction] { order.compactMap { records[$0] } }

        mutating func note(_ identity: ProcessIdentity, _ step: String) { records[identity]?.steps.append(step) }

        mutating func settle(_ identity: ProcessIdentity, _ outcome: ActionOutcome, reason: String? = nil) {
            records[identity]?.outcome = outcome
            if let reason { records[identity]?.reason = reason }
        }

        /// Handles in the item's order: leaves before the parents that might restart them.
        func leavesFirst(_ subset: [ProcessHandle]) -> [ProcessHandle] {
            let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            return subset.sorted { (rank[$0.identity] ?? 0) < (rank[$1.identity] ?? 0) }
        }
    }

    /// What `--dry-run` reports: each member planned, or protected; nothing is attached.
    static func plan(_ item: CleanupPlan.Item, grace: Double) -> [CleanupAction] {
        item.members.map { member in
            if let why = member.protected { return CleanupAction(item, member, .protected, reason: why) }
            let signals =
                item.action == .terminateTree
                ? ["SIGSTOP (freeze the tree)", "SIGTERM", "SIGCONT"]
                : ["SIGTERM"] + (member.state == "T" ? ["SIGCONT"] : [])
            return CleanupAction(item, member, .planned, steps: signals + ["wait up to \(GraceText.seconds(grace))", "SIGKILL if still alive"])
        }
    }

    /// All phases in order; the actions on every member, leaves first.
    mutating func run() -> [CleanupAction] {
        attach(item.members)
        // Nothing attached: nothing to signal, and no handle whose children a rescan could ask for.
        if state.handles.isEmpty { return state.actions }
        if isTree { _ = freeze(state.handles) }
        let survivors = waitGrace(term(state.handles))
        if !survivors.isEmpty {
            // Found by the last freeze: never TERMed, so KILLed without a grace period of their own.
            let latecomers = isTree ? freeze(survivors) : []
            verify(kill(survivors, latecomers: latecomers))
        }
        return finish()
    }

    // MARK: - Phases

    /// Phase 1: takes the planned members. Why: a handle is taken only while the identity (pid
    /// and start time) still matches, so a pid reused since the scan is never signalled.
    mutating func attach(_ members: [CleanupPlan.Member]) {
        for member in members { _ = take(member) }
    }

    /// Phase 2 (tree; again before `kill`): SIGSTOP `handles` from the root down so nothing forks,
    /// then `rescan` for children forked meanwhile, freeze those, and again until a pass finds
    /// nothing new or `maxPasses` rescans were made (a fork bomb must not keep cleanup busy
    /// forever). Why: a tree TERMed while it runs can fork children that outlive it.
    /// Returns the members the rescans found, in the order they were taken.
    mutating func freeze(_ handles: [ProcessHandle]) -> [ProcessHandle] {
        var found: [ProcessHandle] = []
        var pending = handles
        while true {
            for handle in state.leavesFirst(pending).reversed() where control.send(.stop, to: handle) == .sent {
                state.stopped.insert(handle.identity)
                state.note(handle.identity, "SIGSTOP")
            }
            guard state.passes < maxPasses else { return found }
            state.passes += 1
            pending = rescan(step: "found on pass \(state.passes)")
            found += pending
            if pending.isEmpty { return found }
        }
    }

    /// Children of the attached members, and members of the groups they lead, that the item does
    /// not know yet: judged by the guards, then taken in before everything known (they are
    /// descendants). Why the guards again: a rescan meets processes the plan never judged, and a
    /// guarded one is recorded `protected` and never attached. Returns the handles taken.
    mutating func rescan(step: String) -> [ProcessHandle] {
        let known = Set(state.order).union(plannedElsewhere)
        let parents = Set(state.handles.map(\.identity))
        let parentPids = Set(parents.map(\.pid))
        let fresh = control.children(of: parents, groups: state.groups).filter { !known.contains($0.identity) }
        return zip(fresh, guardReasons(fresh)).compactMap { process, reason in
            let escaped = !parentPids.contains(process.ppid)
            return take(
                CleanupPlan.Member(
                    identity: process.identity, name: process.name, cmdline: process.cmdline,
                    state: process.state, protected: reason),
                step: escaped ? "left the tree (parent \(process.ppid)); found in its process group \(process.pgid)" : step,
                front: true, pgid: process.pgid)
        }
    }

    /// Phase 3: SIGTERM leaves first, then SIGCONT whatever is stopped so its handler can run.
    /// Why leaves first: a parent TERMed first could restart a child before the child's TERM.
    /// A member gone or denied here is settled. Returns the handles SIGTERM reached.
    mutating func term(_ handles: [ProcessHandle]) -> [ProcessHandle] {
        var reached: [ProcessHandle] = []
        for handle in state.leavesFirst(handles) {
            switch control.send(.term, to: handle) {
            case .sent:
                state.note(handle.identity, "SIGTERM")
                reached.append(handle)
            case .gone: state.settle(handle.identity, .alreadyGone, reason: "exited before cleanup")
            case .denied: state.settle(handle.identity, .denied, reason: "permission denied")
            }
        }
        for handle in handles where state.stopped.contains(handle.identity) && reached.contains(handle) {
            if control.send(.cont, to: handle) == .sent { state.note(handle.identity, "SIGCONT") }
        }
        return reached
    }

    /// Phase 4: waits up to `grace` for the TERMed members to exit and settles those that did as
    /// `terminated`. A tree is watched in slices, and children its handlers fork meanwhile are
    /// rescanned and TERMed as they appear (and waited for with the rest). Why slices: a
    /// supervisor that forks a replacement on TERM must not leave it unTERMed for the whole grace.
    /// Returns the TERMed members still alive, in the order they were TERMed.
    mutating func waitGrace(_ termed: [ProcessHandle]) -> [ProcessHandle] {
        var live = termed
        var exited: Set<ProcessIdentity> = []
        let slice = isTree ? min(grace, 0.25) : grace
        var waited = 0.0
        func pending() -> [ProcessHandle] { live.filter { !exited.contains($0.identity) } }
        while !pending().isEmpty {
            let step = max(0, min(slice, grace - waited))
            exited.formUnion(control.waitForExit(pending(), seconds: step))
            waited += step
            if isTree && !pending().isEmpty { live += term(rescan(step: "forked during the grace period")) }
            if waited >= grace { break }
        }
        for handle in live where exited.contains(handle.identity) { state.settle(handle.identity, .terminated) }
        return pending()
    }

    /// Phase 5: SIGKILL leaves first to the grace period's survivors and to the `latecomers` the
    /// last freeze found. Why: SIGKILL cannot be caught, and a frozen tree cannot fork past it.
    /// Returns the handles signalled, survivors first.
    mutating func kill(_ survivors: [ProcessHandle], latecomers: [ProcessHandle]) -> [ProcessHandle] {
        let targets = survivors + latecomers
        let waitedOut = Set(survivors.map(\.identity))
        for handle in state.leavesFirst(targets) {
            if waitedOut.contains(handle.identity) { state.note(handle.identity, "waited \(GraceText.seconds(grace))") }
            if control.send(.kill, to: handle) == .sent { state.note(handle.identity, "SIGKILL") }
        }
        return targets
    }

    /// Phase 6: waits up to 2 s for the KILLed members; each that exited is `killed`, each still
    /// there `survived` with its state (D: stuck in the kernel). Why report it: a process
    /// SIGKILL cannot end still holds what the finding was about.
    mutating func verify(_ killed: [ProcessHandle]) {
        let exited = control.waitForExit(killed, seconds: 2)
        for handle in killed {
            if exited.contains(handle.identity) {
                state.settle(handle.identity, .killed)
            } else {
                let now = control.state(of: handle.identity) ?? "?"
                state.settle(handle.identity, .survived, reason: "still alive after SIGKILL (state \(now))")
            }
        }
    }

    /// Phase 7: notes how many passes searched a tree (on its root) and releases every handle.
    /// Returns the actions, leaves first.
    mutating func finish() -> [CleanupAction] {
        if isTree, let root = item.members.last?.identity {
            state.note(root, "tree searched in \(state.passes) pass\(state.passes == 1 ? "" : "es")")
        }
        for handle in state.handles { control.release(handle) }
        return state.actions
    }

    // MARK: - Taking members

    /// Adds a member; `front` puts it before everything known (a descendant found later). A
    /// guarded member is recorded `protected` and never attached. `pgid` is its process group
    /// when known (else looked up in the scan). Returns its handle when attached.
    private mutating func take(_ member: CleanupPlan.Member, step: String? = nil, front: Bool = false, pgid: Int32? = nil) -> ProcessHandle? {
        if front { state.order.insert(member.identity, at: 0) } else { state.order.append(member.identity) }
        let steps = step.map { [$0] } ?? []
        if let why = member.protected {
            state.records[member.identity] = CleanupAction(item, member, .protected, steps: steps, reason: why)
            return nil
        }
        switch control.attach(member.identity) {
        case let .attached(handle):
            state.handles.append(handle)
            let group =
                pgid
                ?? context.pidIndex[member.identity.pid].flatMap {
                    context.snapshot.processes[$0].identity == member.identity ? context.snapshot.processes[$0].pgid : nil
                }
            if isTree, group == member.identity.pid, cleanupGuard.mayFollow(group: member.identity.pid) {
                state.groups.insert(member.identity.pid)
            }
            if member.state == "T" { state.stopped.insert(member.identity) }
            state.records[member.identity] = CleanupAction(item, member, .survived, steps: steps)
            return handle
        case .gone:
            state.records[member.identity] = CleanupAction(item, member, .alreadyGone, steps: steps, reason: "exited before cleanup")
        case .reused:
            state.records[member.identity] = CleanupAction(
                item, member, .alreadyGone, steps: steps, reason: "its pid now belongs to another program: not signalled")
        case .denied:
            state.records[member.identity] = CleanupAction(item, member, .denied, steps: steps, reason: "permission denied")
        }
        return nil
    }

    /// Guards processes first seen during a rescan: judged in the scan's snapshot when they were
    /// there, else in that snapshot with them added (so `parent` and the ancestor chain resolve).
    private func guardReasons(_ processes: [ProcessRecord]) -> [String?] {
        func seen(_ p: ProcessRecord) -> Int? {
            context.pidIndex[p.pid].flatMap { context.snapshot.processes[$0].identity == p.identity ? $0 : nil }
        }
        // Processes the scan never saw join its snapshot together, linked once per rescan.
        let unseen = processes.filter { seen($0) == nil }
        var extended = context
        if !unseen.isEmpty {
            let replaced = Set(unseen.map(\.pid))
            var snapshot = context.snapshot
            snapshot.processes.removeAll { replaced.contains($0.pid) }
            snapshot.processes += unseen
            snapshot.link()
            extended = EvaluationContext(snapshot: snapshot)
        }
        return processes.map { process in
            if let index = seen(process) { return cleanupGuard.reason(for: index, in: context) }
            guard let index = extended.pidIndex[process.pid] else { return "not found again" }
            return cleanupGuard.reason(for: index, in: extended)
        }
    }
}
