/// Fields that no single `/proc` file holds, derived once the whole table is read:
/// children, socket owners and ports, and the lineage facts (`reparented`, `session_alive`, `orphaned`).
extension Snapshot {
    /// Fills every derived field, from what `fields` says was read.
    public mutating func link() {
        // Collectors list pids in order; sorting a sorted table would copy it twice (2000
        // processes: ~1 MB at the scan's peak memory).
        if !processes.indices.dropFirst().allSatisfy({ processes[$0 - 1].pid < processes[$0].pid }) {
            processes.sort { $0.pid < $1.pid }
        }
        var index: [Int32: Int] = [:]
        index.reserveCapacity(processes.count)
        for (i, process) in processes.enumerated() { index[process.pid] = i }

        var children: [Int32: [Int32]] = [:]
        for process in processes where process.ppid != 0 {
            children[process.ppid, default: []].append(process.pid)
        }
        for i in processes.indices {
            processes[i].children = children[processes[i].pid] ?? []
        }

        if fields.contains(.fds) && fields.readsSockets { linkSockets(index: index) }

        for i in processes.indices {
            let process = processes[i]
            let parent = index[process.ppid].map { processes[$0] }
            processes[i].sessionAlive = Lineage.sessionAlive(of: process, leader: index[process.sid].map { processes[$0] })
            processes[i].reparented = Lineage.reparented(process, parent: parent)
            processes[i].orphaned = processes[i].reparented == true && processes[i].sessionAlive == false
        }
    }

    private mutating func linkSockets(index: [Int32: Int]) {
        var owners: [UInt64: [Int32]] = [:]
        for process in processes {
            for inode in process.socketInodes where inode != 0 {
                owners[inode, default: []].append(process.pid)
            }
        }
        let everyFdSeen = counters.fdsUnreadable == 0
        var socketsOf: [Int32: [Int]] = [:]
        for s in sockets.indices {
            let found = owners[sockets[s].inode] ?? []
            sockets[s].owners = found
            sockets[s].ownerKnown = !found.isEmpty || sockets[s].inode == 0 || everyFdSeen
            for pid in found { socketsOf[pid, default: []].append(s) }
        }
        for i in processes.indices where processes[i].fds != nil {
            var ports: Set<Int> = []
            var connections = 0
            for s in socketsOf[processes[i].pid] ?? [] {
                if sockets[s].isListening { ports.insert(sockets[s].localPort) } else { connections += 1 }
            }
            processes[i].ports = ports.sorted()
            processes[i].listening = !ports.isEmpty
            processes[i].connections = fields.contains(.sockets) ? connections : nil
        }
    }
}

/// How zscan decides that a process was adopted, and whether the session that started it survives.
///
/// The kernel records no "was reparented" flag (`/proc/PID/status` has none), so zscan uses the one
/// trace adoption leaves: a process's session. A child forked by its current parent is either in the
/// parent's session or leads its own (after `setsid`). A process whose session is neither was forked
/// by someone else and adopted by its parent: the namespace init or a child subreaper. This needs no
/// list of init programs and gets the container cases right: where PID 1 is the job's own shell, the
/// children it started share its session and are not called reparented; systemd's services lead their
/// own sessions and are not either. Session id 0 means the leader lives outside this PID namespace:
/// unknown, not gone.
public enum Lineage {
    public static func reparented(_ process: ProcessRecord, parent: ProcessRecord?) -> Bool? {
        if process.ppid == 0 || process.kernelThread { return false }
        guard let parent else { return nil }
        if process.sid == process.pid { return false }
        if process.sid == parent.sid { return false }
        if process.sid == 0 { return nil }
        return true
    }

    /// True while a process with pid == sid still leads that session and has not exited (a zombie
    /// leader is a shell that died and was not reaped yet).
    public static func sessionAlive(of process: ProcessRecord, leader: ProcessRecord?) -> Bool? {
        if process.sid == 0 { return nil }
        guard let leader, leader.sid == process.sid else { return false }
        return !leader.isZombie
    }
}
