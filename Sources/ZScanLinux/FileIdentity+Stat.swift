import Glibc
import ZScanCore

extension FileIdentity {
    /// The identity of the file `stat` described.
    init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
