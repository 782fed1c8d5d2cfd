/// A file as the kernel names it in `/proc/locks`: device major, minor and inode number.
struct FileKey: Hashable, Sendable {
    var major: UInt32
    var minor: UInt32
    var inode: UInt64

    /// The key of a file that `stat` described. `st_dev` is split with the Linux encoding
    /// (glibc's `gnu_dev_major`/`gnu_dev_minor`, which Swift cannot call as macros).
    init(device: UInt64, inode: UInt64) {
        major = UInt32(truncatingIfNeeded: ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff)))
        minor = UInt32(truncatingIfNeeded: (device & 0xff) | ((device >> 12) & ~UInt64(0xff)))
        self.inode = inode
    }

    init(major: UInt32, minor: UInt32, inode: UInt64) {
        self.major = major
        self.minor = minor
        self.inode = inode
    }
}

/// The files some process holds a lock on (flock, POSIX, OFD, leases), read from `/proc/locks` so
/// that zscan can tell whether a PID file's owner still holds it without trying the lock itself
/// (taking a lock, even briefly, could disturb the program that relies on it).
///
/// Lines look like `1: FLOCK  ADVISORY  WRITE 1234 fe:00:16220200 0 EOF`: the kernel prints
/// `%02x:%02x:%lu` (major and minor in hex, inode in decimal). Lines with `->` are waiters blocked
/// on a lock, not holders, and are skipped; `<none>:0` (no inode) never matches a file.
///
/// Caveat: the kernel names the superblock's device; on file systems whose `stat` reports another
/// device (btrfs subvolumes) a held lock is not matched.
enum FileLocks {
    /// The locked files, or nil when the file cannot be read.
    static func read(path: String, file: ProcFile) -> Set<FileKey>? {
        guard let count = try? file.read(path) else { return nil }
        return file.parse(count) { parse($0) }
    }

    /// Parses the text of `/proc/locks`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Set<FileKey> {
        var keys = Set<FileKey>()
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if let key = parseLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])) { keys.insert(key) }
            lineStart = lineEnd + 1
        }
        return keys
    }

    /// The file one line names, or nil for a blocked waiter or a line without a device:inode field.
    static func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> FileKey? {
        var key: FileKey? = nil
        var start = 0
        while start < line.count {
            while start < line.count && isSpace(line[start]) { start += 1 }
            var end = start
            while end < line.count && !isSpace(line[end]) { end += 1 }
            if end > start {
                let token = UnsafeBufferPointer(rebasing: line[start..<end])
                if token.count == 2 && token[0] == 0x2D && token[1] == 0x3E { return nil }  // "->"
                if key == nil { key = fileKey(token) }
            }
            start = end
        }
        return key
    }

    /// `MAJOR:MINOR:INODE` (hex, hex, decimal), or nil when the token is anything else.
    private static func fileKey(_ token: UnsafeBufferPointer<UInt8>) -> FileKey? {
        var colons: [Int] = []
        for (index, byte) in token.enumerated() where byte == 0x3A {
            colons.append(index)
            if colons.count > 2 { return nil }
        }
        guard colons.count == 2,
            let major = Hex.parse(UnsafeBufferPointer(rebasing: token[0..<colons[0]]), maxDigits: 8), major <= UInt32.max,
            let minor = Hex.parse(UnsafeBufferPointer(rebasing: token[(colons[0] + 1)..<colons[1]]), maxDigits: 8), minor <= UInt32.max,
            let inode = Decimal.parse(UnsafeBufferPointer(rebasing: token[(colons[1] + 1)...]))
        else { return nil }
        return FileKey(major: UInt32(major), minor: UInt32(minor), inode: inode)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
}
