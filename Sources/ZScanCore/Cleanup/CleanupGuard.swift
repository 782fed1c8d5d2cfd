/// The processes cleanup must never touch, whatever the rules and flags say: pid 1 and the
/// namespace init, kernel threads, zscan itself and every ancestor of it, what the config protects
/// or allows, and other users' processes unless `--all-users`.
public struct CleanupGuard: Sendable {
    public let selfPid: Int32
    /// zscan's parent, grandparent, … up to the namespace init, from the snapshot.
    public let ancestors: Set<Int32>
    public let initPid: Int32
    /// zscan's own process group and session: never followed as a tree's group.
    public let ownGroups: Set<Int32>
    public let protect: [CompiledCondition]
    /// Only this uid's processes may be touched (root's too, when root runs zscan); nil with
    /// `--all-users`.
    public let onlyUID: UInt32?

    public init(snapshot: Snapshot, protect: [CompiledCondition], onlyUID: UInt32?) {
        selfPid = snapshot.host.collectorPid
        initPid = snapshot.host.initPid ?? 1
        ancestors = Set(snapshot.ancestors(of: selfPid).map(\.pid))
        ownGroups = Set(snapshot.process(pid: selfPid).map { [$0.pgid, $0.sid] } ?? [])
        self.protect = protect
        self.onlyUID = onlyUID
    }

    /// Whether cleanup may look for a tree's escaped members in the process group `pgid` (led by a
    /// member of the tree): never zscan's own group or session, init's, or an ancestor's.
    public func mayFollow(group pgid: Int32) -> Bool {
        pgid > 1 && pgid != initPid && pgid != selfPid && !ownGroups.contains(pgid) && !ancestors.contains(pgid)
    }

    /// Why this process must not be touched, or nil when it may be.
    public func reason(for index: Int, in context: EvaluationContext) -> String? {
        let process = context.snapshot.processes[index]
        if process.pid <= 1 || process.pid == initPid { return "pid \(process.pid) is the namespace init" }
        if process.kernelThread { return "a kernel thread" }
        if process.pid == selfPid { return "zscan itself" }
        if ancestors.contains(process.pid) { return "an ancestor of zscan" }
        if protect.contains(where: { context.matches($0, .process(index)) }) { return "protected by the config" }
        if let onlyUID, process.uid != onlyUID {
            return process.uid == nil ? "owner unknown (use --all-users)" : "another user's process (use --all-users)"
        }
        return nil
    }
}
