import Foundation
@testable import ZScanCLI

/// What `zscan ARGS` wrote and returned, run as a call in this process instead of a child.
struct InProcessResult {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// Runs a command line through `ZScanCommand` with `environment` as the whole environment, and
/// captures standard output and error through `Output.sink`.
func zscan(_ arguments: [String], environment: [String: String] = [:]) -> InProcessResult {
    let streams = Streams()
    let capture: @Sendable ([UInt8], Int32) -> Void = { bytes, fd in streams.append(bytes, fd: fd) }
    let status = Output.$sink.withValue(capture) {
        ZScanCommand.run(arguments, environment: environment)
    }
    return InProcessResult(stdout: streams.text(STDOUT_FILENO), stderr: streams.text(STDERR_FILENO), status: status)
}

private final class Streams: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [Int32: [UInt8]] = [:]

    func append(_ chunk: [UInt8], fd: Int32) {
        lock.lock()
        bytes[fd, default: []] += chunk
        lock.unlock()
    }

    func text(_ fd: Int32) -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: bytes[fd] ?? [], as: UTF8.self)
    }
}

/// Tests/Fixtures, beside this target.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// A directory of its own for a test's files, removed by `remove()`.
struct TemporaryDirectory {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-unit-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
