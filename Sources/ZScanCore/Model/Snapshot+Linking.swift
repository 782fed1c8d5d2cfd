/// Fields that no single `/proc` file holds, derived once the whole table is read:
/// children, socket owners and ports, and the lineage facts (`session_alive`, `adopted`, and from
/// them `detached`, `orphaned` and `evidence`: `Snapshot.deriveProvenance`).
extension Snapshot {
    /// Fills every derived field, from what `fields` says was read.
    public mutating func link() {
        // Collectors list pids in order; sorting a sorted table would copy it twice (2000
        // processes: ~1 MB at the scan's peak memory).
        if !processes.indices.dropFirst().allSatisfy({ processes[$0 - 1].pid < processes[$0].pid }) {
            processes.sort { $0.pid < $1.pid }
        }
        let index = pidIndex

        var children: [Int32: [Int32]] = [:]
        for i in processes.indices where processes[i].ppid != 0 {
            children[processes[i].ppid, default: []].append(processes[i].pid)
        }
        for i in processes.indices {
            processes[i].children = children[processes[i].pid] ?? []
        }

        if fields.contains(.fds) && fields.readsSockets { linkSockets(index: index) }

        for i in processes.indices {
            let leader = index[processes[i].sid]
            processes[i].sessionAlive = Lineage.sessionAlive(
                sid: processes[i].sid, leaderSID: leader.map { processes[$0].sid }, leaderIsZombie: leader.map { processes[$0].isZombie } ?? false)
        }
        deriveProvenance(pidfiles: [], index: index)
    }

    private mutating func linkSockets(index: [Int32: Int]) {
        var owners: [UInt64: [Int32]] = [:]
        for i in processes.indices {
            for inode in processes[i].socketInodes where inode != 0 {
                owners[inode, default: []].append(processes[i].pid)
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
