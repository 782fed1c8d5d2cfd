/// A PID file found where PID files live or named by `--pidfiles`, and what its pid refers to now.
public struct PidFileRecord: Sendable, Equatable {
    public var path: String
    /// The pid written in the file; nil when it holds no number.
    public var pid: Int32?
    public var exists: Bool
    /// The pid names a live process.
    public var alive: Bool
    /// The pid is alive but runs a different program than the one that wrote the file (its start
    /// time is after the file's modification time, or its executable differs from the expected one).
    public var reused: Bool
    /// Seconds since the file was last modified.
    public var age: Double
    /// Someone holds a lock (flock/fcntl) on the file.
    public var locked: Bool?
    /// The file that was read and the directory it was read in: `remove_file` deletes the name
    /// only while both are still these. Nil for a file not read from disk (a rule example).
    public var identity: FileIdentity?
    public var directory: FileIdentity?

    public init(
        path: String, pid: Int32?, exists: Bool = true, alive: Bool, reused: Bool = false, age: Double = 0, locked: Bool? = nil,
        identity: FileIdentity? = nil, directory: FileIdentity? = nil
    ) {
        self.path = path
        self.pid = pid
        self.exists = exists
        self.alive = alive
        self.reused = reused
        self.age = age
        self.locked = locked
        self.identity = identity
        self.directory = directory
    }
}
