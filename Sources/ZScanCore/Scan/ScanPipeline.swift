/// Reads PID files for the `pidfile` rules and for provenance (the OS seam; ZScanLinux implements
/// it): every file `globs` match, and those found in `locations`, where PID files usually live,
/// searched within a budget of directory entries.
public protocol PidFileSource: Sendable {
    func read(globs: [String], locations: [String], snapshot: Snapshot) -> (pidfiles: [PidFileRecord], problems: [String])
}

/// One scan from start to result: collect (sampling first only when a rule needs `cpu` or
/// `state_before`), read PID files when a rule or provenance looks at them, evaluate, select what
/// fails.
public struct ScanPipeline {
    public var source: any SnapshotSource
    public var pidfileSource: (any PidFileSource)?
    /// Waits the sampling window (seconds); injected so Core stays free of OS calls.
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

        public init(
            scanner: Scanner, failOn: Selector = .defaultFailOn, sampleSeconds: Double = 1, pidfileGlobs: [String] = [],
            pidfileLocations: [String] = [], from: (snapshot: Snapshot, name: String)? = nil, baseline: (snapshot: Snapshot, name: String)? = nil,
            trackedPids: Set<Int32> = [], filters: [String] = []
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
        }
    }

    public func run(_ request: Request) throws(ScanError) -> ScanResult {
        try runKeepingContext(request).result
    }

    /// The result and the context it was evaluated in (cleanup plans from the same snapshot).
    public func runKeepingContext(_ request: Request) throws(ScanError) -> (result: ScanResult, context: EvaluationContext) {
        let startedAt = now()
        let start = monotonic()
        let needs = request.scanner.needs
        var errors: [String] = []
        var samples: [Int32: (cpu: Double, stateBefore: String)]? = nil
        var sampled: Double? = nil
        var snapshot: Snapshot
        if let from = request.from {
            snapshot = from.snapshot
            if needs.sampling { errors.append("cpu and state_before are unknown in a saved snapshot (--from): rules using them did not fire") }
        } else if needs.sampling && request.sampleSeconds > 0 {
            let first = try source.collect(what: [])
            let t0 = monotonic()
            wait(request.sampleSeconds)
            snapshot = try source.collect(what: needs.fields)
            let window = max(0.001, monotonic() - t0)
            sampled = (window * 100).rounded() / 100
            samples = ScanPipeline.samples(before: first, after: snapshot, window: window)
        } else {
            snapshot = try source.collect(what: needs.fields)
        }
        var pidfiles: [PidFileRecord] = []
        let readsPidfiles = needs.fields.contains(.provenance) || request.scanner.rules.contains { $0.condition.subject == .pidfile }
        if readsPidfiles, let pidfileSource, !request.pidfileGlobs.isEmpty || !request.pidfileLocations.isEmpty {
            let read = pidfileSource.read(globs: request.pidfileGlobs, locations: request.pidfileLocations, snapshot: snapshot)
            pidfiles = read.pidfiles
            errors += read.problems
        }
        // A live PID file naming a process is evidence that it was detached on purpose.
        if !pidfiles.isEmpty && needs.fields.contains(.provenance) { snapshot.deriveProvenance(pidfiles: pidfiles) }
        let evaluating = monotonic()
        // zscan's own ancestors (the shell or CI step running it) started after any baseline, but
        // they are what runs the check, not what it looks for: they are never `new`.
        let baseline = request.baseline.map {
            Set($0.snapshot.processes.map(\.identity)).union(snapshot.ancestors(of: snapshot.host.collectorPid).map(\.identity))
        }
        let context = EvaluationContext(
            snapshot: snapshot, pidfiles: pidfiles, baseline: baseline, samples: samples, trackedPids: request.trackedPids)
        let findings = request.scanner.findings(in: context)
        let failing = findings.filter { request.failOn.selects($0.rule) }
        let evaluationMs = ((monotonic() - evaluating) * 1e5).rounded() / 100
        var result = ScanResult(
            host: snapshot.host, startedAt: startedAt, durationMs: ((monotonic() - start) * 1e5).rounded() / 100,
            scope: ScanScope(
                processes: snapshot.processes.count, sockets: snapshot.sockets.count, pidfiles: pidfiles.count,
                sampleSeconds: sampled, fromFile: request.from?.name, baseline: request.baseline?.name, filters: request.filters),
            rules: request.scanner.rules.map(\.summary), findings: findings, failing: failing,
            counters: snapshot.counters, errors: errors)
        result.evaluationMs = evaluationMs
        return (result, context)
    }

    /// CPU percent (100 = one core busy) and the first state, for processes present in both reads
    /// with the same identity (a reused pid is a different process and gets no sample).
    static func samples(before: Snapshot, after: Snapshot, window: Double) -> [Int32: (cpu: Double, stateBefore: String)] {
        var first: [Int32: ProcessRecord] = [:]
        for process in before.processes { first[process.pid] = process }
        var out: [Int32: (cpu: Double, stateBefore: String)] = [:]
        for process in after.processes {
            guard let earlier = first[process.pid], earlier.startTicks == process.startTicks else { continue }
            let cpu = max(0, process.cpuTime - earlier.cpuTime) / window * 100
            out[process.pid] = ((cpu * 10).rounded() / 10, earlier.state)
        }
        return out
    }
}
