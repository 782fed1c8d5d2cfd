@testable import ZScanCore

/// A system held in memory that reads in passes as `LinuxSnapshotSource` does: `survey` gives
/// every process's `stat` (and descriptors and sockets when asked), `complete` copies the groups a
/// plan names from the full records, `reread` gives each process's `stat` at the second reading.
/// It notes every group it read for every process, and `collect` reads everything at once, so a
/// scan over it in passes can be compared with one over a single full read.
final class FakeSnapshotSource: SnapshotSource, @unchecked Sendable {  // one test's thread only
    let host: HostInfo
    /// Every process with every fact a full read would find (unlinked: derived fields are worked out).
    let processes: [ProcessRecord]
    let sockets: [SocketRecord]
    /// The second reading of a process when it differs from its first (`state`, CPU time).
    var later: [Int32: ProcessSample] = [:]
    /// Processes gone (or reaped) by the second reading.
    var goneLater: Set<Int32> = []
    /// Called when the survey is done (a test's clock moves on by the survey's duration).
    var onSurvey: () -> Void = {}

    private(set) var reads: [(pid: Int32, groups: FieldSet)] = []
    private(set) var rereads: [[ProcessIdentity]] = []

    init(host: HostInfo = HostInfo(collectorPid: 9999), processes: [ProcessRecord], sockets: [SocketRecord] = []) {
        self.host = host
        self.processes = processes.sorted { $0.pid < $1.pid }
        self.sockets = sockets
    }

    /// The pids that had `group` read after the survey.
    func completed(_ group: FieldSet) -> Set<Int32> {
        Set(reads.filter { $0.groups.contains(group) }.map(\.pid))
    }

    func collect(what fields: FieldSet) throws(ScanError) -> Snapshot {
        snapshot(fields.normalized, reading: fields.normalized)
    }

    func survey(what fields: FieldSet) throws(ScanError) -> Snapshot {
        defer { onSurvey() }
        return snapshot(fields.normalized, reading: fields.surveyed)
    }

    func complete(_ snapshot: inout Snapshot, plan: ReadPlan) {
        let candidates = Set(Lineage.adoptionCandidates(in: snapshot).map { snapshot.processes[$0].pid })
        let full = Dictionary(uniqueKeysWithValues: processes.map { ($0.pid, $0) })
        for i in snapshot.processes.indices {
            let pid = snapshot.processes[i].pid
            guard let groups = plan[pid], let source = full[pid] else { continue }
            var new = groups.normalized.intersection(.perProcess).subtracting(snapshot.processes[i].read)
            // As LinuxSnapshotSource does: the facts provenance rests on include cwd and cgroup
            // when the scan reads them at all.
            if new.contains(.provenance) { new.formUnion(snapshot.fields.intersection([.cwd, .cgroup]).subtracting(snapshot.processes[i].read)) }
            reads.append((pid, new))
            Self.copy(new, from: source, to: &snapshot.processes[i], candidate: candidates.contains(pid), fields: snapshot.fields)
            snapshot.processes[i].read.formUnion(new)
            // As ProvenanceReader does: zscan's own cgroup, which a `*.service` unit is judged against.
            if new.contains(.provenance), let own = snapshot.pidIndex[host.collectorPid], snapshot.processes[own].cgroup == nil {
                snapshot.processes[own].cgroup = full[host.collectorPid]?.cgroup
            }
        }
        snapshot.link()
    }

    func reread(_ identities: [ProcessIdentity]) -> [ProcessIdentity: ProcessSample] {
        rereads.append(identities)
        var out: [ProcessIdentity: ProcessSample] = [:]
        for identity in identities where !goneLater.contains(identity.pid) {
            guard let p = processes.first(where: { $0.identity == identity }) else { continue }
            out[identity] = later[p.pid] ?? ProcessSample(state: p.state, cpuTime: p.cpuTime)
        }
        return out
    }

    /// Every process with the groups `reading` names and its `stat`, linked.
    private func snapshot(_ fields: FieldSet, reading: FieldSet) -> Snapshot {
        let kept = reading.intersection(.perProcess)
        var snapshot = Snapshot(
            host: host, fields: fields, processes: processes.map(Self.statOnly), sockets: fields.readsSockets ? tables(fields) : [])
        let candidates = Set(Lineage.adoptionCandidates(in: snapshot).map { snapshot.processes[$0].pid })
        for i in snapshot.processes.indices {
            let pid = snapshot.processes[i].pid
            Self.copy(kept, from: processes[i], to: &snapshot.processes[i], candidate: candidates.contains(pid), fields: fields)
            snapshot.processes[i].read = kept
        }
        if kept.contains(.provenance), let own = snapshot.pidIndex[host.collectorPid], snapshot.processes[own].cgroup == nil {
            snapshot.processes[own].cgroup = processes[own].cgroup
        }
        snapshot.link()
        return snapshot
    }

    private func tables(_ fields: FieldSet) -> [SocketRecord] {
        fields.contains(.sockets) ? sockets : sockets.filter(\.isListening)
    }

    /// What a survey reads of every process: `/proc/PID/stat`.
    static func statOnly(_ p: ProcessRecord) -> ProcessRecord {
        ProcessRecord(
            pid: p.pid, ppid: p.ppid, pgid: p.pgid, sid: p.sid, tty: p.tty, state: p.state, name: p.name, startTicks: p.startTicks,
            startedAt: p.startedAt, age: p.age, cpuTime: p.cpuTime, rss: p.rss, threads: p.threads, kernelThread: p.kernelThread)
    }

    /// Copies the facts of `groups` from a full record, as the reader of each group would find them:
    /// provenance facts (and `cwd`/`cgroup` when the scan does not read them anyway) exist only for
    /// adoption candidates.
    static func copy(_ groups: FieldSet, from s: ProcessRecord, to p: inout ProcessRecord, candidate: Bool, fields: FieldSet) {
        if groups.contains(.status) { (p.uid, p.user) = (s.uid, s.user) }
        if groups.contains(.cmdline) { p.cmdline = s.cmdline }
        if groups.contains(.args) { p.args = s.args }
        if groups.contains(.exe) { p.exe = s.exe }
        if groups.contains(.cwd) { p.cwd = s.cwd }
        if groups.contains(.cgroup) { p.cgroup = s.cgroup }
        if groups.contains(.fds) { (p.fds, p.socketInodes, p.pipeInodes) = (s.fds, s.socketInodes, s.pipeInodes) }
        if groups.contains(.env) { p.env = s.env }
        if groups.contains(.namespace) { (p.pidNs, p.nsPid, p.nsInit) = (s.pidNs, s.nsPid, s.nsInit) }
        if groups.isSuperset(of: [.cgroup, .namespace]) { p.container = s.container }
        if groups.contains(.provenance) && candidate {
            (p.ignoresSighup, p.stdio, p.lockedFile) = (s.ignoresSighup, s.stdio, s.lockedFile)
            (p.job, p.jobCookie, p.jobAlive, p.ciOptOut) = (s.job, s.jobCookie, s.jobAlive, s.ciOptOut)
            if !fields.contains(.cwd) { p.cwd = s.cwd }
            if !fields.contains(.cgroup) { p.cgroup = s.cgroup }
        }
    }
}

/// Only `collect` of a source: every scan over it reads everything at once (the defaults of
/// `survey`, `complete` and `reread`), as zscan did before it read in passes.
struct FullReadSource: SnapshotSource {
    let source: FakeSnapshotSource

    func collect(what fields: FieldSet) throws(ScanError) -> Snapshot {
        try source.collect(what: fields)
    }

    func reread(_ identities: [ProcessIdentity]) -> [ProcessIdentity: ProcessSample] {
        source.reread(identities)
    }
}

/// A monotonic clock that moves only when told: by `wait`, and by what a test adds.
final class FakeClock: @unchecked Sendable {
    var now: Double = 1000
    private(set) var waits: [Double] = []

    func wait(_ seconds: Double) {
        waits.append(seconds)
        now += seconds
    }
}
