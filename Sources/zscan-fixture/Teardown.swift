import Glibc

/// Remembers every process the fixture made and ends them, deepest level first.
final class Tracker {
    /// One process to end at teardown.
    struct Entry {
        let pid: pid_t
        /// 1 for the handle's own children, 2 for grandchildren, ...; higher levels end first.
        let level: Int
        /// A child of the handle: its pid cannot be reused before the handle reaps it.
        let direct: Bool
        /// Start time seen when the entry was recorded (for processes that are not direct children).
        let startTime: UInt64
        /// Stopped processes also get SIGCONT.
        var stopped: Bool
        var reaped = false
    }

    private(set) var entries: [Entry] = []
    /// Children of these processes are found (and ended) at teardown, after freezing the parent.
    private var sweepChildrenOf: [pid_t] = []

    /// Records a child of the handle.
    func addDirect(_ pid: pid_t, level: Int = 1, stopped: Bool = false) {
        entries.append(Entry(pid: pid, level: level, direct: true, startTime: 0, stopped: stopped))
    }

    /// Records a deeper descendant with its current start time; ignored if it is already gone.
    func addIndirect(_ pid: pid_t, level: Int) {
        guard let stat = ProcStat(pid: pid) else { return }
        entries.append(Entry(pid: pid, level: level, direct: false, startTime: stat.startTime, stopped: false))
    }

    /// Marks a direct child the handle has already reaped during setup.
    func markReaped(_ pid: pid_t) {
        for index in entries.indices where entries[index].pid == pid && entries[index].direct {
            entries[index].reaped = true
        }
    }

    /// At teardown, stop `pid` (a direct child) first and end the children it made, whose pids
    /// the handle never learned (used for the forker, which keeps making new ones).
    func sweepChildren(of pid: pid_t) {
        sweepChildrenOf.append(pid)
    }

    /// Ends everything: leaves first, by pid, verifying start times of non-children, then closes
    /// the lifeline so anything unknown exits by itself, and reaps whatever became our child.
    func teardown(lifeline: inout Lifeline) {
        // Descendants orphaned from now on come to us, so their zombies can be reaped here.
        Prctl.call(Prctl.setChildSubreaper, 1)
        freezeSweptParents()

        let levels = Set(entries.map(\.level)).sorted(by: >)
        for level in levels {
            let indices = entries.indices.filter { entries[$0].level == level && !entries[$0].reaped }
            var signalled: [Int] = []
            for index in indices where signal(entries[index]) { signalled.append(index) }
            waitUntilEnded(signalled)
        }

        lifeline.pipe.closeWrite()
        reapRemainingChildren(until: Deadline(secondsFromNow: 3))
    }

    /// SIGSTOPs each swept parent so it cannot fork more, then records its children one level deeper.
    private func freezeSweptParents() {
        for parent in sweepChildrenOf {
            guard let index = entries.firstIndex(where: { $0.pid == parent && $0.direct && !$0.reaped }) else { continue }
            kill(parent, SIGSTOP)
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(parent, &status, WUNTRACED) } while result < 0 && errno == EINTR
            if result == parent && !isStoppedStatus(status) {
                entries[index].reaped = true  // it had already exited; waitpid just reaped it
                continue
            }
            entries[index].stopped = true
            for child in ProcStat.children(of: parent) {
                entries.append(
                    Entry(
                        pid: child.pid, level: entries[index].level + 1, direct: false,
                        startTime: child.startTime, stopped: false))
            }
        }
    }

    /// Sends SIGKILL (plus SIGCONT to stopped ones). A non-child is only signalled while its
    /// /proc start time still matches, so a recycled pid is never hit. Returns whether it was signalled.
    private func signal(_ entry: Entry) -> Bool {
        if entry.direct {
            kill(entry.pid, SIGKILL)
            if entry.stopped { kill(entry.pid, SIGCONT) }
            return true
        }
        guard let stat = ProcStat(pid: entry.pid), stat.startTime == entry.startTime, !stat.isZombie else {
            return false
        }
        if entry.stopped || stat.isStopped { kill(entry.pid, SIGCONT) }
        kill(entry.pid, SIGKILL)
        return true
    }

    /// Reaps signalled children; waits (bounded) until signalled non-children are dead or zombies.
    private func waitUntilEnded(_ indices: [Int]) {
        for index in indices where entries[index].direct {
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(entries[index].pid, &status, 0) } while result < 0 && errno == EINTR
            entries[index].reaped = true
        }
        let deadline = Deadline(secondsFromNow: 2)
        var pending = indices.filter { !entries[$0].direct }
        while !pending.isEmpty && !deadline.hasPassed {
            pending.removeAll { index in
                guard let stat = ProcStat(pid: entries[index].pid) else { return true }
                return stat.startTime != entries[index].startTime || stat.isZombie
            }
            if !pending.isEmpty { sleepMillis(1) }
        }
    }

    /// Reaps children until none are left (ECHILD) or the deadline passes.
    private func reapRemainingChildren(until deadline: Deadline) {
        var status: Int32 = 0
        while true {
            let result = waitpid(-1, &status, WNOHANG)
            if result > 0 { continue }
            if result < 0 && errno == EINTR { continue }
            if result < 0 || deadline.hasPassed { return }  // ECHILD: nothing left
            sleepMillis(2)
        }
    }
}

/// WIFSTOPPED, which the Glibc module does not export as a function.
func isStoppedStatus(_ status: Int32) -> Bool {
    (status & 0xff) == 0x7f
}
