import CZScanSys
import Glibc
import ZScanCore

/// A PID file's place: the directory that holds it and its name there. A PID file is opened and
/// removed through its directory's descriptor, with only the last name looked up under
/// `O_NOFOLLOW`, so what is checked (the directory's and the file's device and inode) is what is
/// acted on.
struct PidFilePlace {
    /// The path as shown (invalid UTF-8 repaired).
    var path: String
    /// NUL-terminated; `.` for a path without a slash.
    var directory: [CChar]
    /// NUL-terminated; `.` for a path ending in a slash (so it reads as a directory).
    var name: [CChar]
    /// What a relative path is relative to: `AT_FDCWD`, or a directory a test chose.
    var base: Int32

    /// Splits `bytes` (a path without its NUL) at its last slash.
    init(_ bytes: some Collection<UInt8>, base: Int32 = AT_FDCWD) {
        let bytes = Array(bytes)
        path = String(decoding: bytes, as: UTF8.self)
        self.base = base
        func cString(_ part: ArraySlice<UInt8>) -> [CChar] { part.map { CChar(bitPattern: $0) } + [0] }
        guard let slash = bytes.lastIndex(of: 0x2F) else {
            directory = cString([0x2E])
            name = cString(bytes[...])
            return
        }
        directory = cString(slash == 0 ? [0x2F] : bytes[..<slash])
        let last = bytes[(slash + 1)...]
        name = cString(last.isEmpty ? [0x2E] : last)
    }

    /// Opens the directory (following links on the way: `/var/run` is one) and describes it.
    func openDirectory() throws(PidFileFailure) -> (fd: Int32, info: stat) {
        let fd = directory.withUnsafeBufferPointer { zs_openat(base, $0.baseAddress!, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { throw .system(errno) }
        var info = stat()
        if fstat(fd, &info) != 0 {
            let code = errno
            close(fd)
            throw .system(code)
        }
        return (fd, info)
    }
}
