/// A process's identity everywhere in zscan: its pid plus its start time in clock ticks since boot
/// (field 22 of `/proc/PID/stat`), so a reused pid is never mistaken for the process it replaced.
public struct ProcessIdentity: Hashable, Sendable, CustomStringConvertible {
    public var pid: Int32
    public var startTicks: UInt64

    public init(pid: Int32, startTicks: UInt64) {
        self.pid = pid
        self.startTicks = startTicks
    }

    public var description: String { "\(pid)@\(startTicks)" }

    enum CodingKeys: String, CodingKey {
        case pid
        case startTicks = "start_ticks"
    }
}
