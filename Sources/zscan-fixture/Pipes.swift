import Glibc

/// A pipe whose two ends can be closed independently; -1 marks a closed end.
struct Pipe {
    private(set) var readFd: Int32
    private(set) var writeFd: Int32

    /// Creates a pipe (without O_CLOEXEC: forked children are meant to inherit it).
    static func make(_ purpose: String) throws(FixtureError) -> Pipe {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .system("pipe (\(purpose))") }
        return Pipe(readFd: fds[0], writeFd: fds[1])
    }

    mutating func closeRead() {
        if readFd >= 0 { close(readFd) }
        readFd = -1
    }

    mutating func closeWrite() {
        if writeFd >= 0 { close(writeFd) }
        writeFd = -1
    }

    /// Blocks until every writer has closed the pipe (data, if any, is discarded).
    func waitForEOF() {
        var byte: UInt8 = 0
        while true {
            let count = read(readFd, &byte, 1)
            if count == 0 || (count < 0 && errno != EINTR) { return }
        }
    }
}
