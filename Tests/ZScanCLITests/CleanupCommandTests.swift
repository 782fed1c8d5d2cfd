import Foundation
import XCTest
import ZScanTestSupport

/// `zscan --cleanup` against real fixtures, each scenario in a private PID namespace where one can
/// be made (see CleanupSandbox), and always scoped by the scenario's marker.
final class CleanupCommandTests: XCTestCase {
    var sandbox: CleanupSandbox!

    override func setUpWithError() throws { sandbox = try CleanupSandbox() }
    override func tearDown() { sandbox.remove() }

    /// Fixture processes of this scenario in a `processes` listing (not the scenario's shell).
    func planted(_ listing: String, except handles: Set<Int32> = []) -> [ProcessRow] {
        sandbox.processes(listing).values.filter {
            $0.args.contains(sandbox.marker) && !$0.args.contains("scenario.sh") && !handles.contains($0.pid)
        }
    }

    /// The scenario's JSON report `NAME.json` matches the report schema (actions included).
    func assertValid(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        guard ReportSchema.available else { return }
        XCTAssertNil(try ReportSchema.problems(inReportAt: sandbox.directory.appendingPathComponent(name + ".json").path), file: file, line: line)
    }

    /// Gone from a listing, or a zombie waiting for init (which reaps lazily outside a namespace).
    func ended(_ pid: Int32, in listing: String) -> Bool {
        sandbox.processes(listing)[pid].map { $0.stat.hasPrefix("Z") } ?? true
    }

    /// Planted processes still alive (not zombies).
    func survivors(_ listing: String, except handles: Set<Int32> = []) -> [ProcessRow] {
        planted(listing, except: handles).filter { !$0.stat.hasPrefix("Z") }
    }

    func testTermIgnoringDevServerIsKilledAndItsPortFreed() throws {
        try sandbox.run(
            """
            start server orphan --listen 0 --ignore-term --argv "python3 -m uvicorn app:app"
            zscan --cleanup --grace 1s --format json > cleanup.json; echo $? > status
            ss -ltnH "sport = :$(field server port)" > held
            processes after
            stop server
            """)
        let orphan = try XCTUnwrap(sandbox.int("server", "orphan"))
        let action = try XCTUnwrap(sandbox.report("cleanup").action(for: orphan), "no action for the orphan")
        XCTAssertEqual(action.rule, "orphaned_dev_server")
        XCTAssertEqual(action.action, "terminate_tree")
        XCTAssertEqual(action.outcome, "killed", "it ignores SIGTERM, so only SIGKILL ends it")
        XCTAssertEqual(action.steps.filter { $0.hasPrefix("SIG") && $0 != "SIGSTOP" && $0 != "SIGCONT" }, ["SIGTERM", "SIGKILL"])
        XCTAssertTrue(action.steps.contains("waited 1s"), "\(action.steps)")
        XCTAssertEqual(sandbox.text("held"), "", "the port is still listening")
        XCTAssertTrue(ended(orphan, in: "after"), "the orphan is still there")
        XCTAssertEqual(sandbox.text("status"), "0\n", "a finding whose target was killed no longer fails the run")
        XCTAssertEqual(sandbox.report("cleanup").failingCount, 0)
    }

    func testStoppedListenerIsEndedAndPortNamedIsVerifiedFree() throws {
        let result = try sandbox.run(
            """
            start app stopped-listener
            port=$(field app port)
            zscan --cleanup --port "$port" --grace 1s --format json > cleanup.json; echo $? > status
            ss -ltnH "sport = :$port" > held
            stop app
            """)
        let listener = try XCTUnwrap(sandbox.int("app", "listener"))
        let report = sandbox.report("cleanup")
        let action = try XCTUnwrap(report.action(for: listener), "no action for the stopped listener")
        XCTAssertEqual(action.outcome, "terminated")
        XCTAssertEqual(action.steps.first, "SIGTERM")
        XCTAssertEqual(sandbox.text("held"), "")
        XCTAssertFalse(result.stderr.contains("still held"), result.stderr)
        XCTAssertEqual(sandbox.text("status"), "0\n")
    }

    func testPortStillHeldByAHealthyListenerIsNamedAndFails() throws {
        try sandbox.run(
            """
            start web listen
            zscan --cleanup --port "$(sed -n 's/.*"ports":\\[\\([0-9]*\\).*/\\1/p' web.json)" --grace 1s --format json > cleanup.json; echo $? > status
            stop web
            """)
        let report = sandbox.report("cleanup")
        let port = try XCTUnwrap(sandbox.ints("web", "ports").first)
        let holders = sandbox.ints("web", "workers") + [sandbox.int("web", "pid")].compactMap { $0 }
        XCTAssertTrue(report.actions.isEmpty, "a healthy listener is no finding, so no target")
        let errors = report.json["errors"] as? [String] ?? []
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors.first?.hasPrefix("port \(port) is still held by ") ?? false, "\(errors)")
        XCTAssertTrue(holders.contains { errors.first?.contains("(\($0))") ?? false }, "the holder is named: \(errors)")
        XCTAssertEqual(sandbox.text("status"), "1\n", "--cleanup --port promises a free port")
    }

    /// A rule that makes one process a terminate_tree target.
    func treeRule(id: String) -> String {
        """
        cat > rules.json5 <<EOF
        { format_version: 1, rules: [{ id: "\(id)", title: "forks", severity: "error", tags: ["leak"],
          when: "pid == $target", message: "{name} ({pid}) forks", action: "terminate_tree" }] }
        EOF
        """
    }

    func testForkingTreeIsEndedWhole() throws {
        try sandbox.run(
            """
            start tree forker --interval-ms 3
            target=$(field tree forker)
            \(treeRule(id: "test_forker"))
            sleep 0.3
            processes before
            zscan --rules rules.json5 --only test_forker --cleanup --grace 1s --format json > cleanup.json; echo $? > status
            processes after
            stop tree
            """)
        let forker = try XCTUnwrap(sandbox.int("tree", "forker"))
        let handle = try XCTUnwrap(sandbox.int("tree", "pid"))
        let children = planted("before", except: [forker, handle])
        XCTAssertGreaterThan(children.count, 5, "the forker should have forked by now")
        let report = sandbox.report("cleanup")
        XCTAssertEqual(report.outcome(of: forker), "terminated")
        let resolved = Set(report.actions.filter { ["terminated", "killed", "already_gone"].contains($0.outcome) }.compactMap(\.pid))
        let missed = children.filter { !resolved.contains($0.pid) }
        XCTAssertEqual(missed, [], "children seen before cleanup were not ended: \(missed.map { report.action(for: $0.pid)?.outcome ?? "no action" })")
        XCTAssertEqual(survivors("after", except: [handle]).map(\.pid), [], "members of the tree are left")
        let rootSteps = report.action(for: forker)?.steps ?? []
        XCTAssertTrue(rootSteps.contains { $0.hasPrefix("tree searched in ") }, "\(rootSteps)")
        XCTAssertEqual(report.actions.last?.pid, forker, "leaves first: the root is ended last")
        XCTAssertEqual(sandbox.text("status"), "0\n")
    }

    func testTermIgnoringForkerIsFollowedThroughTheGracePeriod() throws {
        try sandbox.run(
            """
            start tree forker --interval-ms 5 --ignore-term
            target=$(field tree forker)
            \(treeRule(id: "test_forker"))
            zscan --rules rules.json5 --only test_forker --cleanup --grace 1s --format json > cleanup.json; echo $? > status
            processes after
            stop tree
            """)
        let forker = try XCTUnwrap(sandbox.int("tree", "forker"))
        let handle = try XCTUnwrap(sandbox.int("tree", "pid"))
        let report = sandbox.report("cleanup")
        XCTAssertEqual(report.outcome(of: forker), "killed")
        try assertValid("cleanup")
        XCTAssertTrue(
            report.actions.contains { $0.steps.contains("forked during the grace period") },
            "children forked while the forker ignored SIGTERM were not followed")
        XCTAssertTrue(report.actions.allSatisfy { $0.outcome == "killed" || $0.outcome == "already_gone" }, "\(report.actions.map(\.outcome))")
        XCTAssertEqual(survivors("after", except: [handle]).map(\.pid), [])
    }

    func testZombiesOfAnOrphanedParentAreReapedByInitOnceTheParentEnds() throws {
        try sandbox.run(
            """
            start parent orphan --zombies 3
            zscan --cleanup --grace 1s --format json > cleanup.json; echo $? > status
            processes after
            stop parent
            """)
        let orphan = try XCTUnwrap(sandbox.int("parent", "orphan"))
        let zombies = sandbox.ints("parent", "zombies")
        XCTAssertEqual(zombies.count, 3)
        let report = sandbox.report("cleanup")
        XCTAssertEqual(report.outcome(of: orphan), "terminated")
        for zombie in zombies {
            let action = report.action(for: zombie)
            XCTAssertEqual(action?.action, "reap")
            XCTAssertEqual(action?.outcome, "reaped", "\(action?.reason ?? "")")
            XCTAssertEqual(action?.steps, ["its parent was ended: init reaps it"])
            XCTAssertNil(sandbox.processes("after")[zombie])
        }
        XCTAssertEqual(sandbox.text("status"), "0\n")
        try assertValid("cleanup")
    }

    func testDryRunChangesNothing() throws {
        try sandbox.run(
            """
            start server orphan --listen 0 --zombies 2 --argv "python3 -m uvicorn app:app"
            processes before
            zscan --dry-run --format json > plan.json; echo $? > status
            zscan --dry-run > plan.txt
            ss -ltnH "sport = :$(field server port)" > held
            processes after
            stop server
            """)
        let orphan = try XCTUnwrap(sandbox.int("server", "orphan"))
        let report = sandbox.report("plan")
        XCTAssertEqual(Set(report.actions.compactMap(\.pid)), Set([orphan] + sandbox.ints("server", "zombies")))
        XCTAssertEqual(Set(report.actions.map(\.outcome)), ["planned"])
        try assertValid("plan")
        XCTAssertEqual(report.action(for: orphan)?.steps.last, "SIGKILL if still alive")
        let planted = Set([orphan] + sandbox.ints("server", "zombies"))
        let mine = { (listing: String) in self.sandbox.processes(listing).filter { planted.contains($0.key) } }
        XCTAssertEqual(mine("before").count, 3)
        XCTAssertEqual(mine("before"), mine("after"), "a dry run changed a process")
        XCTAssertNotEqual(sandbox.text("held"), "", "a dry run freed the port")
        XCTAssertEqual(sandbox.text("status"), "1\n", "nothing was cleaned, so the error still fails the run")
        for zombie in sandbox.ints("server", "zombies") {
            XCTAssertEqual(report.action(for: zombie)?.steps, ["python3 (\(orphan)) is ended above: init reaps it"])
        }
        XCTAssertTrue(sandbox.text("plan.txt").contains("cleanup (dry run: nothing was signalled):\n  planned"), sandbox.text("plan.txt"))
    }

    func testGuardsProtectAncestorsInitProtectedAndOtherUsersProcesses() throws {
        try sandbox.run(
            """
            start kept orphan --argv "keepme-$MARKER"
            cat > rules.json5 <<EOF
            { format_version: 1, rules: [{ id: "test_guard", title: "anything", severity: "error", tags: ["leak"],
              when: "pid == 1 || cmdline contains '$MARKER-shell' || pid == $(field kept orphan)", message: "{name} ({pid})",
              action: "terminate" }] }
            EOF
            printf '{ thresholds: { orphan_min_age: "0s" }, protect: ["cmdline starts_with %skeepme-%s"] }' "'" "$MARKER'" > protect.json5
            /bin/sh -c '"$ZSCAN" --config protect.json5 --rules rules.json5 --only test_guard --pattern "$MARKER" --cleanup --grace 1s --format json > guards.json; echo $? > status; : '"$MARKER-shell"
            processes after
            stop kept
            """)
        let kept = try XCTUnwrap(sandbox.int("kept", "orphan"))
        let report = sandbox.report("guards")
        XCTAssertEqual(report.outcome(of: kept), "protected")
        try assertValid("guards")
        XCTAssertEqual(report.action(for: kept)?.reason, "protected by the config")
        XCTAssertNotNil(sandbox.processes("after")[kept], "a protected process was ended")
        let shell = report.actions.first { $0.pid != kept && $0.pid != 1 }
        XCTAssertEqual(shell?.outcome, "protected", "zscan's parent shell: \(report.actions)")
        XCTAssertEqual(shell?.reason, "an ancestor of zscan")
        if CleanupSandbox.isolated {
            // PID 1 here is the scenario's shell, whose command line carries the marker.
            XCTAssertEqual(report.outcome(of: 1), "protected")
            XCTAssertEqual(report.action(for: 1)?.reason, "pid 1 is the namespace init")
        }
        XCTAssertTrue(report.actions.allSatisfy { $0.outcome == "protected" }, "\(report.actions)")
        XCTAssertTrue(report.actions.allSatisfy { $0.steps.isEmpty }, "a guarded process was signalled")
        XCTAssertEqual(sandbox.text("status"), "1\n", "protected targets still fail the run")
    }

    func testOtherUsersProcessesNeedAllUsers() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to start a process as another user")
        }
        try sandbox.run(
            """
            setpriv --reuid 65534 --regid 65534 --clear-groups "$FIXTURE" orphan --marker "$MARKER" --ttl 60 > foreign.json &
            foreign_handle=$!
            until grep -q '}' foreign.json 2>/dev/null; do sleep 0.01; done
            zscan --cleanup --grace 1s --format json > without.json
            processes between
            zscan --cleanup --all-users --grace 1s --format json > with.json
            processes after
            stop foreign
            """)
        let orphan = try XCTUnwrap(sandbox.int("foreign", "orphan"))
        XCTAssertEqual(sandbox.report("without").outcome(of: orphan), "protected")
        XCTAssertEqual(sandbox.report("without").action(for: orphan)?.reason, "another user's process (use --all-users)")
        XCTAssertNotNil(sandbox.processes("between")[orphan])
        XCTAssertEqual(sandbox.report("with").outcome(of: orphan), "terminated")
        XCTAssertTrue(ended(orphan, in: "after"))
    }

    /// On this machine itself, not in a namespace: PID 1 and a kernel thread are never cleanup
    /// targets. Only `--dry-run` is used, so even a broken guard could signal nothing.
    func testInitAndKernelThreadsAreProtectedOnThisMachine() throws {
        let rules = sandbox.directory.appendingPathComponent("host-rules.json5")
        try #"""
        { format_version: 1, rules: [{ id: "test_host_guard", title: "init and kthreadd", severity: "error", tags: ["leak"],
          when: "pid == 1 || (kernel_thread && name == 'kthreadd')", message: "{name} ({pid})", action: "terminate" }] }
        """#.write(to: rules, atomically: true, encoding: .utf8)
        let result = try runCapturing(Products.path("zscan"), ["--rules", rules.path, "--only", "test_host_guard", "--dry-run", "--format", "json"])
        let report = CleanupReport(json: try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:])
        XCTAssertEqual(report.outcome(of: 1), "protected")
        if let kthreadd = report.actions.first(where: { $0.pid != 1 }) {
            XCTAssertEqual(kthreadd.outcome, "protected")
            XCTAssertEqual(kthreadd.reason, "a kernel thread")
        } else if FileManager.default.fileExists(atPath: "/proc/2/comm"),
            (try? String(contentsOfFile: "/proc/2/comm", encoding: .utf8)) == "kthreadd\n"
        {
            XCTFail("kthreadd is visible but was not planned: \(report.actions)")
        }
    }

    /// A stale PID file is deleted; one naming a live process of its own is a healthy file and stays.
    /// Only the scenario's files match the marker, so no PID file where PID files live can be a target.
    func testStalePidFileIsRemovedAndALiveOneKept() throws {
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let stale = sandbox.directory.appendingPathComponent("stale.pid").path
        let live = sandbox.directory.appendingPathComponent("live.pid").path
        try "\(finished.processIdentifier)\n".write(toFile: stale, atomically: true, encoding: .utf8)
        try "\(fixture.pid)\n".write(toFile: live, atomically: true, encoding: .utf8)
        let result = try runCapturing(
            Products.path("zscan"),
            [
                "--only", "stale_pidfile", "--pidfiles", sandbox.directory.path + "/*.pid", "--pattern", sandbox.marker, "--cleanup",
                "--format", "json",
            ])
        let report = CleanupReport(json: try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:])
        XCTAssertEqual(report.actions.map(\.path), [stale])
        XCTAssertEqual(report.actions.first?.outcome, "removed")
        XCTAssertEqual(report.actions.first?.action, "remove_file")
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
        XCTAssertEqual(result.status, 0, "the removed file no longer fails the run: \(result.stderr)")
    }

    /// On this machine, scoped only by the marker: the planted orphan is ended, an identical
    /// bystander orphan with another marker is not, and no action names anything else.
    func testUnrelatedProcessesAreUntouched() throws {
        let planted = try FixtureProcess(["orphan", "--ignore-term"])
        defer { planted.stop() }
        let bystander = try FixtureProcess(["orphan"])
        defer { bystander.stop() }
        let before = try processIdentities()
        let result = try runCapturing(
            Products.path("zscan"),
            [
                "--config", sandbox.directory.appendingPathComponent("config.json5").path,
                "--pattern", planted.marker, "--cleanup", "--grace", "1s", "--format", "json",
            ])
        let after = try processIdentities()
        let report = CleanupReport(json: try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:])
        let orphan = try XCTUnwrap(planted.int("orphan"))
        XCTAssertEqual(report.actions.compactMap(\.pid), [orphan], "cleanup named something not planted")
        XCTAssertEqual(report.outcome(of: orphan), "killed")
        let other = try XCTUnwrap(bystander.int("orphan"))
        XCTAssertNotNil(before[other])
        XCTAssertEqual(after[other], before[other], "the bystander orphan was touched")
        XCTAssertEqual(after[bystander.pid], before[bystander.pid])
        let stat = (try? String(contentsOfFile: "/proc/\(orphan)/stat", encoding: .utf8)) ?? ""
        XCTAssertTrue(stat.isEmpty || stat.contains(") Z "), "the planted orphan still runs: \(stat)")
    }

    /// pid -> start time (clock ticks after boot), from /proc.
    func processIdentities() throws -> [Int32: String] {
        var out: [Int32: String] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 19 { out[pid] = String(fields[19]) }
        }
        return out
    }
}
