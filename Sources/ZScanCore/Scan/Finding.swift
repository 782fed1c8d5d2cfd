/// How bad a finding is; `--fail-on` selects by severity as well as by rule id and tag.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case info, warning, error

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What cleanup may do about a rule's findings (docs/cleanup.md); scanning never acts.
public enum RuleAction: String, Sendable, CaseIterable {
    case none, terminate, reap
    case terminateTree = "terminate_tree"
    case removeFile = "remove_file"
}

/// The facts about a rule that reports need (JUnit lists every enabled rule, findings or not).
public struct RuleSummary: Sendable, Equatable {
    public var id: String
    public var title: String
    public var severity: Severity
    public var tags: [String]
    /// `process`, `socket` or `pidfile`.
    public var subject: String
    public var action: RuleAction

    public init(id: String, title: String, severity: Severity, tags: [String], subject: String, action: RuleAction) {
        self.id = id
        self.title = title
        self.severity = severity
        self.tags = tags
        self.subject = subject
        self.action = action
    }
}

/// What a finding is about, with the records as they were in the snapshot.
public enum FindingSubject: Sendable, Equatable {
    case process(ProcessRecord)
    /// A socket and the processes holding it.
    case socket(SocketRecord, owners: [ProcessRecord])
    /// A PID file and the process its pid names now, if any.
    case pidfile(PidFileRecord, process: ProcessRecord?)

    public var kind: String {
        switch self {
        case .process: "process"
        case .socket: "socket"
        case .pidfile: "pidfile"
        }
    }
}

/// One rule matching one subject.
public struct Finding: Sendable, Equatable {
    public var rule: RuleSummary
    /// The rule's message with its `{placeholders}` filled in (untrusted text inside: escape on output).
    public var message: String
    public var hint: String?
    public var subject: FindingSubject
    /// Why zscan believes what the rule asked about the subject's processes (adopted, detached, job),
    /// one short sentence each; empty for rules that do not ask (untrusted text inside: escape on output).
    public var evidence: [String]

    public init(rule: RuleSummary, message: String, hint: String?, subject: FindingSubject, evidence: [String] = []) {
        self.rule = rule
        self.message = message
        self.hint = hint
        self.subject = subject
        self.evidence = evidence
    }
}

/// Everything a report needs about one scan.
public struct ScanResult: Sendable {
    public var host: HostInfo
    /// Wall-clock start of the scan, seconds since the epoch.
    public var startedAt: Double
    public var durationMs: Double
    /// The part of `durationMs` spent evaluating rules (the rest is collecting).
    public var evaluationMs: Double = 0
    public var scope: ScanScope
    /// The rules that ran (enabled and selected by --only/--skip), in report order.
    public var rules: [RuleSummary]
    public var findings: [Finding]
    /// The findings `--fail-on` selects: non-empty means exit status 1.
    public var failing: [Finding]
    public var counters: ScanCounters
    /// Problems that did not stop the scan (an unreadable PID file glob, a sample cut short).
    public var errors: [String]
    /// What `--cleanup` (or `--dry-run`) did, in order.
    public var actions: [CleanupAction] = []
    /// The actions are a `--dry-run` plan: nothing was signalled.
    public var dryRun = false

    public init(
        host: HostInfo, startedAt: Double, durationMs: Double, scope: ScanScope, rules: [RuleSummary],
        findings: [Finding], failing: [Finding], counters: ScanCounters = ScanCounters(), errors: [String] = []
    ) {
        self.host = host
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.scope = scope
        self.rules = rules
        self.findings = findings
        self.failing = failing
        self.counters = counters
        self.errors = errors
    }
}

/// What was looked at: how many of each subject, and where the data came from.
public struct ScanScope: Sendable, Equatable {
    public var processes: Int
    public var sockets: Int
    public var pidfiles: Int
    /// The CPU sampling window in seconds, when some process was sampled.
    public var sampleSeconds: Double?
    /// How many processes a sampling rule could match and so were sampled; nil when no sampling
    /// rule ran (none enabled, or a `--from` snapshot).
    public var sampledProcesses: Int?
    /// `--from FILE`: the snapshot was loaded, not taken.
    public var fromFile: String?
    /// `--baseline FILE`.
    public var baseline: String?
    /// `--pattern`, `--port`, `--where` narrowing, as given.
    public var filters: [String]
    /// The user database could not be read (`Snapshot.userDatabaseError`): users are known by uid only.
    public var usersAsUids: Bool

    public init(
        processes: Int, sockets: Int, pidfiles: Int = 0, sampleSeconds: Double? = nil, sampledProcesses: Int? = nil, fromFile: String? = nil,
        baseline: String? = nil, filters: [String] = [], usersAsUids: Bool = false
    ) {
        self.processes = processes
        self.sockets = sockets
        self.pidfiles = pidfiles
        self.sampleSeconds = sampleSeconds
        self.sampledProcesses = sampledProcesses
        self.fromFile = fromFile
        self.baseline = baseline
        self.filters = filters
        self.usersAsUids = usersAsUids
    }
}
