import Glibc
import ZScanLinux

/// Writes to standard output and error in full; a closed pipe (`zscan ports | head`) ends quietly.
enum Output {
    static func write(_ bytes: [UInt8], to fd: Int32 = STDOUT_FILENO) {
        _ = writeAll(bytes, to: fd)
    }

    /// Writes every byte, retrying on EINTR; returns 0 or the errno that stopped it.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32 {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
    }

    static func out(_ text: String) { write(Array(text.utf8)) }
    static func err(_ text: String) { write(Array(text.utf8), to: STDERR_FILENO) }

    /// Columns of the terminal on `fd`, or nil when it is not a terminal.
    static func terminalWidth(_ fd: Int32 = STDOUT_FILENO) -> Int? { Terminal.columns(fd) }

    /// Writes `bytes` to `path`. A new path or a regular file is replaced atomically (temporary
    /// file + rename) so a reader never sees half a report; anything else (`/dev/null`, a FIFO,
    /// `/dev/stdout`, a symbolic link) is written in place, because renaming over it would replace
    /// a device or a link with a plain file.
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(CLIError) {
        var info = stat()
        let exists = lstat(path, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))") }
            var failed = writeAll(bytes, to: fd)
            if close(fd) != 0 && failed == 0 { failed = errno }
            if failed != 0 { throw CLIError.failure("cannot write \(path): \(String(cString: strerror(failed)))") }
            return
        }
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exists ? info.st_mode & 0o7777 : 0o644)
        guard fd >= 0 else { throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))") }
        var failed = writeAll(bytes, to: fd)
        if close(fd) != 0 && failed == 0 { failed = errno }
        if failed == 0 && rename(temporary, path) != 0 { failed = errno }
        if failed != 0 {
            unlink(temporary)
            throw CLIError.failure("cannot write \(path): \(String(cString: strerror(failed)))")
        }
    }
}

/// zscan could not do its job: `Error: message` on stderr, exit 2.
enum CLIError: Error {
    case failure(String)
    case usage(UsageError)
}
