/// How zscan decides that a process was adopted: its starter exited and the namespace init or a
/// child subreaper took it.
///
/// The kernel records no "was reparented" flag (`/proc/PID/status` has none), so zscan reads the
/// traces adoption leaves. The first is a process's session: a child forked by its current parent
/// is either in the parent's session or leads its own (after `setsid`). A process whose session is
/// neither was forked by someone else and adopted: whether that session's leader still lives does
/// not matter (a script run from a live terminal leaves its server in the terminal's session).
/// This needs no list of init programs and gets the container cases right: where PID 1 is the
/// job's own shell, the children it started share its session and were not adopted.
///
/// A process that leads its own session under an adopter is either a daemon that init (or a
/// service manager) started, or a server a test harness started with `setsid` before it died. Only
/// evidence tells them apart (`Snapshot.deriveProvenance`): such processes are the candidates whose
/// provenance facts are read. Session id 0 means the leader lives outside this PID namespace:
/// unknown, not gone.
public enum Lineage {
    /// True when the process's session is neither its own nor its parent's: it was forked in
    /// another session and adopted. Nil when the parent is not visible or the session is unknown.
    public static func movedSession(_ process: ProcessRecord, parent: ProcessRecord?) -> Bool? {
        movedSession(process, parentSID: parent?.sid)
    }

    /// The same from the parent's session alone (nil: the parent is not visible), so that a walk
    /// over the table copies no parent record.
    static func movedSession(_ process: borrowing ProcessRecord, parentSID: Int32?) -> Bool? {
        if process.ppid == 0 || process.kernelThread { return false }
        guard let parentSID else { return nil }
        if process.sid == process.pid { return false }
        if process.sid == parentSID { return false }
        if process.sid == 0 { return nil }
        return true
    }

    /// True while a process with pid == sid still leads that session and has not exited (a zombie
    /// leader is a shell that died and was not reaped yet).
    public static func sessionAlive(of process: ProcessRecord, leader: ProcessRecord?) -> Bool? {
        sessionAlive(sid: process.sid, leaderSID: leader?.sid, leaderIsZombie: leader?.isZombie ?? false)
    }

    /// The same from the fields it reads (`leaderSID` nil: no process with pid == sid is visible).
    static func sessionAlive(sid: Int32, leaderSID: Int32?, leaderIsZombie: Bool) -> Bool? {
        if sid == 0 { return nil }
        guard leaderSID == sid else { return false }
        return !leaderIsZombie
    }

    /// The processes that take in orphans, as far as a snapshot shows: the namespace's init (its
    /// parent is outside the namespace: ppid 0), systemd (a user manager is a child subreaper), and
    /// any process already seen holding a child from another session.
    public static func adopters(in processes: [ProcessRecord], index: [Int32: Int]) -> Set<Int32> {
        var adopters: Set<Int32> = []
        for i in processes.indices where !processes[i].kernelThread {
            if processes[i].ppid == 0 || processes[i].name == "systemd" { adopters.insert(processes[i].pid) }
            let parentSID = index[processes[i].ppid].map { processes[$0].sid }
            if movedSession(processes[i], parentSID: parentSID) == true { adopters.insert(processes[i].ppid) }
        }
        return adopters
    }

    /// Indices of the processes whose provenance is worth reading: adopted by their session
    /// (`movedSession`), or leading their own session under an adopter. Zombies and kernel threads
    /// are never candidates: nothing of them is left to read, and no orphan rule asks about them.
    public static func adoptionCandidates(in processes: [ProcessRecord], index: [Int32: Int]) -> [Int] {
        let adopters = adopters(in: processes, index: index)
        return processes.indices.filter { i in
            guard !processes[i].isZombie, !processes[i].kernelThread, processes[i].ppid != 0,
                let parentSID = index[processes[i].ppid].map({ processes[$0].sid })
            else { return false }
            if movedSession(processes[i], parentSID: parentSID) == true { return true }
            return processes[i].sid == processes[i].pid && adopters.contains(processes[i].ppid)
        }
    }

    /// The same, for a snapshot whose table is in pid order.
    public static func adoptionCandidates(in snapshot: Snapshot) -> [Int] {
        adoptionCandidates(in: snapshot.processes, index: snapshot.pidIndex)
    }
}
