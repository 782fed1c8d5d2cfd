import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// `zscan` (scan) against real processes made by zscan-fixture: each core rule finds what the
/// fixture planted, and only that (findings are narrowed to the fixture's own processes by pid).
final class ScanTests: XCTestCase {
    /// A config that makes the age thresholds zero, so fixtures seconds old count.
    static let eagerConfig: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-eager-\(getpid()).json5").path
        try? #"{ thresholds: { orphan_min_age: "0s", cpu_hang_min_age: "0s", cpu_hang_min_percent: "50.0" } }"#.write(
            toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    struct Report {
        var status: Int32
        var json: [String: Any]
        var findings: [[String: Any]] { json["findings"] as? [[String: Any]] ?? [] }

        /// Rule ids of findings about any of these pids (as process, socket owner or PID file process).
        func rules(about pids: Set<Int32>) -> [String] {
            findings.filter { finding in
                if let p = finding["process"] as? [String: Any], let pid = p["pid"] as? Int { return pids.contains(Int32(pid)) }
                if let s = finding["socket"] as? [String: Any], let owners = s["owners"] as? [[String: Any]] {
                    return owners.contains { pids.contains(Int32($0["pid"] as! Int)) }
                }
                return false
            }.map { $0["rule"] as! String }.sorted()
        }
    }

    func scan(_ arguments: [String]) throws -> Report {
        let result = try runCapturing(Products.path("zscan"), ["--format", "json"] + arguments)
        XCTAssertNotEqual(result.status, 2, result.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return Report(status: result.status, json: json)
    }

    func testZombieAndItsParentAndFailOnZombie() throws {
        let fixture = try FixtureProcess(["zombies", "--count", "3"])
        defer { fixture.stop() }
        let zombies = Set(fixture.ints("zombies"))
        let report = try scan(["--skip", "hang", "--fail-on", "zombie"])
        XCTAssertEqual(report.rules(about: zombies), ["zombie", "zombie", "zombie"])
        XCTAssertEqual(report.rules(about: [fixture.pid]), ["zombie_parent"])
        XCTAssertEqual(report.status, 1, "--fail-on zombie with a zombie present")
        let zombie = report.findings.first { $0["rule"] as? String == "zombie" }!
        XCTAssertEqual(zombie["severity"] as? String, "error")
        XCTAssertEqual(zombie["action"] as? String, "reap")
        XCTAssertTrue((zombie["message"] as! String).contains("has not reaped it"))
    }

    func testFailOnZombieIsCleanWithoutOne() throws {
        // Other processes on this machine may be anything; narrowing to a fresh, healthy fixture
        // makes the check independent of them.
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let report = try scan(["--skip", "hang", "--fail-on", "zombie", "--where", "pid == \(fixture.pid)"])
        XCTAssertEqual(report.status, 0)
        XCTAssertEqual(report.findings.count, 0)
    }

    func testOrphanedDevServerButNotWhenStillAttached() throws {
        let orphan = try FixtureProcess(["--argv", "python3 -m uvicorn app:app", "orphan", "--listen", "0"])
        defer { orphan.stop() }
        let attached = try FixtureProcess(["--argv", "python3 -m uvicorn app:app", "attached", "--listen", "0"])
        defer { attached.stop() }
        let report = try scan(["--skip", "hang", "--config", Self.eagerConfig])
        XCTAssertEqual(report.rules(about: [orphan.int("orphan")!]), ["orphaned_dev_server", "port_held_by_orphan"])
        XCTAssertEqual(report.rules(about: [attached.int("process")!]), [], "still attached to a live session")
        XCTAssertEqual(report.status, 1)
        // With the built-in 30 s threshold a seconds-old orphan is not reported yet.
        let patient = try scan(["--skip", "hang", "--where", "pid == \(orphan.int("orphan")!)"])
        XCTAssertEqual(patient.findings.count, 0)
    }

    func testStoppedListenerHoldsItsPort() throws {
        let fixture = try FixtureProcess(["stopped-listener", "--port", "0"])
        defer { fixture.stop() }
        let listener = fixture.int("listener")!
        let report = try scan(["--only", "port_held_by_stopped,stopped_process", "--port", String(fixture.int("port")!)])
        XCTAssertEqual(report.rules(about: [listener]), ["port_held_by_stopped", "stopped_process"])
        XCTAssertEqual(report.status, 1)
    }

    func testCPUSpinnerIsACPUHang() throws {
        let fixture = try FixtureProcess(["spin", "--seconds", "30"])
        defer { fixture.stop() }
        let spinner = fixture.int("spinner")!
        let report = try scan(["--only", "cpu_hang", "--config", Self.eagerConfig, "--sample", "500ms", "--where", "pid == \(spinner)"])
        XCTAssertEqual(report.rules(about: [spinner]), ["cpu_hang"])
        XCTAssertEqual((report.json["scope"] as! [String: Any])["sample_seconds"] as! Double, 0.5, accuracy: 0.2)
        XCTAssertEqual(report.status, 0, "cpu_hang is a warning: the default --fail-on error does not fail")
        // No rule needing samples: no sampling, and no cpu_hang.
        let unsampled = try scan(["--only", "zombie"])
        XCTAssertTrue((unsampled.json["scope"] as! [String: Any])["sample_seconds"] is NSNull)
    }

    func testStalePidFilesDeadAndReused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-pidfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: dir) }
        let live = try FixtureProcess(["sleep"])
        defer { live.stop() }
        // A pid that is not alive: a finished process's.
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        try "\(done.processIdentifier)\n".write(to: dir.appendingPathComponent("dead.pid"), atomically: true, encoding: .utf8)
        try "\(live.pid)\n".write(to: dir.appendingPathComponent("ok.pid"), atomically: true, encoding: .utf8)
        let reused = dir.appendingPathComponent("reused.pid")
        try "\(live.pid)\n".write(to: reused, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: reused.path)
        let report = try scan(["--only", "stale_pidfile", "--pidfiles", dir.path + "/*.pid"])
        let paths = report.findings.compactMap { ($0["pidfile"] as? [String: Any])?["path"] as? String }.map { URL(fileURLWithPath: $0).lastPathComponent }
            .sorted()
        XCTAssertEqual(paths, ["dead.pid", "reused.pid"])
        XCTAssertEqual(report.status, 1)
        // --pattern matches a PID file's path (the dead pid has no command line to match).
        func matched(_ pattern: String) throws -> [String] {
            let narrowed = try scan(["--only", "stale_pidfile", "--pidfiles", dir.path + "/*.pid", "--pattern", pattern])
            return narrowed.findings.compactMap { ($0["pidfile"] as? [String: Any])?["path"] as? String }.map { URL(fileURLWithPath: $0).lastPathComponent }
                .sorted()
        }
        XCTAssertEqual(try matched("dead\\.pid$"), ["dead.pid"])
        XCTAssertEqual(try matched(dir.lastPathComponent), ["dead.pid", "reused.pid"])
        XCTAssertEqual(try matched("no-such-marker-\(UUID().uuidString)"), [])
    }

    func testJSONReportValidatesAgainstTheSchema() throws {
        guard ReportSchema.available else { throw XCTSkip("python3 jsonschema is not installed (.ci/run installs it)") }
        let fixture = try FixtureProcess(["zombies", "--count", "1"])
        defer { fixture.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-report-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try runCapturing(Products.path("zscan"), ["--skip", "hang", "--report", "json=\(out)", "-q"])
        XCTAssertEqual(result.stdout, "", "-q writes no report on stdout")
        XCTAssertEqual(result.status, 1)
        XCTAssertNil(try ReportSchema.problems(inReportAt: out))
    }

    func testErrorFindingsAboutThisMachineAreTrueByPs() throws {
        // Whatever runs here that is not ours may have real problems (another job's zombie), so
        // this does not ask for none: it asks that every error finding be true, as `ps` sees it
        // (a scanner that cries wolf is useless). A finding ps cannot confirm is retried for a while:
        // earlier tests' orphans end as zombies of PID 1 until it reaps them, which can take seconds.
        func state(_ pid: Int) throws -> String? {
            let ps = try runCapturing("/bin/sh", ["-c", "ps -o stat= -p \(pid)"])
            let text = ps.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
        func confirmed(_ finding: [String: Any]) throws -> Bool {
            let process = finding["process"] as? [String: Any]
            let owners = (finding["socket"] as? [String: Any])?["owners"] as? [[String: Any]] ?? []
            switch finding["rule"] as? String {
            case "zombie": return try (process?["pid"] as? Int).flatMap(state)?.hasPrefix("Z") ?? false
            case "port_held_by_stopped":
                return try owners.contains { owner in try (owner["pid"] as? Int).flatMap(state)?.hasPrefix("T") ?? false }
            case "orphaned_dev_server":
                guard let pid = process?["pid"] as? Int, let stat = try state(pid), !stat.hasPrefix("Z") else { return false }
                let ppid = try runCapturing("/bin/sh", ["-c", "ps -o ppid= -p \(pid)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return Int(ppid) == process?["ppid"] as? Int
            case "stale_pidfile":
                // A PID file where PID files live: its pid is not running, or it started after the file was written.
                guard let file = finding["pidfile"] as? [String: Any], let pid = file["pid"] as? Int, let age = file["age"] as? Double else {
                    return false
                }
                guard try state(pid) != nil else { return true }
                let elapsed = try runCapturing("/bin/sh", ["-c", "ps -o etimes= -p \(pid)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return Double(elapsed).map { $0 + 1 < age } ?? true
            default: return false  // no other error rule can fire without --baseline
            }
        }
        var unconfirmed: [String] = []
        var seen = 0
        for _ in 0..<30 {
            let report = try scan(["--skip", "hang", "--where", "!(cmdline contains 'zscan-test-')", "--fail-on", "error"])
            let errors = report.findings.filter { $0["severity"] as? String == "error" }
            seen = errors.count
            unconfirmed = try errors.filter { try !confirmed($0) }.map { "\($0["rule"]!): \($0["message"]!)" }
            if unconfirmed.isEmpty { break }
            usleep(500_000)
        }
        XCTAssertEqual(unconfirmed, [], "of \(seen) error findings")
    }
}
