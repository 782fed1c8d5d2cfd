import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// Containers with the kernel's own objects: a private PID namespace (`unshare --pid --fork
/// --mount-proc --kill-child`) whose init is a fixture that never waits, seen by zscan from inside
/// (`nsenter`) and from the host; cleanup's namespace guards against it; and docker-shaped cgroups
/// made in the real cgroup file systems. Each test ends what it started by its own pid (`unshare`'s:
/// `--kill-child` then kills the namespace's init, and the kernel everything in the namespace) and
/// removes the cgroups it made. Skipped, with the reason, where namespaces or cgroups cannot be made.
final class ContainerTests: XCTestCase {
    // MARK: - A namespace whose init never waits

    func testInsideTheNamespaceTheInitIsReportedAndItsZombiesGetNoSIGCHLDHint() throws {
        let namespace = try NonReapingNamespace()
        defer { namespace.stop() }
        let scan = try namespace.inside([Products.path("zscan"), "--config", namespace.config, "--format", "json"])
        let report = try Report(scan.stdout)
        let rows = try namespace.inside(["/bin/ps", "-eo", "pid=,ppid=,stat="]).stdout
        let zombies = rows.split(separator: "\n").compactMap { line -> Int32? in
            let words = line.split(separator: " ")
            return words.count == 3 && words[1] == "1" && words[2].hasPrefix("Z") ? Int32(words[0]) : nil
        }
        XCTAssertEqual(zombies.count, 2, "ps inside: \(rows)")

        let init_ = try XCTUnwrap(report.findings(rule: "init_not_reaping").first, scan.stdout)
        XCTAssertEqual(init_.pid, 1)
        XCTAssertEqual(init_.message, "zscan-fixture (1) is PID 1 of its PID namespace and has not reaped its zombie children")
        XCTAssertNil(init_.runtime, "inside, nothing names a container: the host's cgroups")
        XCTAssertTrue(init_.hint.contains("--init"), init_.hint)
        XCTAssertEqual(report.findings(rule: "zombie_of_namespace_init").compactMap(\.pid).sorted(), zombies.sorted())
        XCTAssertEqual(report.findings(rule: "zombie"), [], "no SIGCHLD advice for an init that never waits")
        XCTAssertFalse(scan.stdout.contains("SIGCHLD to"))
        XCTAssertEqual(scan.status, 1)
    }

    func testFromTheHostTheInitIsNamedByItsHostPidAndItsNamespaceFacts() throws {
        let namespace = try NonReapingNamespace()
        defer { namespace.stop() }
        let zscan = Products.path("zscan")
        let scan = try runCapturing(zscan, ["--config", namespace.config, "--pattern", namespace.marker, "--format", "json"])
        let report = try Report(scan.stdout)
        let init_ = try XCTUnwrap(report.findings(rule: "init_not_reaping").first, scan.stdout)
        XCTAssertEqual(init_.pid, namespace.initPid)
        XCTAssertEqual(init_.message, "zscan-fixture (\(namespace.initPid)) is PID 1 of its PID namespace and has not reaped its zombie children")
        XCTAssertEqual(init_.runtime, "unknown", "from the host, another PID namespace under the host's cgroups is an unknown container")
        XCTAssertTrue(scan.stdout.contains(#""label":"unknown (cgroup "#) || scan.stdout.contains(#""label": "unknown (cgroup "#), scan.stdout)
        XCTAssertEqual(report.findings(rule: "zombie_of_namespace_init").count, 2)
        XCTAssertEqual(report.findings(rule: "zombie"), [])

        // The facts zscan read are the kernel's: NSpid's last entry and the ns/pid link's inode.
        let snapshot = try runCapturing(zscan, ["snapshot", "--fields", "cgroup,namespace,status"])
        let processes = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(snapshot.stdout.utf8)) as? [String: Any])?["processes"] as? [[String: Any]])
        let record = try XCTUnwrap(processes.first { $0["pid"] as? Int == Int(namespace.initPid) })
        let status = try String(contentsOfFile: "/proc/\(namespace.initPid)/status", encoding: .utf8)
        let nspid = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("NSpid:") }?.split(whereSeparator: { $0 == "\t" || $0 == " " }).last)
        XCTAssertEqual(record["ns_pid"] as? Int, Int(nspid))
        XCTAssertEqual(record["ns_pid"] as? Int, 1)
        XCTAssertEqual(record["ns_init"] as? Bool, true)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(namespace.initPid)/ns/pid")
        XCTAssertEqual(link, "pid:[\(try XCTUnwrap(record["pid_ns"] as? Int))]")
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        XCTAssertNotEqual(link, own)
        XCTAssertEqual((record["container"] as? [String: Any])?["runtime"] as? String, "unknown")
    }

    /// `--cleanup` from the host, scoped to the marker: the init and every process of the other
    /// namespace are refused with the reason in the report, and are still there afterwards.
    func testCleanupFromTheHostRefusesTheInitAndTheOtherNamespace() throws {
        let namespace = try NonReapingNamespace()
        defer { namespace.stop() }
        let scan = try runCapturing(
            Products.path("zscan"),
            [
                "--config", namespace.config, "--rules", namespace.endRule, "--only", "test_end_marked,zombie_of_namespace_init",
                "--pattern", namespace.marker, "--cleanup", "--grace", "1s", "--format", "json",
            ])
        let actions = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])?["actions"] as? [[String: Any]])
        func action(_ pid: Int32) -> (outcome: String, reason: String)? {
            actions.first { ($0["process"] as? [String: Any])?["pid"] as? Int == Int(pid) }.map {
                ($0["outcome"] as? String ?? "", $0["reason"] as? String ?? "")
            }
        }
        let init_ = try XCTUnwrap(action(namespace.initPid), scan.stdout)
        XCTAssertEqual(init_.outcome, "protected")
        XCTAssertTrue(init_.reason.hasPrefix("the init of its PID namespace: ending it ends every process in container unknown "), init_.reason)
        let children = namespace.hostChildren()
        XCTAssertEqual(children.count, 3, "an idle child and two zombies")
        for child in children {
            let done = try XCTUnwrap(action(child), scan.stdout)
            XCTAssertEqual(done.outcome, "protected", "\(child)")
            XCTAssertTrue(done.reason.hasPrefix("in another PID namespace (container unknown "), done.reason)
            XCTAssertTrue(done.reason.hasSuffix("); name its container with --container to act there"), done.reason)
        }
        XCTAssertEqual(kill(namespace.initPid, 0), 0, "the init is alive")
        XCTAssertEqual(namespace.hostChildren().sorted(), children.sorted(), "and all it had")
    }

    /// From inside, where the fixture is zscan's own namespace's init: refused, and its zombies
    /// are skipped with what zscan cannot do rather than a SIGCHLD.
    func testCleanupInsideSaysWhatItCannotDoForTheInitsZombies() throws {
        let namespace = try NonReapingNamespace()
        defer { namespace.stop() }
        let scan = try namespace.inside([Products.path("zscan"), "--config", namespace.config, "--cleanup", "--format", "json"])
        let actions = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])?["actions"] as? [[String: Any]])
        let reaps = actions.filter { $0["rule"] as? String == "zombie_of_namespace_init" }
        XCTAssertEqual(reaps.count, 2, scan.stdout)
        for reap in reaps {
            XCTAssertEqual(reap["outcome"] as? String, "skipped")
            XCTAssertEqual(
                reap["reason"] as? String,
                "cannot reap: zscan-fixture (1) is the init of its PID namespace and does not wait(); zscan cannot make it, "
                    + "and ending it would end every process there: run the container with an init (docker run --init, tini)")
            XCTAssertEqual(reap["steps"] as? [String], [])
        }
        XCTAssertEqual(namespace.hostChildren().count, 3, "the zombies are still there")
    }

    // MARK: - Docker-shaped cgroups

    func testAProcessInADockerCgroupOnAV1ControllerIsInThatContainer() throws {
        try assertAttributed(hierarchy: "pids", path: { "docker/\($0)" })
    }

    func testAProcessInADockerScopeOnTheV2HierarchyIsInThatContainer() throws {
        try assertAttributed(hierarchy: "unified", path: { "system.slice/docker-\($0).scope" })
    }

    func assertAttributed(hierarchy: String, path: (String) -> String) throws {
        let id = CgroupPlace.randomID()
        let cgroup = try CgroupPlace(hierarchy: hierarchy, path: path(id))
        defer { cgroup.remove() }
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        try cgroup.move(fixture.pid)
        let line = try String(contentsOfFile: "/proc/\(fixture.pid)/cgroup", encoding: .utf8)
        XCTAssertTrue(line.contains("/" + path(id) + "\n"), "the kernel moved it: \(line)")
        try CgroupPlace.requireParser(line)
        let snapshot = try runCapturing(Products.path("zscan"), ["snapshot", "--fields", "cgroup,namespace"])
        let processes = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(snapshot.stdout.utf8)) as? [String: Any])?["processes"] as? [[String: Any]])
        let container = try XCTUnwrap(processes.first { $0["pid"] as? Int == Int(fixture.pid) }?["container"] as? [String: Any])
        XCTAssertEqual(container["runtime"] as? String, "docker")
        XCTAssertEqual(container["id"] as? String, id)
        XCTAssertEqual(container["short_id"] as? String, String(id.prefix(12)))
    }

    /// The namespace in a docker-shaped cgroup: `--container` names it, so cleanup ends its
    /// worker but still never its init; a prefix too short or unknown is exit 2 saying why.
    func testCleanupWithTheContainerNamedActsInsideButNeverOnTheInit() throws {
        let namespace = try NonReapingNamespace()
        defer { namespace.stop() }
        let id = CgroupPlace.randomID()
        let cgroup = try CgroupPlace(hierarchy: "pids", path: "docker/\(id)")
        defer { cgroup.remove() }
        let unified = try CgroupPlace(hierarchy: "unified", path: "docker/\(id)")
        defer { unified.remove() }
        let worker = try XCTUnwrap(namespace.hostChildren().first { Self.state($0) != "Z" })
        for pid in [namespace.initPid, worker] {
            try cgroup.move(pid)
            try unified.move(pid)
        }
        try CgroupPlace.requireParser(try String(contentsOfFile: "/proc/\(worker)/cgroup", encoding: .utf8))
        let zscan = Products.path("zscan")

        let short = try runCapturing(zscan, ["--container", String(id.prefix(8))])
        XCTAssertEqual(short.status, 2)
        XCTAssertTrue(short.stderr.contains("--container: '\(id.prefix(8))' is too short"), short.stderr)
        let unknown = try runCapturing(zscan, ["--container", "0123456789ab0123"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no container's id starts with '0123456789ab0123' (found: "), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("docker \(id.prefix(12))"), unknown.stderr)

        let scan = try runCapturing(
            zscan,
            [
                "--config", namespace.config, "--rules", namespace.endRule, "--only", "test_end_marked", "--container", String(id.prefix(16)),
                "--cleanup", "--grace", "1s", "--format", "json",
            ])
        let actions = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])?["actions"] as? [[String: Any]])
        func outcome(_ pid: Int32) -> String? {
            actions.first { ($0["process"] as? [String: Any])?["pid"] as? Int == Int(pid) }?["outcome"] as? String
        }
        XCTAssertEqual(outcome(namespace.initPid), "protected", scan.stdout)
        XCTAssertEqual(outcome(worker), "terminated", scan.stdout)
        XCTAssertEqual(kill(namespace.initPid, 0), 0, "the init is alive")
    }

    /// The findings of a JSON report: rule, process pid, message, hint and the process's container
    /// runtime (nil for none).
    struct Report {
        struct Finding: Equatable {
            var rule: String
            var pid: Int32?
            var message: String
            var hint: String
            var runtime: String?
        }
        var findings: [Finding]

        init(_ json: String) throws {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], json)
            findings = (object["findings"] as? [[String: Any]] ?? []).map { f in
                Finding(
                    rule: f["rule"] as? String ?? "", pid: ((f["process"] as? [String: Any])?["pid"] as? Int).map(Int32.init),
                    message: f["message"] as? String ?? "", hint: f["hint"] as? String ?? "",
                    runtime: ((f["process"] as? [String: Any])?["container"] as? [String: Any])?["runtime"] as? String)
            }
        }

        func findings(rule: String) -> [Finding] { findings.filter { $0.rule == rule } }
    }

    static func state(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(close, offsetBy: 2)...].split(separator: " ").first.map(String.init)
    }
}

/// `zscan-fixture population --count 1 --zombies 2` as PID 1 of a private PID namespace: it never
/// waits, so it has one idle child and two zombies. Ended by `unshare`'s own pid (SIGKILL to the
/// `unshare` this test started: `--kill-child` kills the init, and the kernel the rest).
final class NonReapingNamespace {
    let marker = "zscan-ns-\(UUID().uuidString.prefix(8))"
    let process = Process()
    let directory: URL
    /// The fixture's pid on the host.
    private(set) var initPid: Int32 = 0
    var config: String { directory.appendingPathComponent("config.json5").path }
    /// A rule that ends the marked fixture's processes that are not zombies, for cleanup tests.
    var endRule: String { directory.appendingPathComponent("end.json5").path }

    init() throws {
        guard getuid() == 0, CleanupSandbox.isolated, FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter") else {
            throw XCTSkip("needs root, unshare --pid and nsenter to make a private PID namespace")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(marker)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // The test need not wait out the settle time: a zombie counts at once.
        try #"{ thresholds: { init_zombie_settle: "0s" } }"#.write(toFile: config, atomically: true, encoding: .utf8)
        try """
        {
          format_version: 1,
          rules: [{
            id: "test_end_marked", title: "Marked test process", severity: "error",
            when: "cmdline contains '\(marker)' && state != 'Z' && ns_pid != pid",
            message: "{name} ({pid})", action: "terminate",
            examples: { match: [{ cmdline: "x \(marker)", pid: 9, ns_pid: 1 }], no_match: [{ cmdline: "x", pid: 9, ns_pid: 1 }] },
          }],
        }
        """.write(toFile: endRule, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = [
            "--pid", "--fork", "--mount-proc", "--kill-child", Products.path("zscan-fixture"), "population", "--count", "1", "--zombies", "2",
            "--marker", marker, "--ttl", "120",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.standardError
        try process.run()
        var bytes: [UInt8] = []
        while let byte = stdout.fileHandleForReading.readData(ofLength: 1).first, byte != 0x0A { bytes.append(byte) }
        let line = String(decoding: bytes, as: UTF8.self)
        guard line.contains("\"pid\":1") else {
            stop()
            throw XCTSkip("the fixture did not start as PID 1 of a namespace: '\(line)'")
        }
        for _ in 0..<500 where initPid == 0 {
            initPid = Self.children(of: process.processIdentifier).first ?? 0
            if initPid == 0 { usleep(10_000) }
        }
        guard initPid != 0 else {
            stop()
            throw XCTSkip("unshare's child was not found")
        }
    }

    /// The init's children, by their host pids.
    func hostChildren() -> [Int32] { Self.children(of: initPid) }

    static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Runs a command in the namespace (its PID and mount namespaces: its own /proc).
    func inside(_ command: [String]) throws -> ToolResult {
        try runCapturing("/usr/bin/nsenter", ["-t", String(initPid), "-p", "-m", "--"] + command)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // --kill-child made the kernel end the init, and with it the namespace; wait until it is gone.
        for _ in 0..<500 where initPid != 0 && kill(initPid, 0) == 0 && ContainerTests.state(initPid) != "Z" { usleep(10_000) }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A cgroup this test made under `/sys/fs/cgroup/HIERARCHY`, with the directories it created on the
/// way; `remove` moves what it holds back to the hierarchy's root and removes them, deepest first.
final class CgroupPlace {
    let root: URL
    let leaf: URL
    private var made: [URL] = []

    static func randomID() -> String {
        (0..<64).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
    }

    init(hierarchy: String, path: String) throws {
        root = URL(fileURLWithPath: "/sys/fs/cgroup/\(hierarchy)")
        leaf = root.appendingPathComponent(path)
        guard getuid() == 0, access(root.appendingPathComponent("cgroup.procs").path, W_OK) == 0 else {
            throw XCTSkip("cannot write \(root.path)/cgroup.procs (needs root and a writable cgroup file system)")
        }
        var current = root
        for part in path.split(separator: "/") {
            current = current.appendingPathComponent(String(part))
            if mkdir(current.path, 0o755) == 0 {
                made.append(current)
            } else if errno != EEXIST {
                let problem = String(cString: strerror(errno))
                remove()
                throw XCTSkip("cannot make the cgroup \(current.path): \(problem)")
            }
        }
    }

    /// Writes `pid` to the leaf's `cgroup.procs`, remembering the cgroup it was in.
    func move(_ pid: Int32) throws {
        let controller = root.lastPathComponent == "unified" ? "" : root.lastPathComponent
        let file = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        for line in file.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, fields[1].split(separator: ",").map(String.init) == (controller.isEmpty ? [] : [controller]) {
                origins[pid] = String(fields[2])
            }
        }
        try "\(pid)\n".write(toFile: leaf.appendingPathComponent("cgroup.procs").path, atomically: false, encoding: .utf8)
    }

    private var origins: [Int32: String] = [:]

    /// What it holds goes back where it came from (a cgroup holding a process cannot be removed),
    /// then the directories this test made are removed, deepest first.
    func remove() {
        for (pid, origin) in origins {
            let back = origin == "/" ? root : root.appendingPathComponent(String(origin.dropFirst()))
            try? "\(pid)\n".write(toFile: back.appendingPathComponent("cgroup.procs").path, atomically: false, encoding: .utf8)
        }
        origins = [:]
        for dir in made.reversed() {
            var tries = 0
            while rmdir(dir.path) != 0 && errno == EBUSY && tries < 100 {
                tries += 1
                usleep(10_000)
            }
        }
        made = []
    }

    /// The parser must name the docker cgroup the kernel reports (checked before zscan is asked).
    static func requireParser(_ cgroupFile: String) throws {
        XCTAssertEqual(ContainerCgroup.parse(cgroupFile)?.runtime, "docker", "the kernel's cgroup file: \(cgroupFile)")
    }
}
