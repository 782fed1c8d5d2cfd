import Foundation
import Glibc
import XCTest
@testable import ZScanCore
@testable import ZScanLinux

/// A private temporary directory for PID file tests (made with mkdtemp, so mode 0700 and owned by
/// whoever runs the tests), removed when the test ends. Paths are relative to it unless absolute.
final class PidFileTree {
    let root: String

    init() throws {
        let base = NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "zscan-pidfiles-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        root = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : root + "/" + relative }

    /// Writes a file (its directories made on the way, mode 0755 whatever the umask, so that
    /// none is writable by others) and returns its path.
    @discardableResult
    func write(_ relative: String, _ content: String) throws -> String {
        let path = path(relative)
        var directory = root
        for component in relative.split(separator: "/").dropLast() {
            directory += "/" + component
            var info = stat()
            if lstat(directory, &info) != 0 { try self.directory(String(directory.dropFirst(root.count + 1))) }
        }
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Makes a directory with exactly `mode` (umask aside).
    func directory(_ relative: String, mode: mode_t = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true)
        XCTAssertSystem(chmod(path(relative), mode))
    }

    func link(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path(relative), withDestinationPath: target)
    }

    func rename(_ from: String, _ to: String) {
        XCTAssertSystem(Glibc.rename(path(from), path(to)))
    }

    /// A reader whose relative locations start here.
    var reader: PidFileReader { PidFileReader(workingDirectory: root) }

    /// A snapshot of one process, `pid` owned by `uid` (a pid file's process need not be real for
    /// the reader: it asks the snapshot).
    static func snapshot(_ processes: [(pid: Int32, uid: UInt32)] = []) -> Snapshot {
        Snapshot(host: HostInfo(), processes: processes.map { ProcessRecord(pid: $0.pid, ppid: 1, uid: $0.uid) })
    }
}

/// Fails the test when a system call returned nonzero, with its errno.
func XCTAssertSystem(_ result: Int32, file: StaticString = #filePath, line: UInt = #line) {
    if result != 0 { XCTFail("failed: \(String(cString: strerror(errno)))", file: file, line: line) }
}
