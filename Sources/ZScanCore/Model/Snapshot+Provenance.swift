/// Where each adoption candidate came from: `adopted`, `detached`, `orphaned`, and the evidence
/// for each answer, from the facts the collector read for the candidates (`FieldSet.provenance`)
/// and the PID files the scan read. rules/README.md ("How zscan decides") is the user's version.
extension Snapshot {
    /// Works the provenance fields out again; run after the facts or the PID files change.
    public mutating func deriveProvenance(pidfiles: [PidFileRecord]) {
        deriveProvenance(pidfiles: pidfiles, index: pidIndex)
    }

    mutating func deriveProvenance(pidfiles: [PidFileRecord], index: [Int32: Int]) {
        var named: [Int32: String] = [:]
        for file in pidfiles where file.alive && !file.reused {
            if let pid = file.pid, named[pid] == nil { named[pid] = file.path }
        }
        let candidates = Set(Lineage.adoptionCandidates(in: processes, index: index))
        let readers = pipeHolders(of: candidates)
        let ownCgroup = index[host.collectorPid].flatMap { processes[$0].cgroup }
        for i in processes.indices {
            processes[i].pidfile = named[processes[i].pid]
            guard candidates.contains(i), let parent = index[processes[i].ppid].map({ processes[$0] }) else {
                processes[i].adopted = Lineage.movedSession(processes[i], parentSID: index[processes[i].ppid].map { processes[$0].sid })
                processes[i].detached = nil
                processes[i].orphaned = false
                processes[i].evidence = []
                continue
            }
            let leader = index[processes[i].sid].map { processes[$0] }
            var facts = Facts(process: processes[i], parent: parent, leader: leader, pipeReaders: readers, ownCgroup: ownCgroup)
            processes[i].adopted = facts.adopted()
            processes[i].detached = processes[i].adopted == true ? facts.detached() : nil
            processes[i].orphaned = processes[i].adopted == true && processes[i].detached == false
            processes[i].evidence = facts.evidence
        }
    }

    /// How many processes hold each pipe that a candidate's standard output or error is on.
    private func pipeHolders(of candidates: Set<Int>) -> [UInt64: Int] {
        var holders: [UInt64: Int] = [:]
        for i in candidates {
            for target in (processes[i].stdio ?? []).dropFirst() {
                if let inode = Facts.pipeInode(target) { holders[inode] = 0 }
            }
        }
        guard !holders.isEmpty else { return [:] }
        for process in processes {
            for inode in Set(process.pipeInodes) where holders[inode] != nil { holders[inode]! += 1 }
        }
        return holders
    }
}

/// The reasoning for one candidate; each answer appends its evidence.
private struct Facts {
    let process: ProcessRecord
    let parent: ProcessRecord
    let leader: ProcessRecord?
    let pipeReaders: [UInt64: Int]
    let ownCgroup: String?
    var evidence: [String] = []

    init(process: ProcessRecord, parent: ProcessRecord, leader: ProcessRecord?, pipeReaders: [UInt64: Int], ownCgroup: String?) {
        self.process = process
        self.parent = parent
        self.leader = leader
        self.pipeReaders = pipeReaders
        self.ownCgroup = ownCgroup
    }

    /// `init (1)` for the namespace's init (whatever program it runs), else `name (pid)`.
    private var parentName: String {
        parent.ppid == 0 ? "init (\(parent.pid))" : "\(parent.name) (\(parent.pid))"
    }

    mutating func adopted() -> Bool? {
        if Lineage.movedSession(process, parent: parent) == true {
            evidence.append("parent exited; now \(parentName)")
            if let leader, process.sessionAlive == true {
                evidence.append("session leader \(leader.name) (\(leader.pid)) still running")
            } else if process.sessionAlive == false {
                evidence.append("session leader (\(process.sid)) is gone")
            }
            return true
        }
        // Leads its own session under an adopter: a daemon unless something says its starter died.
        var signs: [String] = []
        for (fd, stream) in [(1, "stdout"), (2, "stderr")] {
            guard let target = process.stdio?.dropFirst(fd).first, let inode = Facts.pipeInode(target) else { continue }
            if pipeReaders[inode] == 1 { signs.append("\(stream) is a pipe nobody reads") }
        }
        if let unit = Facts.unit(of: process.cgroup) {
            if unit.hasPrefix("session-") && unit.hasSuffix(".scope") {
                signs.append("in login session \(unit), where init starts nothing")
            } else if unit.hasPrefix("app-") && unit.hasSuffix(".scope") {
                signs.append("in user app scope \(unit), where init starts nothing")
            }
        }
        // Two pipes that are one (`2>&1`) are one sign.
        if signs.count == 2 && signs[0].hasPrefix("stdout") && signs[1].hasPrefix("stderr") && process.stdio?[1] == process.stdio?[2] {
            signs = ["stdout and stderr are a pipe nobody reads"]
        }
        if signs.isEmpty {
            if process.stdio == nil && process.cgroup == nil { return nil }
            evidence.append("leads its own session under \(parentName), with no sign its starter died: a daemon")
            return false
        }
        evidence.append("leads its own session; parent is now \(parentName)")
        evidence += signs
        return true
    }

    /// Whether whoever started it meant it to outlive them; nil when nothing of it could be read.
    mutating func detached() -> Bool? {
        var signs: [String] = []
        if process.ignoresSighup == true { signs.append(DetachedSign.nohup.text()) }
        if process.cwd == "/", process.tty == nil, let stdio = process.stdio, stdio.count == 3,
            stdio.allSatisfy({ $0 == "/dev/null" || $0.isEmpty })
        {
            signs.append(DetachedSign.daemonConventions.text())
        }
        if let path = process.pidfile { signs.append(DetachedSign.pidfile.text(path)) }
        if let path = process.lockedFile { signs.append(DetachedSign.lock.text(path)) }
        if let unit = Facts.unit(of: process.cgroup), unit.hasSuffix(".service"), !unit.hasPrefix("user@"), process.cgroup != ownCgroup {
            signs.append(DetachedSign.service.text(unit))
        }
        if let optOut = process.ciOptOut { signs.append(DetachedSign.optOut.text("(\(optOut))")) }
        switch process.job {
        case "other":
            evidence.append("job cookie \(process.jobCookie ?? "?") is not this job's")
            if process.jobAlive == true { evidence.append("its job still runs: another process carries the same cookie") }
        case "same": evidence.append("carries this job's cookie \(process.jobCookie ?? "?")")
        case nil where process.ignoresSighup != nil: evidence.append("environment unreadable: job unknown")
        default: break
        }
        evidence += signs
        if signs.isEmpty && process.ignoresSighup == nil && process.stdio == nil { return nil }
        return !signs.isEmpty
    }

    /// The inode of `pipe:[123]`.
    static func pipeInode(_ target: String) -> UInt64? {
        guard target.hasPrefix("pipe:["), target.hasSuffix("]") else { return nil }
        return UInt64(target.dropFirst(6).dropLast())
    }

    /// The last component of a cgroup path: the systemd unit (or scope) it runs in.
    static func unit(of cgroup: String?) -> String? {
        guard let last = cgroup?.split(separator: "/").last else { return nil }
        return String(last)
    }
}

/// The evidence that a process was detached on purpose, worded once: `deriveProvenance` writes
/// these, and cleanup and `zscan explain` pick them out of a process's evidence.
public enum DetachedSign: String, CaseIterable, Sendable {
    case nohup = "ignores SIGHUP (nohup)"
    case daemonConventions = "daemon conventions: cwd /, stdio on /dev/null, no terminal"
    case pidfile = "named by live PID file"
    case lock = "holds a lock on"
    case service = "runs as systemd service"
    case optOut = "opted out of CI process cleanup"

    /// The sign, followed by what it is about (a path, a unit) when there is one.
    func text(_ detail: String? = nil) -> String {
        detail.map { rawValue + " " + $0 } ?? rawValue
    }

    /// The items of `evidence` that are detachment signs (the others say how it was adopted and
    /// which job it belongs to).
    public static func signs(in evidence: [String]) -> [String] {
        evidence.filter { item in allCases.contains { item.hasPrefix($0.rawValue) } }
    }
}
