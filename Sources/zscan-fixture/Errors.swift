import Glibc

/// A failure that ends the fixture with exit status 2 and a one-line message on stderr.
struct FixtureError: Error {
    /// Text after the "zscan-fixture: " prefix; empty when a child already printed it.
    let message: String
    /// Usage errors also print the usage text.
    let isUsage: Bool

    init(_ message: String, usage: Bool = false) {
        self.message = message
        self.isUsage = usage
    }

    /// A failed system call, described as "WHAT: strerror(errno)".
    static func system(_ what: String, errno code: Int32 = errno) -> FixtureError {
        FixtureError("\(what): \(errorText(code))")
    }

    /// A usage mistake on the command line.
    static func usage(_ message: String) -> FixtureError {
        FixtureError(message, usage: true)
    }

    /// A child already explained its failure on stderr; the handle only has to exit 2.
    static let reportedByChild = FixtureError("")

    /// Prints the message (if any) to stderr with the program prefix.
    func printToStderr() {
        guard !message.isEmpty else { return }
        Output.writeError("zscan-fixture: \(message)\n")
    }
}

/// The text of strerror for an errno value.
func errorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}

/// Unbuffered writes to raw file descriptors (no stdio buffers that a fork could duplicate).
enum Output {
    /// Writes all bytes, retrying on EINTR and short writes; false when the descriptor refuses them.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Writes a string to stderr, ignoring failures (there is nowhere else to report them).
    static func writeError(_ text: String) {
        writeAll(2, Array(text.utf8))
    }
}
