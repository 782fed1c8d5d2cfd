/// Reads PID files for the `pidfile` rules and for provenance (the OS seam; ZScanLinux implements
/// it): every file `globs` match, and those found in `locations`, where PID files usually live,
/// searched within a budget of directory entries.
public protocol PidFileSource: Sendable {
    func read(globs: [String], locations: [String], snapshot: Snapshot) -> (pidfiles: [PidFileRecord], problems: [String])
}

/// One scan from start to result. A snapshot taken for the scan is read in passes
/// (`ScanPasses`): a survey of every process's `stat`, a CPU sample of only the processes a
/// sampling rule could match, then the other files of only the processes a rule could still match,
/// and a second look at the zombies. A `--from` snapshot is evaluated as it is. PID files are read
/// when a rule or provenance looks at them; what fails is what `--fail-on` selects.
public struct ScanPipeline {
    public var source: any SnapshotSource
    public var pidfileSource: (any PidFileSource)?
    /// Waits the sampling window, or the rest of the zombie grace (seconds); injected so Core stays
    /// free of OS calls.
    public var wait: (Double) -> Void
    /// The wall clock (seconds since the epoch) and a monotonic clock (seconds).
    public var now: () -> Double
    public var monotonic: () -> Double

    public init(
        source: any SnapshotSource, pidfileSource: (any PidFileSource)?, wait: @escaping (Double) -> Void,
        now: @escaping () -> Double, monotonic: @escaping () -> Double
    ) {
        self.source = source
        self.pidfileSource = pidfileSource
        self.wait = wait
        self.now = now
        self.monotonic = monotonic
    }

    public struct Request {
        /// What `zscan scan` and `zscan run` give `zombieGrace`.
        public static let scanZombieGrace = 0.05

        public var scanner: Scanner
        public var failOn: Selector
        public var sampleSeconds: Double
        public var pidfileGlobs: [String]
        /// Where PID files usually live (patterns searched within a budget), besides `pidfileGlobs`.
        public var pidfileLocations: [String]
        /// `--from`: evaluate this snapshot instead of taking one.
        public var from: (snapshot: Snapshot, name: String)?
        public var baseline: (snapshot: Snapshot, name: String)?
        /// Pids `zscan run` followed (its command's descendants): `tracked` is true for them.
        public var trackedPids: Set<Int32>
        public var filters: [String]
        /// Seconds a zombie must stay one to be reported. A parent that waits for its children reaps
        /// each within moments of its exit, so a zombie seen once may be gone the next instant: that
        /// is a process ending, not a zombie left behind (scripts/churn shows it). Zombies are read
        /// again once this long has passed since the survey, and those reaped meanwhile are dropped
        /// as vanished. 0 takes the moment as it is.
        public var zombieGrace: Double

        public init(
            scanner: Scanner, failOn: Selector = .defaultFailOn, sampleSeconds: Double = 1, pidfileGlobs: [String] = [],
            pidfileLocations: [String] = [], from: (snapshot: Snapshot, name: String)? = nil, baseline: (snapshot: Snapshot, name: String)? = nil,
            trackedPids: Set<Int32> = [], filters: [String] = [], zombieGrace: Double = 0
        ) {
            self.scanner = scanner
            self.failOn = failOn
            self.sampleSeconds = sampleSeconds
            self.pidfileGlobs = pidfileGlobs
            self.pidfileLocations = pidfileLocations
            self.from = from
            self.baseline = baseline
            self.trackedPids = trackedPids
            self.filters = filters
            self.zombieGrace = zombieGrace
        }
    }

    public func run(_ request: Request) throws(ScanError) -> ScanResult {
        try runKeepingContext(request).result
    }

    /// The result and the context it was evaluated in (cleanup plans from the same snapshot).
    public func runKeepingContext(_ request: Request) throws(ScanError) -> (result: ScanResult, context: EvaluationContext) {
        let startedAt = now()
        let start = monotonic()
        var passes: ScanPasses
        if let from = request.from {
            passes = ScanPasses(pipeline: self, request: request, snapshot: from.snapshot)
            if passes.needs.sampling {
                passes.errors.append("cpu and state_before are unknown in a saved snapshot (--from): rules using them did not fire")
            }
            passes.readPidfiles()
        } else {
            passes = try ScanPasses(surveying: self, request: request)
        }
        let (context, findings) = passes.finalEvaluation()
        let snapshot = context.snapshot
        if let problem = snapshot.userDatabaseError {
            passes.errors.insert("cannot read the user database (\(problem)): users are shown as uids", at: 0)
        }
        var result = ScanResult(
            host: snapshot.host, startedAt: startedAt, durationMs: ((monotonic() - start) * 1e5).rounded() / 100,
            scope: ScanScope(
                processes: snapshot.processes.count, sockets: snapshot.sockets.count, pidfiles: context.pidfiles.count,
                sampleSeconds: passes.sampleWindow, sampledProcesses: passes.sampledProcesses, fromFile: request.from?.name,
                baseline: request.baseline?.name, filters: request.filters, usersAsUids: snapshot.userDatabaseError != nil),
            rules: request.scanner.rules.map(\.summary), findings: findings, failing: findings.filter { request.failOn.selects($0.rule) },
            counters: snapshot.counters, errors: passes.errors)
        result.evaluationMs = (passes.evaluationSeconds * 1e5).rounded() / 100
        return (result, context)
    }
}
