/// A file as the kernel knows it: its device and inode. They stay the same while the file is
/// renamed or rewritten in place, and differ when another file (or a symbolic link) takes its name.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
