/// What happened to one cleanup target, in every report format.
public enum ActionOutcome: String, Sendable, CaseIterable {
    /// Ended after SIGTERM, within the grace period.
    case terminated
    /// Ended only after SIGKILL.
    case killed
    /// Gone before zscan signalled it, or its pid now belongs to another program (never signalled).
    case alreadyGone = "already_gone"
    /// The kernel refused the signal (another user's process).
    case denied
    /// A guard forbids touching it (pid 1, a kernel thread, zscan or its ancestors, `protect`, …).
    case protected
    /// Still there after everything zscan may do (a process in D state, a zombie whose parent
    /// does not reap, a PID file that changed since the scan).
    case survived
    /// `--dry-run`: what would be done.
    case planned
    /// A zombie its parent reaped after SIGCHLD, or init after its parent ended.
    case reaped
    /// A stale PID file deleted.
    case removed
    /// Left alone on purpose and said why: a process detached on purpose (nohup, a daemon, a
    /// service, a CI opt-out) whose finding's rule the user did not name with `--only`, or a
    /// zombie of a namespace init, which nothing zscan may do reaps.
    case skipped

    /// Outcomes after which the finding no longer fails the run.
    public var resolves: Bool { [.terminated, .killed, .alreadyGone, .reaped, .removed].contains(self) }
}

/// One thing cleanup did (or would do) to one process or file, step by step.
public struct CleanupAction: Sendable, Equatable {
    public var rule: String
    public var action: RuleAction
    /// The process acted on; nil for a PID file.
    public var process: ProcessIdentity?
    public var name: String
    public var cmdline: String?
    public var path: String?
    /// `SIGTERM`, `SIGCONT`, `waited 0.2s`, `SIGKILL`, … in order.
    public var steps: [String]
    public var outcome: ActionOutcome
    /// Why, for protected, skipped, denied, survived and already_gone.
    public var reason: String?

    public init(
        rule: String, action: RuleAction, process: ProcessIdentity?, name: String, cmdline: String? = nil,
        path: String? = nil, steps: [String] = [], outcome: ActionOutcome, reason: String? = nil
    ) {
        self.rule = rule
        self.action = action
        self.process = process
        self.name = name
        self.cmdline = cmdline
        self.path = path
        self.steps = steps
        self.outcome = outcome
        self.reason = reason
    }
}

extension CleanupAction {
    /// What happened to `member` of a plan item.
    init(_ item: CleanupPlan.Item, _ member: CleanupPlan.Member, _ outcome: ActionOutcome, steps: [String] = [], reason: String? = nil) {
        self.init(
            rule: item.rule, action: item.action, process: member.identity, name: member.name, cmdline: member.cmdline,
            steps: steps, outcome: outcome, reason: reason)
    }
}
