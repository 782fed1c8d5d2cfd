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
    }

    public var items: [Item]

    /// The plan for the findings whose rules have an action. A process is planned once, by the
    /// first finding that names it (a tree includes its members).
    public init(findings: [Finding], context: EvaluationContext, guard cleanupGuard: CleanupGuard) {
        let snapshot = context.snapshot
        func member(_ pid: Int32) -> Member? {
            guard let index = context.pidIndex[pid] else { return nil }
            let p = snapshot.processes[index]
            return Member(
                identity: p.identity, name: p.name, cmdline: p.cmdline, state: p.state,
                protected: cleanupGuard.reason(for: index, in: context))
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
        for finding in findings where finding.rule.action != .none {
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
        // Reaping comes last: a zombie's parent may itself be ended by another item.
        self.items = items.filter { $0.action != .reap } + items.filter { $0.action == .reap }
    }
}
