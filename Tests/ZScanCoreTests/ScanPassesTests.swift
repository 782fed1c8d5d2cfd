import Foundation
import XCTest

@testable import ZScanCore

/// The scan's passes (`ScanPasses`) over an in-memory system: what is sampled, what is read for
/// which process, how long the scan waits, and above all that the findings are those of one full
/// read, for the built-in rules and others over a varied population.
final class ScanPassesTests: XCTestCase {
    // MARK: Sampling

    func testNoSamplingCandidateMeansNoWaitAndNoneSampled() throws {
        let source = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, state: "S", name: "systemd", age: 9000),
            ProcessRecord(pid: 50, ppid: 1, sid: 50, state: "S", name: "sshd", age: 9000),
            ProcessRecord(pid: 60, ppid: 50, sid: 60, state: "R", name: "bash", age: 30),
            ProcessRecord(pid: 61, ppid: 60, sid: 60, state: "D", name: "cp", age: 9000, cpuTime: 3),
        ])
        // 61 is in D, but d_state_hang needs it in D at both readings: it is a candidate.
        var run = try scan(source, rules: Self.builtin(), sampleSeconds: 1)
        XCTAssertEqual(run.result.scope.sampledProcesses, 1)
        XCTAssertEqual(source.rereads.first?.map(\.pid), [61])

        let idle = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, state: "S", name: "systemd", age: 9000),
            ProcessRecord(pid: 60, ppid: 1, sid: 60, state: "R", name: "bash", age: 30),
            ProcessRecord(pid: 62, ppid: 60, sid: 60, state: "S", name: "vim", age: 9000),
        ])
        run = try scan(idle, rules: Self.builtin(), sampleSeconds: 1)
        XCTAssertEqual(run.clock.waits, [], "no process could match a sampling rule: no wait")
        XCTAssertEqual(run.result.scope.sampledProcesses, 0)
        XCTAssertNil(run.result.scope.sampleSeconds)
        XCTAssertTrue(idle.rereads.isEmpty)
        let scope = try XCTUnwrap(Self.json(run.result)["scope"] as? [String: Any])
        XCTAssertEqual(scope["sampled_processes"] as? Int, 0)
        XCTAssertTrue(scope["sample_seconds"] is NSNull)

        run = try scan(idle, rules: Self.builtin().filter { !$0.summary.tags.contains("hang") }, sampleSeconds: 1)
        XCTAssertNil(run.result.scope.sampledProcesses, "no sampling rule ran")
        XCTAssertTrue(try XCTUnwrap(Self.json(run.result)["scope"] as? [String: Any])["sampled_processes"] is NSNull)
    }

    func testOnlyTheRunnableOldProcessIsSampledAndFound() throws {
        let source = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, state: "S", name: "systemd", age: 9000),
            ProcessRecord(pid: 2, ppid: 0, sid: 0, state: "R", name: "kworker/0:1", age: 9000, kernelThread: true),
            ProcessRecord(pid: 70, ppid: 1, sid: 70, state: "R", name: "spin", cmdline: "spin", age: 4000, cpuTime: 100),
            ProcessRecord(pid: 71, ppid: 1, sid: 71, state: "R", name: "young", age: 5, cpuTime: 1),
            ProcessRecord(pid: 72, ppid: 1, sid: 72, state: "S", name: "idle", age: 4000, cpuTime: 2),
        ])
        source.later[70] = ProcessSample(state: "R", cpuTime: 100.95)
        let clock = FakeClock()
        source.onSurvey = { clock.now += 0.25 }
        let run = try scan(source, rules: Self.builtin(), sampleSeconds: 1, clock: clock)
        XCTAssertEqual(source.rereads.map { $0.map(\.pid) }, [[70]])
        XCTAssertEqual(run.clock.waits, [0.875], "the window is counted from the middle of the survey")
        XCTAssertEqual(run.result.scope.sampledProcesses, 1)
        XCTAssertEqual(run.result.scope.sampleSeconds, 1)
        XCTAssertEqual(run.result.findings.map(\.rule.id), ["cpu_hang"])
        XCTAssertEqual(run.context.samples?[70]?.cpu, 95)
        XCTAssertEqual(run.context.samples?[70]?.stateBefore, "R")
        XCTAssertNil(run.context.samples?[72], "not sampled: cpu is null for it")
    }

    func testSampledProcessesHaveTheSecondReadingsState() throws {
        let source = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, state: "S", name: "systemd", age: 9000),
            ProcessRecord(pid: 80, ppid: 1, sid: 80, state: "D", name: "stuck", age: 100),
            ProcessRecord(pid: 81, ppid: 1, sid: 81, state: "D", name: "brief", age: 100),
            ProcessRecord(pid: 82, ppid: 1, sid: 82, state: "D", name: "gone", age: 100),
        ])
        source.later[81] = ProcessSample(state: "S", cpuTime: 0)
        source.goneLater = [82]
        let run = try scan(source, rules: Self.builtin(), sampleSeconds: 0.5)
        XCTAssertEqual(run.result.scope.sampledProcesses, 3)
        XCTAssertEqual(run.result.findings.map(\.subject.pid), [80])
        XCTAssertEqual(run.result.counters.vanished, 1, "a candidate gone by the second reading is dropped")
        XCTAssertEqual(run.context.snapshot.process(pid: 81)?.state, "S")
    }

    // MARK: What is read

    func testZombieRulesReadNothingBeyondStat() throws {
        let source = FakeSnapshotSource(processes: Self.population(seed: 3, count: 200))
        let zombieRules = try Self.builtin().filter { $0.summary.tags.contains("zombie") }
        let run = try scan(source, rules: zombieRules)
        XCTAssertFalse(run.result.findings.isEmpty)
        // Only the findings' processes get every group the rules name (for their reports); beyond
        // them, only parents of zombies get their PID namespace read (is it an init that never
        // waits?) and, with a zombie child old enough for `init_not_reaping`, their cgroup (is it
        // in a pod?), decided from stat alone.
        let concerned = Set(run.result.findings.compactMap(\.subject.pid))
        let snapshot = run.context.snapshot
        let zombieParents = Set(snapshot.processes.filter(\.isZombie).map(\.ppid))
        for read in source.reads where !concerned.contains(read.pid) {
            XCTAssertTrue(read.groups.contains(.namespace) && read.groups.isSubset(of: [.namespace, .cgroup]), "\(read.pid): \(read.groups)")
            XCTAssertTrue(zombieParents.contains(read.pid), "\(read.pid) has no zombie child")
        }
    }

    func testDemandsOnlyForProcessesARuleCouldMatch() throws {
        let population = Self.population(seed: 5, count: 300)
        let source = FakeSnapshotSource(processes: population)
        let run = try scan(source, rules: Self.builtin())
        let candidates = Set(Lineage.adoptionCandidates(in: run.context.snapshot).map { run.context.snapshot.processes[$0].pid })
        // Provenance is read for adoption candidates only; command lines for no process the
        // orphan rules exclude already by its provenance or its state.
        XCTAssertTrue(source.completed(.provenance).isSubset(of: candidates))
        let concerned = Set(run.result.findings.flatMap(\.subject.pids))
        let cmdlineRead = source.completed(.cmdline)
        XCTAssertTrue(cmdlineRead.isSubset(of: candidates.union(concerned)), "\(cmdlineRead.subtracting(candidates.union(concerned)))")
        XCTAssertLessThan(cmdlineRead.count, population.count - 100)
        XCTAssertFalse(source.completed(.status).contains { !concerned.contains($0) }, "no rule asks for uid: only the findings' read it")
    }

    func testCrossProcessReferencesAreDemanded() throws {
        let processes = [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "systemd", cmdline: "/sbin/init", age: 9000),
            ProcessRecord(pid: 10, ppid: 1, sid: 10, name: "make", cmdline: "make test", age: 60),
            ProcessRecord(pid: 11, ppid: 10, sid: 10, name: "sh", cmdline: "sh -c run", age: 50),
            ProcessRecord(pid: 12, ppid: 11, sid: 10, name: "node", exe: "/usr/bin/node", cmdline: "node server.js", age: 40),
            ProcessRecord(pid: 20, ppid: 1, sid: 20, name: "bash", cmdline: "bash", age: 60),
            ProcessRecord(pid: 21, ppid: 20, sid: 20, name: "sleep", cmdline: "sleep 100", age: 50),
        ]
        let rules = try Self.rules(
            """
            {id: "under_make", title: "t", severity: "warning", when: "parent.cmdline starts_with 'make'", message: "{name} under {parent.cmdline}"},
            {id: "runs_node", title: "t", severity: "warning", when: "any(children, exe ends_with 'node')", message: "{cmdline}"},
            """)
        let source = FakeSnapshotSource(processes: processes)
        let run = try scan(source, rules: rules)
        XCTAssertEqual(run.result.findings.map { "\($0.rule.id) \($0.message)" }, ["under_make sh under make test", "runs_node sh -c run"])
        try assertSameAsFullRead(processes, rules: rules)
    }

    func testAFieldNoRuleNamesIsNeverRead() throws {
        let rules = try Self.rules(#"{id: "stopped", title: "t", severity: "warning", when: "state == 'T'", message: "{name}"}"#)
        let source = FakeSnapshotSource(processes: Self.population(seed: 9, count: 100))
        _ = try scan(source, rules: rules)
        XCTAssertTrue(source.reads.isEmpty, "the rule needs stat only: \(source.reads.count) reads")
    }

    // MARK: The invariant

    func testFindingsEqualAFullReadsForBuiltinAndOtherRuleSets() throws {
        let eager: [String: String] = ["orphan_min_age": "0s", "cpu_hang_min_age": "0s", "zombie_parent_min_zombies": "1"]
        let custom = try Self.rules(
            """
            {id: "named", title: "t", severity: "info", when: "exists(exe) && !(exe ends_with 'sh') && cwd != null", message: "{exe} in {cwd}"},
            {id: "ci_env", title: "t", severity: "info", when: "env.CI == 'true' || len(args) > 2", message: "{args}"},
            {id: "root_user", title: "t", severity: "info", when: "user in ['root'] && cmdline contains 'server'", message: "{user} {uid}"},
            {id: "no_cwd", title: "t", severity: "info", when: "cwd == null && !kernel_thread && state != 'Z'", message: "{name}"},
            {id: "parent_dev", title: "t", severity: "info", when: "parent.cmdline any_matches ['uvicorn', 'vite'] || count(children, cmdline contains 'sleep') >= 1", message: "{parent.name} {cgroup}"},
            {id: "node_socket", title: "t", severity: "info", subject: "socket", when: "owner.cmdline contains 'node' || any(owners, exe == null)", message: "{owner.cmdline}"},
            {id: "all_children_sleep", title: "t", severity: "info", when: "len(children) > 0 && all(children, state == 'S' && cmdline != '')", message: "{children}"},
            {id: "sampled", title: "t", severity: "info", when: "state_before == 'R' && cpu > 50 && cmdline != null", message: "{cpu} {cmdline}"},
            """)
        let sets: [(String, [Rule])] = [
            ("built-in", try Self.builtin()), ("built-in, eager", try Self.builtin(eager)), ("custom", custom),
        ]
        for seed in UInt64(1)...6 {
            let population = Self.population(seed: seed, count: 150)
            for (name, rules) in sets {
                try assertSameAsFullRead(population, rules: rules, "\(name), seed \(seed)")
            }
            // Narrowing reads what it looks at too.
            let set = try Self.builtin(eager)
            let checker = ConditionChecker(scope: ConditionScope())
            var scanner = ZScanCore.Scanner(
                rules: set, pattern: try LinearRegex("node|uvicorn|sleep"),
                whereCondition: try checker.compile("cwd != '/tmp' && exists(exe)", subject: .process),
                allow: [try checker.compile("cmdline contains 'allowed'", subject: .process)], onlyUID: 1000)
            try assertSameAsFullRead(population, scanner: scanner, "narrowed, seed \(seed)")
            scanner.onlyUID = nil
            scanner.alsoRead = [.status, .cmdline]
            try assertSameAsFullRead(population, scanner: scanner, "cleanup's reads, seed \(seed)")
        }
    }

    /// The findings of a scan in passes equal those of one full read with the old single-pass
    /// evaluation (every process sampled), compared as JSON reports without timings.
    private func assertSameAsFullRead(
        _ processes: [ProcessRecord], rules: [Rule]? = nil, scanner given: ZScanCore.Scanner? = nil, _ what: String = "", line: UInt = #line
    ) throws {
        let scanner = given ?? ZScanCore.Scanner(rules: rules ?? [])
        let sockets = Self.sockets(for: processes)
        let passes = FakeSnapshotSource(processes: processes, sockets: sockets)
        let full = FakeSnapshotSource(processes: processes, sockets: sockets)
        for source in [passes, full] {
            for p in processes where p.state == "R" { source.later[p.pid] = ProcessSample(state: "R", cpuTime: p.cpuTime + 0.8) }
        }
        let got = try scan(passes, scanner: scanner)
        // The old evaluation: one full read, every process sampled.
        var snapshot = try full.collect(what: scanner.needs.fields)
        var samples: [Int32: (cpu: Double, stateBefore: String)] = [:]
        if scanner.needs.sampling {
            let second = full.reread(snapshot.processes.map(\.identity))
            for i in snapshot.processes.indices {
                guard let now = second[snapshot.processes[i].identity] else { continue }
                let before = snapshot.processes[i]
                samples[before.pid] = (((now.cpuTime - before.cpuTime) * 100 * 10).rounded() / 10, before.state)
                snapshot.processes[i].state = now.state
                snapshot.processes[i].cpuTime = now.cpuTime
            }
        }
        let reference = scanner.findings(in: EvaluationContext(snapshot: snapshot, samples: scanner.needs.sampling ? samples : nil))
        XCTAssertEqual(
            Self.findingsJSON(got.result.findings), Self.findingsJSON(reference), "\(what): \(got.result.findings.count) findings", line: line)
        // And a scan whose survey is that full read.
        let whole = try scan(FullReadSource(source: full), scanner: scanner)
        XCTAssertEqual(Self.findingsJSON(got.result.findings), Self.findingsJSON(whole.result.findings), what, line: line)
        XCTAssertEqual(
            try Self.reportWithoutTimings(got.result), try Self.reportWithoutTimings(whole.result), "\(what): whole reports", line: line)
    }

    // MARK: Zombies

    func testZombieReapedMeanwhileIsDroppedAfterTheRestOfTheGrace() throws {
        let source = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "systemd", age: 9000),
            ProcessRecord(pid: 10, ppid: 1, sid: 10, state: "R", name: "make", cmdline: "make", age: 60),
            ProcessRecord(pid: 11, ppid: 10, sid: 10, state: "Z", name: "cc", cmdline: "", age: 5),
            ProcessRecord(pid: 12, ppid: 10, sid: 10, state: "Z", name: "ld", cmdline: "", age: 5),
        ])
        source.goneLater = [11]
        let clock = FakeClock()
        source.onSurvey = { clock.now += 0.02 }
        let run = try scan(source, rules: Self.builtin(), zombieGrace: 0.05, clock: clock)
        XCTAssertEqual(clock.waits.count, 1, "make is runnable: it may be reaping 12 this instant")
        XCTAssertEqual(clock.waits[0], 0.04, accuracy: 1e-9, "only what is left of the grace since the survey")
        XCTAssertEqual(source.rereads.map { $0.map(\.pid) }, [[11, 12, 10], [12]], "zombies, then their parent; then the unsettled one")
        XCTAssertEqual(run.result.findings.filter { $0.rule.id == "zombie" }.map(\.subject.pid), [12])
        XCTAssertEqual(run.result.counters.vanished, 1)
        XCTAssertEqual(run.context.snapshot.process(pid: 10)?.children, [12])
    }

    /// A single-threaded parent found sleeping after its child became a zombie was notified and did
    /// not reap it: the zombie is reported without waiting. One with other threads gets the grace.
    func testZombieOfASleepingSingleThreadedParentWaitsForNothing() throws {
        for (threads, waits) in [(1, 0), (4, 1)] {
            let source = FakeSnapshotSource(processes: [
                ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "systemd", age: 9000),
                ProcessRecord(pid: 10, ppid: 1, sid: 10, state: "S", name: "server", age: 60, threads: threads),
                ProcessRecord(pid: 11, ppid: 10, sid: 10, state: "Z", name: "worker", cmdline: "", age: 5),
            ])
            let clock = FakeClock()
            source.onSurvey = { clock.now += 0.002 }
            let run = try scan(source, rules: Self.builtin(), zombieGrace: 0.05, clock: clock)
            XCTAssertEqual(clock.waits.count, waits, "\(threads) threads")
            XCTAssertEqual(run.result.findings.filter { $0.rule.id == "zombie" }.map(\.subject.pid), [11], "\(threads) threads")
        }
    }

    func testZombieRecheckSkippedWhenNoRuleCouldMatchOne() throws {
        let source = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "systemd", age: 9000),
            ProcessRecord(pid: 10, ppid: 1, sid: 10, name: "make", age: 60),
            ProcessRecord(pid: 11, ppid: 10, sid: 10, state: "Z", name: "cc", age: 5),
        ])
        source.goneLater = [11]
        let run = try scan(source, rules: Self.builtin().filter { $0.summary.id == "stopped_process" }, zombieGrace: 0.05)
        XCTAssertEqual(run.clock.waits, [])
        XCTAssertTrue(source.rereads.isEmpty)
        XCTAssertEqual(run.result.counters.vanished, 0)
    }

    func testZombieRecheckWaitsNothingOnceTheGraceHasPassed() throws {
        let source = FakeSnapshotSource(processes: [
            ProcessRecord(pid: 1, ppid: 0, sid: 1, name: "systemd", age: 9000),
            ProcessRecord(pid: 10, ppid: 1, sid: 10, name: "make", age: 60),
            ProcessRecord(pid: 11, ppid: 10, sid: 10, state: "Z", name: "cc", age: 5),
        ])
        let clock = FakeClock()
        source.onSurvey = { clock.now += 0.2 }
        let run = try scan(source, rules: Self.builtin(), zombieGrace: 0.05, clock: clock)
        XCTAssertEqual(clock.waits, [])
        XCTAssertEqual(source.rereads.count, 1)
        XCTAssertEqual(run.result.findings.filter { $0.rule.id == "zombie" }.count, 1)
    }

    // MARK: Cost

    func testEvaluationOfTwoThousandProcesses() throws {
        let population = Self.population(seed: 42, count: 2000)
        let rules = try Self.builtin()
        let passes = try scan(FakeSnapshotSource(processes: population, sockets: Self.sockets(for: population)), rules: rules, realTime: true)
        let whole = try scan(
            FullReadSource(source: FakeSnapshotSource(processes: population, sockets: Self.sockets(for: population))), rules: rules, realTime: true)
        // Printed for the record (no timed assertion): the passes against one evaluation.
        print("evaluation of 2000 processes: passes \(passes.result.evaluationMs) ms, one full read \(whole.result.evaluationMs) ms")
        XCTAssertEqual(Self.findingsJSON(passes.result.findings), Self.findingsJSON(whole.result.findings))
    }

    /// A snapshot taken where the user database could not be read (an empty root): the scan's first
    /// warning says users are shown as uids, in every report, and JSON's scope says so too.
    func testUnreadableUserDatabaseIsTheFirstWarning() throws {
        let pipeline = ScanPipeline(source: FakeSnapshotSource(processes: []), pidfileSource: nil, wait: { _ in }, now: { 0 }, monotonic: { 0 })
        func result(_ userDatabaseError: String?) throws -> ScanResult {
            let snapshot = Snapshot(
                host: HostInfo(collectorPid: 9999), userDatabaseError: userDatabaseError,
                processes: [ProcessRecord(pid: 1, ppid: 0, state: "S", name: "init", uid: 0)])
            return try pipeline.run(ScanPipeline.Request(scanner: ZScanCore.Scanner(rules: []), from: (snapshot, "saved.json")))
        }
        let warning = "cannot read the user database (/etc/passwd: No such file or directory): users are shown as uids"
        let unnamed = try result("/etc/passwd: No such file or directory")
        XCTAssertEqual(unnamed.errors, [warning])
        XCTAssertTrue(unnamed.scope.usersAsUids)
        let json = try Self.json(unnamed)
        XCTAssertEqual((json["scope"] as? [String: Any])?["users_as_uids"] as? Bool, true)
        XCTAssertEqual(json["errors"] as? [String], [warning])
        XCTAssertTrue(ScanTextReport(result: unnamed, style: .plain, width: nil).render().hasPrefix("warning: " + warning + "\n"))
        XCTAssertTrue(String(decoding: ScanJUnitReport.render(unnamed, layout: ReportLayout()), as: UTF8.self).contains(warning))

        let named = try result(nil)
        XCTAssertEqual(named.errors, [])
        XCTAssertEqual((try Self.json(named)["scope"] as? [String: Any])?["users_as_uids"] as? Bool, false)
    }

    // MARK: Helpers

    private struct Run {
        var result: ScanResult
        var context: EvaluationContext
        var clock: FakeClock
    }

    private func scan(
        _ source: any SnapshotSource, rules: [Rule] = [], scanner: ZScanCore.Scanner? = nil, sampleSeconds: Double = 1, zombieGrace: Double = 0,
        clock: FakeClock = FakeClock(), realTime: Bool = false
    ) throws -> Run {
        let pipeline = ScanPipeline(
            source: source, pidfileSource: nil, wait: clock.wait, now: { 1_700_000_000 },
            monotonic: realTime ? { ProcessInfo.processInfo.systemUptime } : { clock.now })
        let (result, context) = try pipeline.runKeepingContext(
            ScanPipeline.Request(scanner: scanner ?? ZScanCore.Scanner(rules: rules), sampleSeconds: sampleSeconds, zombieGrace: zombieGrace))
        return Run(result: result, context: context, clock: clock)
    }

    static func builtin(_ thresholds: [String: String] = [:]) throws -> [Rule] {
        let edits = thresholds.map { ScopeEdit(name: $0.key, kind: .setMacro($0.value), file: "test", location: SourceLocation(line: 1, column: 1, offset: 0)) }
        return try RuleLoader.load(BuiltinRules.sources, edits: edits).rules.filter(\.enabled)
    }

    static func rules(_ items: String) throws -> [Rule] {
        let text = "{format_version: 1, rules: [\(items)]}"
        return try RuleLoader.load([RuleSource(name: "test.json5", bytes: Array(text.utf8))]).rules
    }

    static func json(_ result: ScanResult) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ScanJSONReport(result: result).render())) as? [String: Any])
    }

    static func findingsJSON(_ findings: [Finding]) -> String {
        let result = ScanResult(
            host: HostInfo(), startedAt: 0, durationMs: 0, scope: ScanScope(processes: 0, sockets: 0), rules: [], findings: findings, failing: [])
        return String(decoding: ScanJSONReport(result: result, pretty: true).render(), as: UTF8.self)
    }

    /// The report without its timings, nor the count of processes sampled: a survey that has not
    /// read a field yet may sample a process that reading it would have spared.
    static func reportWithoutTimings(_ result: ScanResult) throws -> NSDictionary {
        var json = try self.json(result)
        json["duration_ms"] = nil
        var scope = try XCTUnwrap(json["scope"] as? [String: Any])
        scope["sampled_processes"] = nil
        json["scope"] = scope
        return json as NSDictionary
    }

    /// A host as zscan meets them: init and kernel threads, terminal sessions running builds with
    /// zombies among their children, servers orphaned by dead shells and CI jobs, daemons, stopped
    /// and spinning and stuck processes, listeners, two users, environments with CI markers.
    static func population(seed: UInt64, count: Int) -> [ProcessRecord] {
        var random = SplitMix64(seed: seed)
        func pick<T>(_ items: [T]) -> T { items[random.below(items.count)] }
        var out: [ProcessRecord] = [
            ProcessRecord(
                pid: 1, ppid: 0, pgid: 1, sid: 1, state: "S", name: "systemd", exe: "/usr/lib/systemd/systemd", cmdline: "/sbin/init",
                args: ["/sbin/init"], cwd: "/", user: "root", uid: 0, age: 90000, cgroup: "/init.scope"),
            ProcessRecord(pid: 2, ppid: 0, pgid: 0, sid: 0, state: "S", name: "kthreadd", cmdline: "", age: 90000, kernelThread: true),
        ]
        var pid: Int32 = 100
        var shells: [Int32] = []
        let commands = [
            "python3 -m uvicorn app:app --port 8001", "node /srv/web/node_modules/.bin/vite", "node server.js", "sleep 1000",
            "bash build.sh", "make -j4", "gunicorn app:app", "cat", "java -jar allowed.jar", "npm run dev",
        ]
        while out.count < count {
            pid += Int32(1 + random.below(3))
            let command = pick(commands)
            let args = command.split(separator: " ").map(String.init)
            let uid: UInt32 = pick([0, 1000, 1000])
            let age = pick([3.0, 45, 700, 4000, 20000])
            var p = ProcessRecord(
                pid: pid, ppid: 1, pgid: pid, sid: pid, state: pick(["S", "S", "S", "S", "R", "D", "T"]), name: String(args[0].prefix(15)),
                exe: pick(["/usr/bin/\(args[0])", nil, "/usr/bin/bash"]), cmdline: pick([command, command, nil]), args: args,
                cwd: pick(["/", "/srv/app", "/tmp", nil]), user: uid == 0 ? "root" : "dev", uid: uid, startTicks: UInt64(pid) * 7,
                age: age, cpuTime: Double(random.below(500)), fds: 3 + random.below(40),
                env: pick([nil, ["CI": "true"], ["HOME": "/root"], [EvaluationContext.runCookie: "r1"]]),
                cgroup: pick(["/user.slice/user-1000.slice/session-3.scope", "/system.slice/app.service", "/user.slice/app-x.scope", nil]))
            switch random.below(10) {
            case 0, 1:
                // A shell leading its session (under sshd or init).
                p.name = "bash"
                p.cmdline = "bash"
                p.args = ["bash"]
                p.ppid = shells.isEmpty ? 1 : pick([1] + shells)
                shells.append(pid)
            case 2, 3, 4:
                // A child in its shell's session: a build step, a zombie among them.
                guard let shell = shells.last else { continue }
                p.ppid = pick([shell, out.last!.pid])
                p.sid = shell
                p.pgid = p.ppid
                if random.below(4) == 0 {
                    p.state = "Z"
                    p.cmdline = ""
                    p.args = []
                    p.exe = nil
                    p.cwd = nil
                }
            case 5, 6:
                // Adopted: its shell is gone (a session that does not exist), or another job's.
                p.sid = pid - Int32(1 + random.below(50))
                p.ppid = 1
                p.stdio = pick([["/dev/null", "pipe:[77]", "pipe:[77]"], ["/dev/pts/0", "/dev/pts/0", "/dev/pts/0"], nil])
                p.ignoresSighup = pick([true, false, nil])
                p.job = pick(["same", "other", "none", nil])
                p.jobCookie = p.job.map { _ in "RUNNER_TRACKING_ID=github_1" }
                p.jobAlive = p.job == "other" ? pick([true, false]) : nil
                p.pipeInodes = p.stdio == nil ? [] : [77]
            case 7:
                // A daemon: leads its own session under init.
                p.stdio = ["/dev/null", "/dev/null", "/dev/null"]
                p.ignoresSighup = false
                p.job = "none"
                p.lockedFile = pick([nil, "/run/app.pid"])
            case 8:
                p.name = "kworker/\(pid)"
                p.ppid = 2
                p.sid = 0
                p.pgid = 0
                p.kernelThread = true
                p.cmdline = ""
                p.args = []
                p.exe = nil
                p.cwd = nil
                p.state = pick(["I", "S", "R"])
            default:
                p.ppid = pick([1] + shells)
            }
            if p.state != "Z" && !p.kernelThread && random.below(5) == 0 { p.socketInodes = [UInt64(pid) * 10, UInt64(pid) * 10 + 1] }
            out.append(p)
        }
        return out
    }

    /// A listening socket and a connection for every process that holds socket inodes, a few in
    /// CLOSE_WAIT, and one listener nobody is seen holding.
    static func sockets(for processes: [ProcessRecord]) -> [SocketRecord] {
        var out: [SocketRecord] = [SocketRecord(proto: .tcp6, localAddress: "::", localPort: 9090, state: "LISTEN", inode: 5)]
        for p in processes where !p.socketInodes.isEmpty {
            out.append(SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: Int(p.pid % 60000) + 1, state: "LISTEN", inode: p.socketInodes[0]))
            out.append(
                SocketRecord(
                    proto: .tcp, localAddress: "127.0.0.1", localPort: 40000, remoteAddress: "127.0.0.1", remotePort: 80,
                    state: p.pid % 3 == 0 ? "CLOSE_WAIT" : "ESTABLISHED", inode: p.socketInodes[1]))
        }
        return out
    }
}

extension FindingSubject {
    /// The pid of a process subject.
    fileprivate var pid: Int32? {
        if case let .process(p) = self { return p.pid }
        return nil
    }

    /// The processes the finding concerns.
    fileprivate var pids: [Int32] {
        switch self {
        case let .process(p): [p.pid]
        case let .socket(_, owners): owners.map(\.pid)
        case let .pidfile(_, process): process.map { [$0.pid] } ?? []
        }
    }
}
