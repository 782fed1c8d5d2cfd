import ZScanCore
import ZScanLinux

/// `--cleanup` / `--dry-run` after a scan: plan from the findings the scope lets it act on, act
/// through pidfds, then say which findings no longer fail the run and whether named ports are free.
enum CleanupRun {
    static func perform(
        result: ScanResult, context: EvaluationContext, scope: CleanupScope, protect: [CompiledCondition],
        container: ContainerSelection? = nil, onlyUID: UInt32?,
        grace: Double, dryRun: Bool, ports: [Int], procRoot: String, progress: Progress
    ) -> (result: ScanResult, portsStillHeld: Bool) {
        var result = result
        var held: [String] = []
        let cleanupGuard = CleanupGuard(snapshot: context.snapshot, protect: protect, onlyUID: onlyUID, container: container)
        let plan = CleanupPlan(findings: result.findings, context: context, guard: cleanupGuard, scope: scope)
        if !dryRun { progress.show("cleaning up", fraction: 0) }
        let executor = CleanupExecutor(
            control: PidfdControl(procRoot: procRoot), cleanupGuard: cleanupGuard, context: context, grace: grace, dryRun: dryRun)
        result.actions = executor.run(plan)
        result.dryRun = dryRun
        if !dryRun {
            progress.clear()
            result.failing = stillFailing(result.failing, after: result.actions)
            held = stillHeld(ports: ports, procRoot: procRoot)
            result.errors += held
        }
        return (result, !held.isEmpty)
    }

    /// The findings that still fail the run after `actions`: a finding whose targets all ended (a
    /// socket's every owner, a PID file removed) no longer fails it; one that survived still does.
    static func stillFailing(_ failing: [Finding], after actions: [CleanupAction]) -> [Finding] {
        var ended: Set<ProcessIdentity> = []
        var removed: Set<String> = []
        for action in actions where action.outcome.resolves {
            if let identity = action.process { ended.insert(identity) }
            if let path = action.path { removed.insert(path) }
        }
        return failing.filter { finding in
            switch finding.subject {
            case let .process(p): return !ended.contains(p.identity)
            case let .socket(_, owners): return owners.isEmpty || !owners.allSatisfy { ended.contains($0.identity) }
            case let .pidfile(file, _): return !removed.contains(file.path)
            }
        }
    }

    /// Named ports still listening after cleanup, checked a few times (a dying process may hold
    /// its socket for a moment).
    static func stillHeld(ports: [Int], procRoot: String) -> [String] {
        guard !ports.isEmpty else { return [] }
        var held: [String] = []
        for attempt in 0..<5 {
            if attempt > 0 { Clock.sleep(0.2) }
            guard let snapshot = try? LinuxSnapshotSource(procRoot: procRoot).collect(what: [.cmdline, .fds, .listeners]) else { return [] }
            let report = PortsReport(snapshot: snapshot, requested: ports)
            held = report.entries.map { entry in
                let owners = entry.owners.map { "\($0.name) (\($0.pid))" }.joined(separator: ", ")
                return "port \(entry.socket.localPort) is still held" + (owners.isEmpty ? "" : " by \(owners)")
            }
            if held.isEmpty { return [] }
        }
        return held
    }
}
