import Foundation
import XCTest
@testable import ZScanCLI

/// `zscan explain PID` on a saved snapshot (`--from`): every fact, the evidence, and what the
/// rules and an unscoped cleanup would do, as text and as JSON.
final class ExplainCommandTests: XCTestCase {
    var directory: TemporaryDirectory!
    var snapshot = ""
    var config = ""
    var rules = ""

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
        let uid = getuid()
        // init(1) ← bash(800, session 800) ← bash(812) ← vim(900); uvicorn(4242) and a nohup'd
        // sleep(4300) from session 800, adopted by init while bash(800) still runs (of another job
        // that still runs: cleanup spares a detached process unless that job is over).
        snapshot = try directory.write(
            "snapshot.json",
            """
            {"format_version": "1.0", "host": {"boot_time": 0, "clock_ticks": 100, "init_pid": 1}, "taken_at": 0, "sockets": [], "processes": [
              {"pid": 1, "ppid": 0, "sid": 0, "state": "S", "name": "init", "start_ticks": 1, "uid": 0, "adopted": false},
              {"pid": 800, "ppid": 1, "sid": 800, "state": "S", "name": "bash", "start_ticks": 2, "uid": \(uid), "adopted": false},
              {"pid": 812, "ppid": 800, "sid": 800, "state": "S", "name": "bash", "start_ticks": 3, "uid": \(uid), "adopted": false},
              {"pid": 900, "ppid": 812, "sid": 800, "state": "S", "name": "vim", "cmdline": "vim notes\\u001b[2J", "start_ticks": 4, "uid": \(uid), "adopted": false},
              {"pid": 4242, "ppid": 1, "sid": 800, "state": "S", "name": "uvicorn", "cmdline": "python3 -m uvicorn app:app --port 8001",
               "user": "dev", "uid": \(uid), "start_ticks": 5, "age": 130, "ports": [8001], "adopted": true, "detached": false, "orphaned": true,
               "job": "none", "evidence": ["parent exited; now init (1)", "session leader bash (800) still running"]},
              {"pid": 4300, "ppid": 1, "sid": 800, "state": "S", "name": "sleep", "cmdline": "sleep 1000", "uid": \(uid), "start_ticks": 6,
               "age": 5, "adopted": true, "detached": true, "ignores_sighup": true, "job": "other", "job_alive": true,
               "job_cookie": "RUNNER_TRACKING_ID=github_0c9e1f2a…",
               "evidence": ["parent exited; now init (1)", "session leader bash (800) still running", "job cookie RUNNER_TRACKING_ID=github_0c9e1f2a… is not this job's",
                 "its job still runs: another process carries the same cookie", "ignores SIGHUP (nohup)"]}
            ]}
            """)
        rules = try directory.write(
            "rules.json5",
            """
            {
              format_version: 1,
              rules: [
                { id: "adopted_any", title: "Adopted", severity: "error", tags: ["mine"], when: "adopted", message: "{name} ({pid}) was adopted",
                  action: "terminate_tree", examples: { match: [{ adopted: true }], no_match: [{ adopted: false }] } },
                { id: "peek_detached", title: "Detached", severity: "info", tags: ["mine"], hidden: true, when: "detached", message: "{name} ({pid}) is detached",
                  examples: { match: [{ detached: true }], no_match: [{ detached: false }] } },
                { id: "other_job", title: "Other job", severity: "warning", tags: ["mine"], when: "job == 'other'", message: "{name} ({pid}) is another job's",
                  action: "terminate", examples: { match: [{ job: "other" }], no_match: [{ job: "same" }] } },
              ],
            }
            """)
        config = try directory.write("config.json5", #"{ only: ["mine"] }"#)
    }

    override func tearDown() { directory.remove() }

    func explain(_ pid: String, _ extra: [String] = []) -> InProcessResult {
        zscan(["explain", pid, "--from", snapshot, "--rules", rules, "--config", config] + extra)
    }

    func testAnAdoptedServerWithItsEvidenceAndWhatCleanupWouldDo() {
        let result = explain("4242")
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(
            result.stdout,
            """
            uvicorn (4242)  python3 -m uvicorn app:app --port 8001
              state     S, 2m old, user dev
              parent    init (1), the namespace init
              session   800, led by bash (800), still running
              adopted   yes
                        because: parent exited; now init (1)
                        because: session leader bash (800) still running
              detached  no: nothing says it was meant to outlive its starter
              job       none
              pidfile   none names it
              ports     8001
              findings  error  adopted_any  uvicorn (4242) was adopted
                        unscoped --cleanup: ends it (terminate_tree)

            """)
    }

    /// A container's init seen from the host: its namespace, its pid inside, and its container.
    func testAContainerInitSeenFromTheHost() throws {
        let id = String(repeating: "1fce13e5", count: 8)
        let saved = try directory.write(
            "containers.json",
            """
            {"format_version": "1.2", "fields": ["status", "cgroup", "namespace"], "host": {"boot_time": 0, "clock_ticks": 100, "init_pid": 1, "pid_ns": 4026531836},
             "taken_at": 0, "sockets": [], "processes": [
              {"pid": 1, "ppid": 0, "sid": 0, "state": "S", "name": "init", "start_ticks": 1, "uid": 0, "pid_ns": 4026531836, "ns_pid": 1, "ns_init": true},
              {"pid": 5100, "ppid": 1, "sid": 5100, "state": "S", "name": "python3", "start_ticks": 7, "uid": 0,
               "pid_ns": 4026532176, "ns_pid": 1, "ns_init": true,
               "container": {"runtime": "docker", "id": "\(id)", "path": "/docker/\(id)"}}
            ]}
            """)
        let text = zscan(["explain", "5100", "--from", saved, "--rules", rules, "--config", config]).stdout
        XCTAssertTrue(
            text.contains(
                "\n  namespace another than zscan's (4026532176), pid 1 inside, its init: it reaps the namespace's orphans, and ending it ends them all\n"
                    + "  container docker 1fce13e51fce, and this is its init\n"), text)
        let json = zscan(["explain", "5100", "--from", saved, "--rules", rules, "--config", config, "--format", "json"]).stdout
        XCTAssertTrue(json.contains(#""pid_ns":4026532176,"own_pid_ns":false,"ns_pid":1,"ns_init":true,"container":{"runtime":"docker","id":"\#(id)""#), json)
        XCTAssertFalse(explain("4242").stdout.contains("\n  namespace "), "a snapshot without namespaces says nothing of them")
    }

    func testADetachedProcessOfAnotherJobAndItsHiddenFinding() {
        let text = explain("4300").stdout
        XCTAssertTrue(text.contains("\n  detached  yes: meant to outlive its starter\n            because: ignores SIGHUP (nohup)\n"), text)
        XCTAssertTrue(
            text.contains(
                "\n  job       other (RUNNER_TRACKING_ID=github_0c9e1f2a…)\n            because: job cookie RUNNER_TRACKING_ID=github_0c9e1f2a… is not this job's\n"
            ), text)
        XCTAssertTrue(
            text.contains(
                "error  adopted_any  sleep (4300) was adopted\n            unscoped --cleanup: skips it: detached on purpose (ignores SIGHUP (nohup)); name its rule to end it: --only adopted_any\n"
            ), text)
        XCTAssertTrue(text.contains("info  peek_detached (hidden: shown with -v or --only peek_detached)  sleep (4300) is detached\n"), text)
        XCTAssertTrue(
            text.contains(
                "warning  other_job  sleep (4300) is another job's\n            unscoped --cleanup: leaves it: --fail-on does not select this warning; name it: --only other_job\n"
            ),
            text)
    }

    func testAProcessItsParentStartedIsNotAdopted() {
        let text = explain("900").stdout
        XCTAssertTrue(text.hasPrefix("vim (900)  vim notes\\e[2J\n"), "the command line is escaped: \(text)")
        XCTAssertTrue(text.contains("\n  adopted   no: its parent bash (812) started it (same session)\n"), text)
        XCTAssertTrue(text.contains("\n  detached  not asked: only an adopted process can be detached\n"), text)
        XCTAssertTrue(text.contains("\n  job       unknown: read only for processes that may have been adopted\n"), text)
        XCTAssertTrue(text.contains("\n  findings  none from the loaded rules\n"), text)
    }

    func testJSONIsOneObjectWithTheSameFacts() throws {
        let result = explain("4300", ["--format", "json"])
        XCTAssertEqual(result.status, 0)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["pid"] as? Int, 4300)
        XCTAssertEqual((object["parent"] as? [String: Any])?["namespace_init"] as? Bool, true)
        XCTAssertEqual((object["session"] as? [String: Any])?["leader_alive"] as? Bool, true)
        XCTAssertEqual(object["adopted"] as? Bool, true)
        XCTAssertEqual(object["adopted_evidence"] as? [String], ["parent exited; now init (1)", "session leader bash (800) still running"])
        XCTAssertEqual(object["detached"] as? Bool, true)
        XCTAssertEqual(object["detached_evidence"] as? [String], ["ignores SIGHUP (nohup)"])
        XCTAssertEqual(object["job"] as? String, "other")
        XCTAssertEqual(object["job_cookie"] as? String, "RUNNER_TRACKING_ID=github_0c9e1f2a…")
        XCTAssertTrue(object["pidfile"] is NSNull)
        let findings = try XCTUnwrap(object["findings"] as? [[String: Any]])
        XCTAssertEqual(findings.map { $0["rule"] as? String }, ["adopted_any", "peek_detached", "other_job"])
        XCTAssertEqual(findings.map { $0["hidden"] as? Bool }, [false, true, false])
        XCTAssertEqual(findings.map { $0["unscoped_cleanup_ends_it"] as? Bool }, [false, false, false])
    }

    func testAMissingProcessOrABadArgumentExitsTwo() {
        let missing = explain("31337")
        XCTAssertEqual(missing.stderr, "Error: no process 31337 in \(snapshot)\n")
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(explain("4242", ["--format", "junit"]).status, 2)
        for bad in [["explain"], ["explain", "x"], ["explain", "1", "2"], ["explain", "0"]] {
            let result = zscan(bad)
            XCTAssertEqual(result.status, 2, "\(bad)")
            XCTAssertTrue(result.stderr.hasPrefix("Error: "), result.stderr)
            XCTAssertTrue(result.stderr.contains("Usage: zscan explain <pid>"), result.stderr)
        }
    }
}
