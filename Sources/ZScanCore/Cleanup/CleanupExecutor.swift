/// Carries out a cleanup plan: TERM, CONT for a stopped process, a grace period, KILL; a tree is
/// first frozen (SIGSTOP from the root down) and searched again for children forked meanwhile
/// until a pass finds none (`TreeTermination` holds those phases); zombies are reaped through
/// their parent; stale PID files removed only if unchanged (the same file in the same directory,
/// naming the same pid). With `dryRun` nothing is signalled and every item is `planned`.
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
            if let why = item.skipped {
                actions += item.members.map { CleanupAction(item, $0, .skipped, reason: why) }
                continue
            }
            switch item.action {
            case .terminate, .terminateTree:
                let done: [CleanupAction]
                if dryRun {
                    done = TreeTermination.plan(item, grace: grace)
                } else {
                    var termination = TreeTermination(item, plannedElsewhere: planned.subtracting(item.members.map(\.identity)), by: self)
                    done = termination.run()
                }
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

    private func reap(_ item: CleanupPlan.Item, ended: Set<ProcessIdentity>) -> CleanupAction {
        let zombie = item.members[0]
        if let why = zombie.protected { return CleanupAction(item, zombie, .protected, reason: why) }
        let parent = item.parent
        let parentText = parent.map { "\($0.name) (\($0.identity.pid))" } ?? "its parent"
        let ending = parent.map { ended.contains($0.identity) } ?? false
        // Only a namespace's init reaps what its children leave, and SIGCHLD cannot make it; ending
        // it would end the whole namespace (CleanupGuard).
        if let parent, parent.namespaceInit, !ending {
            if !dryRun && control.state(of: zombie.identity) == nil {
                return CleanupAction(item, zombie, .alreadyGone, reason: "reaped before cleanup")
            }
            return CleanupAction(
                item, zombie, .skipped,
                reason: "cannot reap: \(parentText) is the init of its PID namespace and does not wait(); zscan cannot make it, "
                    + "and ending it would end every process there: run the container with an init (docker run --init, tini)")
        }
        if dryRun {
            return CleanupAction(
                item, zombie, .planned,
                steps: ending ? ["\(parentText) is ended above: init reaps it"] : ["SIGCHLD to \(parentText)", "wait up to 1s"])
        }
        var steps: [String] = []
        // Init may take a moment to reap what it inherits; a parent's SIGCHLD handler is quick.
        var patience = 1.0
        if let parent, ended.contains(parent.identity) {
            steps.append("its parent was ended: init reaps it")
            patience = 5
        } else if control.state(of: zombie.identity) == nil {
            return CleanupAction(item, zombie, .alreadyGone, reason: "reaped before cleanup")
        } else if let parent, parent.protected == nil, case let .attached(handle) = control.attach(parent.identity) {
            if control.send(.chld, to: handle) == .sent { steps.append("SIGCHLD to \(parentText)") }
            control.release(handle)
        }
        var waited = 0.0
        while control.state(of: zombie.identity) != nil {
            guard waited < patience else {
                let why =
                    patience > 1
                    ? "init has not reaped it yet"
                    : "\(parentText) does not reap it; end the parent to let init reap it"
                return CleanupAction(item, zombie, .survived, steps: steps, reason: why)
            }
            _ = control.waitForExit([], seconds: 0.05)
            waited += 0.05
        }
        return CleanupAction(item, zombie, .reaped, steps: steps)
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
        switch control.removeFile(file) {
        case .removed: done.outcome = .removed; done.steps = ["deleted"]
        case .changed: done.outcome = .survived; done.reason = "the file changed since the scan: left alone"
        case .fileReplaced: done.outcome = .survived; done.reason = "another file took its name since the scan: left alone"
        case .directoryReplaced: done.outcome = .survived; done.reason = "its directory was replaced since the scan: left alone"
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
