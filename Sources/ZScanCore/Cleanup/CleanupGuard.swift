/// The processes cleanup must never touch, whatever the rules and flags say: pid 1 and the init of
/// any PID namespace, processes in a PID namespace other than zscan's unless `--container` names
/// their container, kernel threads, zscan itself and every ancestor of it, what the config protects
/// or allows, and other users' processes unless `--all-users` (docs/cleanup.md).
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
    /// zscan's own PID namespace; nil when unreadable (then no process's namespace can be compared).
    public let pidNamespace: UInt64?
    /// What `--container` named: the one container whose PID namespace cleanup may act in.
    public let container: ContainerSelection?
    let host: HostInfo

    public init(snapshot: Snapshot, protect: [CompiledCondition], onlyUID: UInt32?, container: ContainerSelection? = nil) {
        selfPid = snapshot.host.collectorPid
        initPid = snapshot.host.initPid ?? 1
        ancestors = Set(snapshot.ancestors(of: selfPid).map(\.pid))
        ownGroups = Set(snapshot.process(pid: selfPid).map { [$0.pgid, $0.sid] } ?? [])
        self.protect = protect
        self.onlyUID = onlyUID
        pidNamespace = snapshot.host.pidNamespace
        self.container = container
        host = snapshot.host
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
        if let why = namespaceReason(process) { return why }
        if process.pid == selfPid { return "zscan itself" }
        if ancestors.contains(process.pid) { return "an ancestor of zscan" }
        if protect.contains(where: { context.matches($0, .process(index)) }) { return "protected by the config" }
        if let onlyUID, process.uid != onlyUID {
            return process.uid == nil ? "owner unknown (use --all-users)" : "another user's process (use --all-users)"
        }
        return nil
    }

    /// Ending a namespace's init ends every process in it (the kernel kills them: pid_namespaces(7)),
    /// so no init is ever a target. Another PID namespace is a container or sandbox: cleanup acts
    /// there only in the container `--container` names. A process whose namespace cannot be read is
    /// left alone when zscan's own is known; a zombie is never signalled (its parent is judged).
    func namespaceReason(_ process: ProcessRecord) -> String? {
        let place = process.container.map { "container \($0.label)" }
        if process.nsInit == true {
            return "the init of its PID namespace: ending it ends every process in " + (place ?? "that namespace")
        }
        guard let own = pidNamespace else { return nil }
        let elsewhere: String
        if let namespace = process.pidNs {
            if namespace == own { return nil }
            elsewhere = place ?? "pid_ns \(namespace)"
        } else if let inner = process.nsPid, inner != process.pid {
            // The last `NSpid` is the pid inside its own namespace: another number means another one.
            elsewhere = place ?? "its pid there is \(inner)"
        } else {
            return process.isZombie ? nil : "its PID namespace could not be read"
        }
        if let container, container != .host, container.contains(process, host: host) { return nil }
        return "in another PID namespace (\(elsewhere)); name its container with --container to act there"
    }
}
