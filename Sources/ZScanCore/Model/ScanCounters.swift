/// What a snapshot could not see, counted instead of failing: races and permissions are normal.
public struct ScanCounters: Sendable, Equatable {
    /// Processes listed in `/proc` that exited before they were read, and so were dropped.
    public var vanished: Int
    /// Fields left null because the kernel refused to show them (EACCES/EPERM).
    public var denied: Int
    /// Processes whose descriptors could not be listed, so socket owners may be missing.
    public var fdsUnreadable: Int

    public init(vanished: Int = 0, denied: Int = 0, fdsUnreadable: Int = 0) {
        self.vanished = vanished
        self.denied = denied
        self.fdsUnreadable = fdsUnreadable
    }

    public mutating func add(_ other: ScanCounters) {
        vanished += other.vanished
        denied += other.denied
        fdsUnreadable += other.fdsUnreadable
    }

    enum CodingKeys: String, CodingKey {
        case vanished, denied
        case fdsUnreadable = "fds_unreadable"
    }
}
