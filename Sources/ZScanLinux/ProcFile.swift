import CZScanSys
import Glibc

/// What a failed `/proc` read means, decided in one place (like psutil's `wrap_exceptions`):
/// the process is gone, the kernel refused, or the file is simply absent for this process.
enum ProcFailure: Error, Equatable {
    /// ESRCH/ENOENT: the process exited (or, for `exe`/`cwd` of a zombie, has no such thing).
    case gone
    /// EACCES/EPERM: the field stays null and is counted.
    case denied
    case other(Int32)

    init(errno code: Int32) {
        switch code {
        case ESRCH, ENOENT: self = .gone
        case EACCES, EPERM: self = .denied
        default: self = .other(code)
        }
    }

    /// An errno that stands for it, for a message (ENOENT for `.gone`, EACCES for `.denied`).
    var code: Int32 {
        switch self {
        case .gone: ENOENT
        case .denied: EACCES
        case .other(let code): code
        }
    }
}

/// A reader of small `/proc` files with one reused buffer: one per worker thread, never shared.
final class ProcFile {
    private(set) var buffer: [UInt8]

    init(capacity: Int = 16 * 1024) {
        buffer = [UInt8](repeating: 0, count: capacity)
    }

    /// Opens a directory relative to `dirfd` (`AT_FDCWD` for absolute paths).
    static func openDirectory(_ path: String, relativeTo dirfd: Int32 = AT_FDCWD) throws(ProcFailure) -> Int32 {
        let fd = zs_openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw ProcFailure(errno: errno) }
        return fd
    }

    /// Reads the whole file into the buffer, growing it for long files (a 100 KB command line);
    /// returns the byte count.
    func read(_ name: String, relativeTo dirfd: Int32 = AT_FDCWD) throws(ProcFailure) -> Int {
        let fd = zs_openat(dirfd, name, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw ProcFailure(errno: errno) }
        defer { close(fd) }
        var total = 0
        while true {
            if total == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + total, raw.count - total)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ProcFailure(errno: errno)
            }
            if n == 0 { return total }
            total += n
            // procfs fills the buffer as far as its records go (seq_file, cmdline, environ), so a
            // read that leaves more than a page free has reached the end: skip the read that
            // would return 0 (half of all reads otherwise).
            if buffer.count - total >= ProcFile.page { return total }
        }
    }

    private static let page = 4096

    /// The target of a symbolic link such as `exe`, `cwd` or `fd/3`, as raw bytes in the buffer.
    func readLink(_ name: String, relativeTo dirfd: Int32) throws(ProcFailure) -> Int {
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                readlinkat(dirfd, name, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
            }
            if n < 0 { throw ProcFailure(errno: errno) }
            if n < buffer.count { return n }
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
    }

    /// Hands the buffer's first `count` bytes to a parser.
    func parse<T>(_ count: Int, _ parser: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        buffer.withUnsafeBufferPointer { parser(UnsafeBufferPointer(rebasing: $0[0..<count])) }
    }

    /// The buffer's first `count` bytes as a string (invalid UTF-8 repaired with U+FFFD).
    func string(_ count: Int) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[0..<count]), as: UTF8.self) }
    }

    /// The file as a string with trailing newlines removed, or nil when it cannot be read.
    func text(_ path: String, relativeTo dirfd: Int32 = AT_FDCWD) -> String? {
        guard var count = try? read(path, relativeTo: dirfd) else { return nil }
        while count > 0 && buffer[count - 1] == 0x0A { count -= 1 }
        return string(count)
    }
}

/// Walks a directory with `getdents64` into a reused buffer, calling `body` with each entry's
/// NUL-terminated name and its length (without `.` and `..`) until it returns false.
struct DirectoryWalker {
    private var buffer = [UInt8](repeating: 0, count: 32 * 1024)

    /// The largest entry `getdents64` can return: the 19 bytes before `d_name`, a 255-byte name
    /// and its NUL, rounded up to 8.
    private static let largestEntry = 280

    /// `procfs`: the directory is a procfs one (`/proc`, `/proc/PID/fd`), whose listing fills the
    /// buffer until the next entry does not fit (`proc_pid_readdir`, `proc_readfd_common` stop only
    /// when `dir_emit` refuses), so a batch that leaves room for the largest entry is the last and
    /// the `getdents64` that would return 0 is skipped (half of all calls for a process's `fd/`).
    /// A pending signal also ends a batch early (`filldir64`); zscan's signals either end it or are
    /// blocked while it reads (`CommandRunner`), so only a stop (Ctrl-Z, a cgroup freeze) in the
    /// middle of a listing could cut one short.
    mutating func forEachEntry(fd: Int32, procfs: Bool = false, _ body: (UnsafePointer<CChar>, Int) -> Bool) throws(ProcFailure) {
        while true {
            let n = buffer.withUnsafeMutableBytes { zs_getdents64(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw ProcFailure(errno: errno) }
            if n == 0 { return }
            let more = buffer.withUnsafeBytes { raw -> Bool in
                var offset = 0
                var name: UnsafePointer<CChar>? = nil
                var type: UInt8 = 0
                while true {
                    let next = zs_dirent_next(raw.baseAddress, n, offset, &name, &type)
                    if next < 0 { break }
                    offset = next
                    guard let name else { continue }
                    let length = strlen(name)
                    if name[0] == 0x2E && (length == 1 || (length == 2 && name[1] == 0x2E)) { continue }
                    if !body(name, length) { return false }
                }
                return true
            }
            if !more || (procfs && n <= buffer.count - DirectoryWalker.largestEntry) { return }
        }
    }
}

/// Decimal parsing straight from bytes, for `/proc` fields.
enum Decimal {
    /// The number a NUL-terminated directory entry name spells (a pid, a descriptor), or nil.
    static func parse(_ name: UnsafePointer<CChar>, length: Int) -> UInt64? {
        parse(UnsafeBufferPointer(start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: length))
    }

    /// The unsigned number the bytes spell, or nil if any byte is not a digit.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        if bytes.isEmpty || bytes.count > 19 { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + UInt64(byte - 0x30)
        }
        return value
    }
}

/// Hexadecimal parsing straight from bytes (`/proc/net` addresses, `/proc/locks` devices).
enum Hex {
    /// The number the bytes spell in hex (either case), or nil if any byte is not a hex digit or
    /// there are more than `maxDigits`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDigits: Int = 16) -> UInt64? {
        if bytes.isEmpty || bytes.count > maxDigits { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
