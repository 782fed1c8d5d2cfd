import Foundation
import XCTest
import ZScanTestSupport

/// PID files where projects keep them are checked without `--pidfiles`: zscan run in a project
/// directory finds `.run/NAME.pid` and `tmp/pids/NAME.pid`, reports a stale one and removes it on
/// `--cleanup`, and `pidfile_locations` in the config replaces where it looks. Every file is named
/// by a unique marker and every run narrowed to it, so no PID file of this machine is touched.
final class PidFileLocationTests: XCTestCase {
    private var project: URL!
    private let marker = "zscan-test-\(UUID().uuidString.prefix(8))"

    override func setUpWithError() throws {
        project = FileManager.default.temporaryDirectory.appendingPathComponent(marker)
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(project.path, 0o755), 0)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: project) }

    /// A pid no process has now: a finished child's.
    private func deadPid() throws -> Int32 {
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        return done.processIdentifier
    }

    /// Writes a file in the project, its directories made on the way with mode 0755 whatever the
    /// umask (zscan refuses PID files in directories others may write).
    private func write(_ relative: String, _ content: String) throws {
        var directory = project!
        for component in relative.split(separator: "/").dropLast() {
            directory.appendPathComponent(String(component))
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            XCTAssertEqual(chmod(directory.path, 0o755), 0)
        }
        try content.write(to: project.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }

    /// Runs zscan in the project directory, narrowed to the marker, and returns its status and
    /// the JSON report.
    private func zscan(_ arguments: [String]) throws -> (status: Int32, json: [String: Any]) {
        let result = try runCapturing(
            "/bin/sh",
            ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", project.path, Products.path("zscan"), "--format", "json", "--pattern", marker] + arguments)
        XCTAssertNotEqual(result.status, 2, result.stderr)
        return (result.status, try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:])
    }

    private func paths(_ json: [String: Any]) -> [String] {
        (json["findings"] as? [[String: Any]] ?? []).compactMap { ($0["pidfile"] as? [String: Any])?["path"] as? String }.sorted()
    }

    func testStalePidFileInTheProjectIsFoundWithoutFlags() throws {
        let pid = try deadPid()
        try write(".run/\(marker).pid", "\(pid)\n")
        try write("tmp/pids/\(marker)-server.pid", "\(pid)\n")
        try write("tmp/pids/\(marker)-live.pid", "\(getpid())\n")
        let (status, json) = try zscan(["--only", "stale_pidfile"])
        XCTAssertEqual(paths(json), [".run/\(marker).pid", "tmp/pids/\(marker)-server.pid"])
        XCTAssertEqual(status, 1)
    }

    func testProjectLocationsAreSearchedInAPrivatePidNamespace() throws {
        // There the machine's /run is left out (its pids are not this namespace's), but the
        // project's own PID files still count: this process's pid means nothing inside.
        guard CleanupSandbox.isolated else { throw XCTSkip("unshare --pid does not work here") }
        try write(".run/\(marker).pid", "\(getpid())\n")
        let result = try runCapturing(
            "/usr/bin/unshare",
            [
                "--pid", "--fork", "--mount-proc", "/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", project.path,
                Products.path("zscan"), "--format", "json", "--pattern", marker, "--only", "stale_pidfile",
            ])
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(paths(json), [".run/\(marker).pid"], result.stderr)
        XCTAssertEqual(result.status, 1)
    }

    func testMachineLocationsAreLeftOutInAPrivatePidNamespace() throws {
        // A tmpfs on /run in the namespace's own mount namespace (its mounts are private), made
        // by the mount(2) call alone: mount(8) would first write its bookkeeping into the
        // machine's /run. A stale-looking file there is not searched by default, and is when
        // the config names /run.
        guard CleanupSandbox.isolated, FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("needs unshare --pid and python3")
        }
        let machineRun = try FileManager.default.contentsOfDirectory(atPath: "/run").sorted()
        try write("run.json5", #"{ pidfile_locations: ["/run/*.pid"] }"#)
        let mount = #"import ctypes, sys; sys.exit(0 if ctypes.CDLL(None).mount(b"zscan-test", b"/run", b"tmpfs", 0, None) == 0 else 77)"#
        let script = """
            /usr/bin/python3 -c '\(mount)' || exit 77
            echo 999999 > /run/\(marker).pid
            cd "$1" && shift
            "$@" > default.json
            "$@" --config run.json5 > configured.json
            """
        let result = try runCapturing(
            "/usr/bin/unshare",
            [
                "--pid", "--fork", "--mount-proc", "--propagation", "private", "/bin/sh", "-c", script, "sh", project.path,
                Products.path("zscan"), "--format", "json", "--pattern", marker, "--only", "stale_pidfile",
            ])
        if result.status == 77 { throw XCTSkip("cannot mount a tmpfs in the namespace: \(result.stderr)") }
        func report(_ name: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: project.appendingPathComponent(name))) as? [String: Any] ?? [:]
        }
        XCTAssertEqual(paths(try report("default.json")), [], result.stderr)
        XCTAssertEqual(paths(try report("configured.json")), ["/run/\(marker).pid"], result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "/run").sorted(), machineRun, "the machine's /run changed")
    }

    func testConfigReplacesTheLocations() throws {
        try write(".run/\(marker).pid", "\(try deadPid())\n")
        try write("elsewhere/\(marker).pid", "\(try deadPid())\n")
        try write("config.json5", #"{ pidfile_locations: ["elsewhere/*.pid"] }"#)
        XCTAssertEqual(paths(try zscan(["--only", "stale_pidfile", "--config", "config.json5"]).json), ["elsewhere/\(marker).pid"])
        try write("off.json5", "{ pidfile_locations: [] }")
        let off = try zscan(["--only", "stale_pidfile", "--config", "off.json5"])
        XCTAssertEqual(paths(off.json), [])
        XCTAssertEqual(off.status, 0)
    }

    func testCleanupRemovesTheStaleFileThroughItsDirectory() throws {
        try write(".run/\(marker).pid", "\(try deadPid())\n")
        let (status, json) = try zscan(["--only", "stale_pidfile", "--cleanup"])
        let actions = json["actions"] as? [[String: Any]] ?? []
        XCTAssertEqual(actions.map { $0["path"] as? String }, [".run/\(marker).pid"])
        XCTAssertEqual(actions.first?["outcome"] as? String, "removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: project.appendingPathComponent(".run/\(marker).pid").path))
        XCTAssertEqual(status, 0)
    }
}
