/// Carries out a cleanup plan: TERM, CONT for a stopped process, a grace period, KILL; a tree is
/// first frozen (SIGSTOP from the root down) and searched again for children forked meanwhile
/// until a pass finds none; zombies are reaped through their parent; stale PID files removed
/// only if unchanged. With `dryRun` nothing is signalled and every item is `planned`.
public struct CleanupExecutor {
    public var control: any ProcessControl
    public var cleanupGuard: CleanupGuard
    /// The scan's snapshot and context: the guards judge processes found during a tree's
    /// rescans in it (a `protect` condition may name a parent).
    public var context: EvaluationContext
    public var grace: Double
    public var dryRun: Bool
    /// At most this many rescans of a tree (a fork bomb must not keep cleanup busy forever).
    public var maxPasses = 20

    public init(control: any ProcessControl, cleanupGuard: CleanupGuard, context: EvaluationContext, grace: Double, dryRun: Bool) {
        self.control = control
        self.cleanupGuard = cleanupGuard
        self.context = context
        self.grace = grace
        self.dryRun = dryRun
    }

    public func run(_ plan: CleanupPlan) -> [CleanupAction] {
        var actions: [CleanupAction] = []
        var ended: Set<ProcessIdentity> = []
        // A process another item plans (perhaps as protected) is that item's, even when a tree's
        // rescan meets it.
        let planned = Set(plan.items.flatMap { $0.members.map(\.identity) })
        for item in plan.items {
            switch item.action {
            case .terminate, .terminateTree:
                let done = terminate(item, plannedElsewhere: planned.subtracting(item.members.map(\.identity)))
                // In a dry run, what is planned to end counts as ended, so the plan for its zombies reads true.
                for action in done where action.outcome == .terminated || action.outcome == .killed || action.outcome == .planned {
                    if let identity = action.process { ended.insert(identity) }
                }
                actions += done
            case .reap:
                actions.append(reap(item, ended: ended))
            case .removeFile:
                actions.append(remove(item))
            case .none:
                break
            }
        }
        return actions
    }

    private func action(_ item: CleanupPlan.Item, _ member: CleanupPlan.Member, _ outcome: ActionOutcome,
                        steps: [String] = [], reason: String? = nil) -> CleanupAction {
        CleanupAction(rule: item.rule, action: item.action, process: member.identity, name: member.name,
                      cmdline: member.cmdline, steps: steps, outcome: outcome, reason: reason)
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

    /// One terminate or terminate_tree item in progress: who is in it (leaves first), their
    /// handles, and what happened to each so far.
    private struct Batch {
        var order: [ProcessIdentity] = []
        var records: [ProcessIdentity: CleanupAction] = [:]
        var handles: [ProcessHandle] = []
        var stopped: Set<ProcessIdentity> = []

        mutating func note(_ identity: ProcessIdentity, _ step: String) { records[identity]?.steps.append(step) }

        mutating func settle(_ identity: ProcessIdentity, _ outcome: ActionOutcome, reason: String? = nil) {
            records[identity]?.outcome = outcome
            if let reason { records[identity]?.reason = reason }
        }

        /// Handles in the batch's order: leaves before the parents that might restart them.
        func leavesFirst(_ subset: [ProcessHandle]) -> [ProcessHandle] {
            let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            return subset.sorted { (rank[$0.identity] ?? 0) < (rank[$1.identity] ?? 0) }
        }
    }

    private func terminate(_ item: CleanupPlan.Item, plannedElsewhere: Set<ProcessIdentity>) -> [CleanupAction] {
        var batch = Batch()
        /// Process groups led by attached members of a tree: a member that double-forks to leave
        /// the tree (its child re-parented to init) leaves its grandchild in the group.
        var groups: Set<Int32> = []
        /// Adds a member; `front` puts it before everything known (a descendant found later).
        /// `pgid` is its process group when known (else looked up in the scan).
        func take(_ member: CleanupPlan.Member, step: String? = nil, front: Bool = false, pgid: Int32? = nil) -> ProcessHandle? {
            if front { batch.order.insert(member.identity, at: 0) } else { batch.order.append(member.identity) }
            let steps = step.map { [$0] } ?? []
            if let why = member.protected {
                batch.records[member.identity] = action(item, member, .protected, steps: steps, reason: why)
                return nil
            }
            if dryRun {
                let planned = item.action == .terminateTree
                    ? ["SIGSTOP (freeze the tree)", "SIGTERM", "SIGCONT"]
                    : ["SIGTERM"] + (member.state == "T" ? ["SIGCONT"] : [])
                batch.records[member.identity] = action(
                    item, member, .planned, steps: steps + planned + ["wait up to \(GraceText.seconds(grace))", "SIGKILL if still alive"])
                return nil
            }
            switch control.attach(member.identity) {
            case let .attached(handle):
                batch.handles.append(handle)
                let group = pgid ?? context.pidIndex[member.identity.pid].flatMap {
                    context.snapshot.processes[$0].identity == member.identity ? context.snapshot.processes[$0].pgid : nil
                }
                if item.action == .terminateTree, group == member.identity.pid, cleanupGuard.mayFollow(group: member.identity.pid) {
                    groups.insert(member.identity.pid)
                }
                if member.state == "T" { batch.stopped.insert(member.identity) }
                batch.records[member.identity] = action(item, member, .survived, steps: steps)
                return handle
            case .gone:
                batch.records[member.identity] = action(item, member, .alreadyGone, steps: steps, reason: "exited before cleanup")
            case .reused:
                batch.records[member.identity] = action(
                    item, member, .alreadyGone, steps: steps, reason: "its pid now belongs to another program: not signalled")
            case .denied:
                batch.records[member.identity] = action(item, member, .denied, steps: steps, reason: "permission denied")
            }
            return nil
        }
        /// Children of the batch's live members, and members of their groups, that it does not
        /// know yet, taken in.
        func takeNewChildren(step: String) -> [ProcessHandle] {
            let known = Set(batch.order).union(plannedElsewhere)
            let parents = Set(batch.handles.map(\.identity))
            let parentPids = Set(parents.map(\.pid))
            let fresh = control.children(of: parents, groups: groups).filter { !known.contains($0.identity) }
            return zip(fresh, guardReasons(fresh)).compactMap { process, reason in
                let escaped = !parentPids.contains(process.ppid)
                return take(CleanupPlan.Member(identity: process.identity, name: process.name, cmdline: process.cmdline,
                                               state: process.state, protected: reason),
                            step: escaped ? "left the tree (parent \(process.ppid)); found in its process group \(process.pgid)" : step,
                            front: true, pgid: process.pgid)
            }
        }
        /// SIGSTOP from the root down so nothing forks, then look for children forked meanwhile,
        /// freeze those, and again until a pass finds nothing new. Returns the passes made.
        func freeze(_ handles: [ProcessHandle], firstPass: Int) -> Int {
            var pending = handles
            var pass = firstPass
            while true {
                for handle in batch.leavesFirst(pending).reversed() where control.send(.stop, to: handle) == .sent {
                    batch.stopped.insert(handle.identity)
                    batch.note(handle.identity, "SIGSTOP")
                }
                guard pass < maxPasses else { return pass }
                pass += 1
                pending = takeNewChildren(step: "found on pass \(pass)")
                if pending.isEmpty { return pass }
            }
        }

        let isTree = item.action == .terminateTree
        for member in item.members { _ = take(member) }
        if dryRun || batch.handles.isEmpty {
            return batch.order.compactMap { batch.records[$0] }
        }
        var passes = isTree ? freeze(batch.handles, firstPass: 0) : 0

        // SIGTERM leaves first, then SIGCONT whatever is stopped so its handler can run.
        var live: [ProcessHandle] = []
        func sendTerm(_ handles: [ProcessHandle]) {
            for handle in batch.leavesFirst(handles) {
                switch control.send(.term, to: handle) {
                case .sent:
                    batch.note(handle.identity, "SIGTERM")
                    live.append(handle)
                case .gone: batch.settle(handle.identity, .alreadyGone, reason: "exited before cleanup")
                case .denied: batch.settle(handle.identity, .denied, reason: "permission denied")
                }
            }
            for handle in handles where batch.stopped.contains(handle.identity) && live.contains(handle) {
                if control.send(.cont, to: handle) == .sent { batch.note(handle.identity, "SIGCONT") }
            }
        }
        sendTerm(batch.handles)

        // The grace period. A tree is watched in slices: children forked by a handler are sent
        // SIGTERM as they appear.
        var exited: Set<ProcessIdentity> = []
        let slice = isTree ? min(grace, 0.25) : grace
        var waited = 0.0
        func pending() -> [ProcessHandle] { live.filter { !exited.contains($0.identity) } }
        while !pending().isEmpty {
            let step = max(0, min(slice, grace - waited))
            exited.formUnion(control.waitForExit(pending(), seconds: step))
            waited += step
            if isTree && !pending().isEmpty { sendTerm(takeNewChildren(step: "forked during the grace period")) }
            if waited >= grace { break }
        }
        for handle in live where exited.contains(handle.identity) { batch.settle(handle.identity, .terminated) }

        // SIGKILL what is left; a tree is frozen and searched once more first, so nothing forked
        // in the last moments escapes.
        var survivors = live.filter { !exited.contains($0.identity) }
        if !survivors.isEmpty {
            if isTree {
                let before = Set(batch.handles.map(\.identity))
                passes = freeze(survivors, firstPass: passes)
                survivors += batch.handles.filter { !before.contains($0.identity) }
            }
            for handle in batch.leavesFirst(survivors) {
                if live.contains(handle) { batch.note(handle.identity, "waited \(GraceText.seconds(grace))") }
                if control.send(.kill, to: handle) == .sent { batch.note(handle.identity, "SIGKILL") }
            }
            let killed = control.waitForExit(survivors, seconds: 2)
            for handle in survivors {
                if killed.contains(handle.identity) {
                    batch.settle(handle.identity, .killed)
                } else {
                    let state = control.state(of: handle.identity) ?? "?"
                    batch.settle(handle.identity, .survived, reason: "still alive after SIGKILL (state \(state))")
                }
            }
        }
        if isTree, let root = item.members.last?.identity {
            batch.note(root, "tree searched in \(passes) pass\(passes == 1 ? "" : "es")")
        }
        for handle in batch.handles { control.release(handle) }
        return batch.order.compactMap { batch.records[$0] }
    }

    private func reap(_ item: CleanupPlan.Item, ended: Set<ProcessIdentity>) -> CleanupAction {
        let zombie = item.members[0]
        if let why = zombie.protected { return action(item, zombie, .protected, reason: why) }
        let parent = item.parent
        let parentText = parent.map { "\($0.name) (\($0.identity.pid))" } ?? "its parent"
        if dryRun {
            let ending = parent.map { ended.contains($0.identity) } ?? false
            return action(item, zombie, .planned,
                          steps: ending ? ["\(parentText) is ended above: init reaps it"] : ["SIGCHLD to \(parentText)", "wait up to 1s"])
        }
        var steps: [String] = []
        // Init may take a moment to reap what it inherits; a parent's SIGCHLD handler is quick.
        var patience = 1.0
        if let parent, ended.contains(parent.identity) {
            steps.append("its parent was ended: init reaps it")
            patience = 5
        } else if control.state(of: zombie.identity) == nil {
            return action(item, zombie, .alreadyGone, reason: "reaped before cleanup")
        } else if let parent, parent.protected == nil, case let .attached(handle) = control.attach(parent.identity) {
            if control.send(.chld, to: handle) == .sent { steps.append("SIGCHLD to \(parentText)") }
            control.release(handle)
        }
        var waited = 0.0
        while control.state(of: zombie.identity) != nil {
            guard waited < patience else {
                let why = patience > 1 ? "init has not reaped it yet"
                    : "\(parentText) does not reap it; end the parent to let init reap it"
                return action(item, zombie, .survived, steps: steps, reason: why)
            }
            _ = control.waitForExit([], seconds: 0.05)
            waited += 0.05
        }
        return action(item, zombie, .reaped, steps: steps)
    }

    private func remove(_ item: CleanupPlan.Item) -> CleanupAction {
        let file = item.pidfile!
        let base = CleanupAction(rule: item.rule, action: .removeFile, process: nil, name: file.path, path: file.path, outcome: .planned)
        if dryRun {
            var planned = base
            planned.steps = ["delete if it still holds pid \(file.pid.map(String.init) ?? "nothing")"]
            return planned
        }
        var done = base
        switch control.removeFile(file.path, ifPid: file.pid) {
        case .removed: done.outcome = .removed; done.steps = ["deleted"]
        case .changed: done.outcome = .survived; done.reason = "the file changed since the scan: left alone"
        case .gone: done.outcome = .alreadyGone; done.reason = "the file is gone"
        case let .failed(why): done.outcome = .denied; done.reason = why
        }
        return done
    }
}

/// `5s`, `0.5s`.
enum GraceText {
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\((value * 10).rounded() / 10)s"
    }
}
