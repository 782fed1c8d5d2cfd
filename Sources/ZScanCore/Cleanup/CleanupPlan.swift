/// What cleanup will do, decided before anything is signalled: one item per target, a tree's
/// members leaves first, every member checked against the guards.
public struct CleanupPlan: Sendable {
    public struct Member: Sendable, Equatable {
        public var identity: ProcessIdentity
        public var name: String
        public var cmdline: String?
        public var state: String
        /// Why a guard forbids it; nil when it may be signalled.
        public var protected: String?
        /// PID 1 of its PID namespace (`ns_init`): a reap through it can only be waited for.
        public var namespaceInit: Bool = false
    }

    public struct Item: Sendable {
        public var rule: String
        public var action: RuleAction
        /// `terminate`: the target; `terminate_tree`: the target's subtree, leaves first (the
        /// target last); `reap`: the zombie.
        public var members: [Member]
        /// `reap`: the zombie's parent, asked with SIGCHLD.
        public var parent: Member?
        /// `remove_file`.
        public var pidfile: PidFileRecord?
        /// Why the target (the one member) is left alone without being a guard's business: it
        /// was detached on purpose and its rule was not named. Nothing of it is signalled.
        public var skipped: String? = nil
    }

    public var items: [Item]

    /// The plan for the findings `scope` lets cleanup act on whose rules have an action. A process
    /// is planned once, by the first finding that names it (a tree includes its members). A
    /// process detached on purpose is an item that says why it is skipped, unless `scope` names
    /// the finding's rule.
    public init(findings: [Finding], context: EvaluationContext, guard cleanupGuard: CleanupGuard, scope: CleanupScope = .narrowed) {
        let snapshot = context.snapshot
        func member(_ pid: Int32) -> Member? {
            guard let index = context.pidIndex[pid] else { return nil }
            let p = snapshot.processes[index]
            return Member(
                identity: p.identity, name: p.name, cmdline: p.cmdline, state: p.state,
                protected: cleanupGuard.reason(for: index, in: context), namespaceInit: p.nsInit == true)
        }
        /// The subtree below `pid`, children before parents. Zombies are left out: signals do
        /// nothing to them, and init reaps them once their parent has ended. A guarded process
        /// shields what is below it: a tree rooted at init, an ancestor of zscan or a protected
        /// server is that one protected member, not everything it started.
        func subtree(_ pid: Int32, seen: inout Set<Int32>) -> [Int32] {
            guard seen.insert(pid).inserted, let index = context.pidIndex[pid], !snapshot.processes[index].isZombie else { return [] }
            if cleanupGuard.reason(for: index, in: context) != nil { return [pid] }
            return snapshot.processes[index].children.flatMap { subtree($0, seen: &seen) } + [pid]
        }
        var planned: Set<Int32> = []
        var items: [Item] = []
        var skipped: [Item] = []
        for finding in findings where finding.rule.action != .none && scope.targets(finding) {
            let action = finding.rule.action
            var pids: [Int32] = []
            switch finding.subject {
            case let .process(p): pids = [p.pid]
            case let .socket(_, owners): pids = owners.map(\.pid)
            case let .pidfile(file, _):
                if action == .removeFile { items.append(Item(rule: finding.rule.id, action: action, members: [], parent: nil, pidfile: file)) }
                continue
            }
            for pid in pids where !planned.contains(pid) {
                if let index = context.pidIndex[pid], let why = scope.skipping(snapshot.processes[index], for: finding.rule) {
                    if !skipped.contains(where: { $0.members.first?.identity.pid == pid }), let m = member(pid) {
                        skipped.append(Item(rule: finding.rule.id, action: action, members: [m], parent: nil, pidfile: nil, skipped: why))
                    }
                    continue
                }
                switch action {
                case .terminate:
                    guard let m = member(pid) else { continue }
                    planned.insert(pid)
                    items.append(Item(rule: finding.rule.id, action: action, members: [m], parent: nil, pidfile: nil))
                case .terminateTree:
                    var seen: Set<Int32> = []
                    let tree = subtree(pid, seen: &seen).filter { !planned.contains($0) }
                    planned.formUnion(tree)
                    items.append(Item(rule: finding.rule.id, action: action, members: tree.compactMap(member), parent: nil, pidfile: nil))
                case .reap:
                    guard let zombie = member(pid), let index = context.pidIndex[pid] else { continue }
                    planned.insert(pid)
                    items.append(
                        Item(
                            rule: finding.rule.id, action: action, members: [zombie],
                            parent: member(snapshot.processes[index].ppid), pidfile: nil))
                case .none, .removeFile:
                    continue
                }
            }
        }
        // A process skipped for one finding is still ended for another whose rule was named.
        skipped.removeAll { $0.members.contains { planned.contains($0.identity.pid) } }
        // Reaping comes last: a zombie's parent may itself be ended by another item.
        self.items = items.filter { $0.action != .reap } + skipped + items.filter { $0.action == .reap }
    }
}

/// Which findings cleanup acts on, from what the user asked on this run (docs/cleanup.md).
public struct CleanupScope: Sendable, Equatable {
    /// The user narrowed the run (`--only`, `--pattern`, `--port` or `--where`): every finding is
    /// a target. Unnarrowed, only the findings `failOn` selects are: a bare `--cleanup` ends what
    /// fails the run (errors by default), and a warning needs a selection of its own.
    public var narrowed: Bool
    public var failOn: Selector
    /// The rule ids `--only` named: a process detached on purpose is a target only of these
    /// rules' findings (a tag or a severity does not name a rule).
    public var namedRules: Set<String>

    public init(narrowed: Bool, failOn: Selector = .defaultFailOn, namedRules: Set<String> = []) {
        self.narrowed = narrowed
        self.failOn = failOn
        self.namedRules = namedRules
    }

    /// Every finding given, no rule named.
    public static let narrowed = CleanupScope(narrowed: true)

    public func targets(_ finding: Finding) -> Bool {
        narrowed || failOn.selects(finding.rule)
    }

    /// Why `process` is left alone for a finding of `rule`, or nil when it may be a target.
    ///
    /// A leftover carrying the cookie of a CI job that is over is no exception to cleanup however
    /// it was detached: that job's runner would have ended it, `nohup` or not; only the runner's
    /// opt-out (which leaves it with no job) protects it.
    public func skipping(_ process: ProcessRecord, for rule: RuleSummary) -> String? {
        guard process.detached == true, !namedRules.contains(rule.id) else { return nil }
        if process.job == "other" && process.jobAlive != true { return nil }
        let signs = DetachedSign.signs(in: process.evidence)
        return "detached on purpose" + (signs.isEmpty ? "" : " (" + signs.joined(separator: "; ") + ")")
            + "; name its rule to end it: --only " + rule.id
    }

}
