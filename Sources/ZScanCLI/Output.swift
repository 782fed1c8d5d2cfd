import Glibc
import ZScanLinux

/// Writes to standard output and error in full; a closed pipe (`zscan ports | head`) ends quietly.
enum Output {
    /// Where the writes to standard output and error go instead, while set: a test that runs a
    /// command in its own process reads what the command said there.
    @TaskLocal static var sink: (@Sendable (_ bytes: [UInt8], _ fd: Int32) -> Void)?

    static func write(_ bytes: [UInt8], to fd: Int32 = STDOUT_FILENO) {
        if let sink { return sink(bytes, fd) }
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

    /// Columns to fit text into: `COLUMNS` when it is a positive number (as `ps` does, so
    /// `COLUMNS=80 zscan | less` fits), else the width of the terminal on `fd`, else nil (no limit).
    /// `COLUMNS` of the command's environment when it is a positive number, else the terminal's width.
    static func terminalWidth(_ fd: Int32 = STDOUT_FILENO, environment: [String: String]) -> Int? {
        if let value = environment["COLUMNS"], let columns = Int(value), columns > 0 { return columns }
        return Terminal.columns(fd)
    }

    /// Appends `bytes` to `path` through an `O_APPEND` descriptor (every write lands at the end),
    /// creating the file if needed; what the file held stays.
    static func appendFile(_ path: String, _ bytes: [UInt8]) throws(CLIError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw cannotWrite(path, errno) }
        var failed = writeAll(bytes, to: fd)
        if close(fd) != 0 && failed == 0 { failed = errno }
        if failed != 0 { throw cannotWrite(path, failed) }
    }

    private static func cannotWrite(_ path: String, _ code: Int32) -> CLIError {
        .failure("cannot write \(path): \(String(cString: strerror(code)))")
    }

    /// Writes `bytes` to `path` (see `writeFile(_:produce:)`).
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(CLIError) {
        try writeFile(path) { write in write(bytes) }
    }

    /// Writes to `path` what `produce` hands its `write` function, chunk by chunk. A new path or a
    /// regular file is replaced atomically (temporary file + rename) so a reader never sees half a
    /// report; anything else (`/dev/null`, a FIFO, `/dev/stdout`, a symbolic link) is written in
    /// place, because renaming over it would replace a device or a link with a plain file.
    static func writeFile(_ path: String, produce: (_ write: ([UInt8]) -> Void) -> Void) throws(CLIError) {
        var info = stat()
        let exists = lstat(path, &info) == 0
        let inPlace = exists && (info.st_mode & S_IFMT) != S_IFREG
        let target = inPlace ? path : path + ".tmp.\(getpid())"
        let fd =
            inPlace
            ? open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            : open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, exists ? info.st_mode & 0o7777 : 0o644)
        guard fd >= 0 else { throw cannotWrite(path, errno) }
        var failed: Int32 = 0
        produce { chunk in if failed == 0 { failed = writeAll(chunk, to: fd) } }
        if close(fd) != 0 && failed == 0 { failed = errno }
        if !inPlace {
            if failed == 0 && rename(target, path) != 0 { failed = errno }
            if failed != 0 { unlink(target) }
        }
        if failed != 0 { throw cannotWrite(path, failed) }
    }
}

/// zscan could not do its job: `Error: message` on stderr, exit 2.
enum CLIError: Error {
    /// `Error: message`, or the message as it is when `plain` (rendered diagnostics).
    case failure(String, plain: Bool = false)
    case usage(UsageError)
}
