import Foundation

/// Where the package's built executables are: next to the test bundle (`.build/debug`).
public enum Products {
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["ZSCAN_PRODUCTS"] { return URL(fileURLWithPath: override) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("zscan-fixture").path) { return url }
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }

    public static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// A running `zscan-fixture`: started with a unique marker, its ready line parsed, and ended in
/// teardown by its own pid (SIGTERM; it ends everything it made), never by name or pattern.
public final class FixtureProcess {
    public let process = Process()
    public let marker: String
    /// The fixture's ready line, parsed.
    public let info: [String: Any]

    public var pid: Int32 { process.processIdentifier }

    public init(_ arguments: [String]) throws {
        marker = "zscan-test-\(UUID().uuidString.prefix(8))"
        process.executableURL = URL(fileURLWithPath: Products.path("zscan-fixture"))
        process.arguments = arguments + ["--marker", marker, "--ttl", "120"]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        try process.run()
        let line = FixtureProcess.readLine(stdout.fileHandleForReading)
        guard let data = line.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            process.terminate()
            process.waitUntilExit()
            throw FixtureFailure.notReady("zscan-fixture \(arguments) did not get ready: '\(line)'")
        }
        info = object
    }

    public func int(_ key: String) -> Int32? { (info[key] as? Int).map(Int32.init) }
    public func ints(_ key: String) -> [Int32] { (info[key] as? [Int] ?? []).map(Int32.init) }

    /// Ends the fixture and everything it made: SIGTERM to its own pid, then wait.
    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }

    deinit { stop() }

    private static func readLine(_ handle: FileHandle) -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.readData(ofLength: 1)
            guard let byte = chunk.first else { break }
            if byte == 0x0A { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public enum FixtureFailure: Error { case notReady(String) }
}

/// Runs a command and returns its standard output (for `ps`, `ss`).
public func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// What a finished command printed and returned.
public struct ToolResult {
    /// Standard output as bytes, for checks that must see exactly what was written (valid UTF-8?).
    public var stdoutBytes: [UInt8]
    public var stdout: String
    public var stderr: String
    public var status: Int32
}

/// The test process's environment without what changes zscan's output format (a test suite run
/// inside GitHub Actions, under `NO_COLOR`, or with `COLUMNS` exported must see the same reports).
public var neutralEnvironment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    for key in ["ZSCAN_FORMAT", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "FORCE_COLOR", "COLUMNS"] {
        environment[key] = nil
    }
    return environment
}

/// Starts a command now and returns a function that waits for it and gives its output. Both
/// streams are drained from the start, so a large output cannot fill a pipe and block the command.
public func runCapturingAsync(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> () -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = environment ?? neutralEnvironment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outData = LockedData()
    let errData = LockedData()
    Thread { outData.set(out.fileHandleForReading.readDataToEndOfFile()) }.start()
    Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }.start()
    return {
        process.waitUntilExit()
        while !outData.done || !errData.done { usleep(1000) }
        return ToolResult(
            stdoutBytes: Array(outData.value), stdout: String(decoding: outData.value, as: UTF8.self), stderr: String(decoding: errData.value, as: UTF8.self),
            status: process.terminationStatus)
    }
}

/// Runs a command to completion, capturing both streams.
public func runCapturing(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ToolResult {
    try runCapturingAsync(path, arguments, environment: environment)()
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var finished = false
    func set(_ value: Data) { lock.lock(); data = value; finished = true; lock.unlock() }
    var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// Validates a zscan JSON report against `Tests/Schemas/zscan-report.schema.json` with Python's
/// jsonschema (installed by .ci/run). Returns the validator's complaint, or nil when the report is valid.
public enum ReportSchema {
    public static var available: Bool {
        (try? runCapturing("/usr/bin/env", ["python3", "-c", "import jsonschema"]))?.status == 0
    }

    public static func problems(inReportAt path: String) throws -> String? {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas/zscan-report.schema.json").path
        let check = try runCapturing(
            "/usr/bin/env",
            [
                "python3", "-c", "import json,jsonschema,sys; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                path, schema,
            ])
        return check.status == 0 ? nil : check.stderr
    }
}
