/// Signals cleanup sends, by name (each OS maps them to its numbers).
public enum ProcessSignal: String, Sendable {
    case term = "SIGTERM", kill = "SIGKILL", cont = "SIGCONT", stop = "SIGSTOP", chld = "SIGCHLD"
}

/// A hold on exactly one process (a pidfd on Linux), taken while its identity still matched.
public struct ProcessHandle: Sendable, Hashable {
    public let identity: ProcessIdentity
    public let token: Int32

    public init(identity: ProcessIdentity, token: Int32) {
        self.identity = identity
        self.token = token
    }
}

public enum AttachResult: Sendable, Equatable {
    case attached(ProcessHandle)
    /// The process exited.
    case gone
    /// The pid now belongs to another process (a different start time): never signal it.
    case reused
    case denied
}

public enum SendResult: Sendable, Equatable { case sent, gone, denied }

public enum FileRemoval: Sendable, Equatable {
    case removed
    /// The file no longer holds the pid the scan read.
    case changed
    /// Another file (or a link) has taken its name since the scan.
    case fileReplaced
    /// The path now leads to another directory than the one the file was read in.
    case directoryReplaced
    case gone
    case failed(String)
}

/// The OS side of cleanup (ZScanLinux implements it with pidfds). Every signal goes through a
/// handle, so a pid reused between scan and cleanup is never signalled.
public protocol ProcessControl: Sendable {
    func attach(_ identity: ProcessIdentity) -> AttachResult
    func send(_ signal: ProcessSignal, to handle: ProcessHandle) -> SendResult
    /// Waits until every process has exited or `seconds` pass; returns the identities that exited.
    /// With no handles it simply waits `seconds`.
    func waitForExit(_ handles: [ProcessHandle], seconds: Double) -> Set<ProcessIdentity>
    func release(_ handle: ProcessHandle)
    /// Processes alive now whose parent is one of `parents` or whose process group is one of
    /// `groups`, read afresh. A parent whose pid now belongs to another process (a different start
    /// time) has no children here. (A group id stays allocated while any member lives, so a group
    /// cannot be another program's until it is empty.)
    func children(of parents: Set<ProcessIdentity>, groups: Set<Int32>) -> [ProcessRecord]
    /// The state letter now, or nil when the process is gone or its pid was reused.
    func state(of identity: ProcessIdentity) -> String?
    /// Deletes a PID file only if its directory and the file in it are still the ones the scan read
    /// (`identity`, `directory`) and it still names the pid read: a file or directory swapped in
    /// since the scan is left alone.
    func removeFile(_ file: PidFileRecord) -> FileRemoval
}

extension ProcessControl {
    /// Processes alive now whose parent is one of `parents`.
    public func children(of parents: Set<ProcessIdentity>) -> [ProcessRecord] { children(of: parents, groups: []) }
}
