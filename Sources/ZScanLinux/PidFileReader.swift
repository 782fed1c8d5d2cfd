import CZScanSys
import Glibc
import ZScanCore

/// Finds the PID files named by glob patterns and says what each pid refers to now.
///
/// A program that dies without cleaning up leaves its PID file behind, and the pid in it is later
/// handed to some unrelated process: a stop script trusting the file would then signal the wrong
/// program. So each file is judged against a snapshot: is its pid alive, was that process started
/// after the file was written (the pid was recycled), and does anyone still hold a lock on it.
public struct PidFileReader: Sendable {
    public let procRoot: String

    /// The most of a file that is read: a PID file holds one short line.
    static let readLimit = 4096
    /// A process counts as started after its file was written only when it started this many
    /// seconds later: start times are known to 1/100 s and derived from the boot time, file
    /// times come from another clock read.
    static let startSlack = 1.0

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// Expands each glob (glob(3); `~` at the start means $HOME; a pattern matching nothing yields
    /// nothing, not an error), reads every file once (at most 4 KiB; content trimmed; the pid is the
    /// first line's decimal number, nil if there is none or it is not a positive Int32), and judges
    /// it against `snapshot`:
    ///   alive  = a process with that pid is in the snapshot;
    ///   reused = alive, but that process started after the file was last written
    ///            (process.startedAt > file mtime + 1 s slack): a PID recycled by some other program;
    ///   age    = now − mtime, in seconds;
    ///   locked = whether some process holds a lock on the file (flock or POSIX, from /proc/locks
    ///            matched by device major:minor and inode of the file; nil if /proc/locks is unreadable).
    /// Unreadable files are reported in `problems` (one line each, e.g. "cannot read /run/x.pid:
    /// Permission denied") and skipped; results are sorted by path and de-duplicated when globs overlap.
    public func read(globs: [String], snapshot: Snapshot) -> (pidfiles: [PidFileRecord], problems: [String]) {
        var problems: [String] = []
        var matches: [Glob.Match] = []
        var seen = Set<[CChar]>()
        for pattern in globs {
            do {
                for match in try Glob.expand(pattern) where seen.insert(match.bytes).inserted { matches.append(match) }
            } catch {
                problems.append("cannot expand \(pattern): \(error)")
            }
        }
        matches.sort { $0.path < $1.path }

        let now = HostFacts.wallClock()
        var buffer = [UInt8](repeating: 0, count: PidFileReader.readLimit)
        var records: [PidFileRecord] = []
        var keys: [FileKey] = []
        for match in matches {
            let contents: Contents
            do {
                contents = try PidFileReader.readFile(match.bytes, into: &buffer)
            } catch {
                problems.append("cannot read \(match.path): \(error)")
                continue
            }
            let pid = buffer.withUnsafeBufferPointer {
                PidFileReader.parsePid(UnsafeBufferPointer(rebasing: $0[0..<contents.count]), complete: contents.complete)
            }
            let process = pid.flatMap { snapshot.process(pid: $0) }
            records.append(
                PidFileRecord(
                    path: match.path, pid: pid, exists: true, alive: process != nil,
                    reused: process.map { $0.startedAt > contents.modified + PidFileReader.startSlack } ?? false,
                    age: ((now - contents.modified) * 100).rounded() / 100))
            keys.append(contents.key)
        }

        if !records.isEmpty, let locked = FileLocks.read(path: procRoot + "/locks", file: ProcFile()) {
            for index in records.indices { records[index].locked = locked.contains(keys[index]) }
        }
        return (records, problems)
    }

    /// What one read of a file gave: the byte count in the buffer, whether that is the whole file,
    /// its modification time (seconds since the epoch) and its identity.
    struct Contents {
        var count: Int
        var complete: Bool
        var modified: Double
        var key: FileKey
    }

    /// Opens the file, describes it with fstat (so the times and identity are those of the file
    /// read, even if it is replaced meanwhile) and reads at most the buffer's size. Only regular
    /// files are read: a FIFO or a device matched by a glob could block or never end.
    static func readFile(_ path: [CChar], into buffer: inout [UInt8]) throws(PidFileFailure) -> Contents {
        let fd = path.withUnsafeBufferPointer { zs_openat(AT_FDCWD, $0.baseAddress!, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) }
        if fd < 0 { throw .system(errno) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw .system(errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .system(EISDIR)
        default: throw .notRegular
        }
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + total, raw.count - total) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(errno)
            }
            if n == 0 { break }
            total += n
        }
        return Contents(
            count: total,
            complete: total < buffer.count || Int(info.st_size) <= total,
            modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
            key: FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    /// The pid a PID file's bytes hold: the content trimmed of white space, its first line (itself
    /// trimmed) must be a decimal number from 1 to Int32.max; nil otherwise. When the bytes are not
    /// the whole file (`complete` false) and hold no line end, the first line may go on past them,
    /// so it is no pid.
    static func parsePid(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) -> Int32? {
        var start = 0
        while start < bytes.count && isSpace(bytes[start]) { start += 1 }
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        if end == bytes.count && !complete { return nil }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        guard let value = Decimal.parse(UnsafeBufferPointer(rebasing: bytes[start..<end])),
            value >= 1, value <= UInt64(Int32.max)
        else { return nil }
        return Int32(value)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}

/// Why a PID file could not be read; its description is the reason shown in `problems`.
enum PidFileFailure: Error, Equatable, CustomStringConvertible {
    /// A failed call's errno.
    case system(Int32)
    /// A FIFO, device or socket: never read.
    case notRegular

    var description: String {
        switch self {
        case let .system(code): String(cString: strerror(code))
        case .notRegular: "not a regular file"
        }
    }
}
