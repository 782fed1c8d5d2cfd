import XCTest
@testable import ZScanCore

/// The PID namespace guards (docs/cleanup.md) and `--container`, on snapshots built in code and
/// `FakeProcessControl`: no namespace's init is ever signalled, nothing in another namespace unless
/// `--container` names its container, and a zombie of a namespace init is skipped with the reason.
final class NamespaceGuardTests: XCTestCase {
    static let hostNs: UInt64 = 4_026_531_836
    static let containerNs: UInt64 = 4_026_532_500
    static let docker = ContainerInfo(
        runtime: "docker", id: "1fce13e5e58e0b6d9c3a5f7e2d4b6a8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7",
        path: "/docker/1fce13e5e58e0b6d9c3a5f7e2d4b6a8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7")
    static let other = ContainerInfo(
        runtime: "docker", id: "1fce13e5e58f0000000000000000000000000000000000000000000000000000",
        path: "/docker/1fce13e5e58f0000000000000000000000000000000000000000000000000000")

    /// The host: systemd(1) ← bash(3900) ← zscan(4000), node(5000); a docker container whose init
    /// python3(6000, ns_pid 1) has a worker(6001) and two zombies (6002, 6003).
    func machine(container: ContainerSelection? = nil, hostNamespace: UInt64? = hostNs) -> (Snapshot, FakeProcessControl, CleanupGuard) {
        func host(_ pid: Int32, _ ppid: Int32, _ name: String) -> ProcessRecord {
            record(pid, ppid, name, ns: Self.hostNs, nsPid: pid, container: nil)
        }
        var snapshot = Snapshot(
            host: HostInfo(initPid: 1, collectorPid: 4000, pidNamespace: hostNamespace),
            processes: [
                record(1, 0, "systemd", ns: Self.hostNs, nsPid: 1, container: nil), host(3900, 1, "bash"), host(4000, 3900, "zscan"),
                host(5000, 1, "node"),
                record(6000, 1, "python3", ns: Self.containerNs, nsPid: 1, container: Self.docker),
                record(6001, 6000, "worker", ns: Self.containerNs, nsPid: 7, container: Self.docker),
                record(6002, 6000, "python3", state: "Z", ns: Self.containerNs, nsPid: 8, container: Self.docker),
                record(6003, 6000, "python3", state: "Z", ns: nil, nsPid: 9, container: Self.docker),
            ])
        snapshot.link()
        let fake = FakeProcessControl(snapshot)
        return (snapshot, fake, CleanupGuard(snapshot: snapshot, protect: [], onlyUID: nil, container: container))
    }

    func record(
        _ pid: Int32, _ ppid: Int32, _ name: String, state: String = "S", ns: UInt64?, nsPid: Int32?, container: ContainerInfo?
    ) -> ProcessRecord {
        ProcessRecord(
            pid: pid, ppid: ppid, state: state, name: name, cmdline: state == "Z" ? "" : name, uid: 0, startTicks: UInt64(pid) * 10 + 3,
            pidNs: ns, nsPid: nsPid, nsInit: nsPid.map { $0 == 1 }, container: container)
    }

    func run(_ findings: [(RuleAction, Int32)], container: ContainerSelection? = nil) -> (actions: [CleanupAction], fake: FakeProcessControl) {
        let (snapshot, fake, cleanupGuard) = machine(container: container)
        let context = EvaluationContext(snapshot: snapshot)
        let made = findings.map { action, pid in
            Finding(
                rule: RuleSummary(id: "test_\(action.rawValue)", title: "", severity: .error, tags: [], subject: "process", action: action),
                message: "", hint: nil, subject: .process(snapshot.process(pid: pid)!))
        }
        let plan = CleanupPlan(findings: made, context: context, guard: cleanupGuard)
        let actions = CleanupExecutor(control: fake, cleanupGuard: cleanupGuard, context: context, grace: 1, dryRun: false).run(plan)
        return (actions, fake)
    }

    func reason(_ pid: Int32, container: ContainerSelection? = nil, hostNamespace: UInt64? = hostNs) -> String? {
        let (snapshot, _, cleanupGuard) = machine(container: container, hostNamespace: hostNamespace)
        let context = EvaluationContext(snapshot: snapshot)
        return cleanupGuard.reason(for: context.pidIndex[pid]!, in: context)
    }

    func testANamespaceInitIsNeverTouchedEvenWhenItsContainerIsNamed() {
        let why = "the init of its PID namespace: ending it ends every process in container docker 1fce13e5e58e"
        XCTAssertEqual(reason(6000), why)
        XCTAssertEqual(reason(6000, container: .id(Self.docker.id!)), why)
        XCTAssertEqual(reason(6000, hostNamespace: nil), why, "an init is known by its NSpid even when zscan's namespace is not")
        let (actions, fake) = run([(.terminate, 6000)], container: .id(Self.docker.id!))
        XCTAssertEqual(actions.map(\.outcome), [.protected])
        XCTAssertEqual(actions.first?.reason, why)
        XCTAssertEqual(fake.touches(6000), [])
    }

    func testAnotherNamespaceIsRefusedUnlessItsContainerIsNamed() {
        let why = "in another PID namespace (container docker 1fce13e5e58e); name its container with --container to act there"
        XCTAssertEqual(reason(6001), why)
        XCTAssertEqual(reason(6001, container: .host), why, "host names no container")
        XCTAssertEqual(reason(6001, container: .id(Self.other.id!)), why, "another container")
        XCTAssertNil(reason(6001, container: .id(Self.docker.id!)))
        XCTAssertNil(reason(5000), "zscan's own namespace")

        var (actions, fake) = run([(.terminate, 6001)])
        XCTAssertEqual(actions.map(\.outcome), [.protected])
        XCTAssertEqual(actions.first?.reason, why)
        XCTAssertEqual(fake.calls, [])
        (actions, fake) = run([(.terminate, 6001)], container: .id(Self.docker.id!))
        XCTAssertEqual(actions.map(\.outcome), [.terminated])
        XCTAssertEqual(fake.signals(.term), [6001])
    }

    func testATreeIntoAContainerStopsAtItsInit() {
        // A tree rooted on the host whose child is a container's init: the init shields what is below.
        let (actions, fake) = run([(.terminateTree, 6000)], container: .id(Self.docker.id!))
        XCTAssertEqual(actions.map(\.process?.pid), [6000])
        XCTAssertEqual(actions.first?.outcome, .protected)
        XCTAssertEqual(fake.calls, [])
    }

    func testAProcessWhoseNamespaceIsUnreadableIsLeftAlone() {
        let (snapshot, _, _) = machine()
        var unreadable = snapshot
        unreadable.processes[3].pidNs = nil
        unreadable.processes[3].nsPid = nil
        let context = EvaluationContext(snapshot: unreadable)
        let cleanupGuard = CleanupGuard(snapshot: unreadable, protect: [], onlyUID: nil)
        XCTAssertEqual(cleanupGuard.reason(for: 3, in: context), "its PID namespace could not be read")
        // Without zscan's own namespace there is nothing to compare: only the init guard holds.
        XCTAssertNil(reason(6001, hostNamespace: nil))
    }

    func testAZombieIsJudgedByItsNamespaceOrItsInnerPid() {
        XCTAssertEqual(
            reason(6002), "in another PID namespace (container docker 1fce13e5e58e); name its container with --container to act there")
        // 6003's ns link was not read; its last NSpid (9) is not its pid here, so it is elsewhere.
        XCTAssertEqual(
            reason(6003), "in another PID namespace (container docker 1fce13e5e58e); name its container with --container to act there")
    }

    func testAZombieOfANamespaceInitIsSkippedWithWhatZscanCannotDo() {
        let (actions, fake) = run([(.reap, 6002), (.reap, 6003)], container: .id(Self.docker.id!))
        XCTAssertEqual(actions.map(\.outcome), [.skipped, .skipped])
        XCTAssertEqual(
            actions.first?.reason,
            "cannot reap: python3 (6000) is the init of its PID namespace and does not wait(); zscan cannot make it, "
                + "and ending it would end every process there: run the container with an init (docker run --init, tini)")
        XCTAssertEqual(fake.signals, [], "no SIGCHLD to a program that never waits")
    }

    func testContainerSelectionResolvesAUniquePrefix() throws {
        var (snapshot, _, _) = machine()
        snapshot.processes.append(record(7000, 1, "nginx", ns: 4_026_532_600, nsPid: 1, container: Self.other))
        XCTAssertEqual(try ContainerSelection.resolve("1fce13e5e58e0b", in: snapshot).get(), .id(Self.docker.id!))
        XCTAssertEqual(try ContainerSelection.resolve("host", in: snapshot).get(), .host)
        func problem(_ text: String) -> String? {
            if case let .failure(error) = ContainerSelection.resolve(text, in: snapshot) { return error.description }
            return nil
        }
        XCTAssertEqual(
            problem("1fce13e5e58"),
            "--container: '1fce13e5e58' is too short: give at least 12 characters of a container id, or host (found: docker 1fce13e5e58e, docker 1fce13e5e58f)")
        XCTAssertEqual(
            problem("1fce13e5e5"),
            "--container: '1fce13e5e5' is too short: give at least 12 characters of a container id, or host (found: docker 1fce13e5e58e, docker 1fce13e5e58f)")
        XCTAssertEqual(problem("abcdefabcdef"), "--container: no container's id starts with 'abcdefabcdef' (found: docker 1fce13e5e58e, docker 1fce13e5e58f)")
        snapshot.processes.append(
            record(
                7100, 1, "redis", ns: 4_026_532_700, nsPid: 1,
                container: ContainerInfo(runtime: "podman", id: String(Self.docker.id!.prefix(20)) + "ff", path: "")))
        XCTAssertEqual(
            problem("1fce13e5e58e0b"),
            "--container: '1fce13e5e58e0b' starts the ids of 2 containers: give more of it (found: docker 1fce13e5e58e, docker 1fce13e5e58f, podman 1fce13e5e58e)"
        )
        XCTAssertEqual(try ContainerSelection.resolve(String(Self.docker.id!.prefix(21)), in: snapshot).get(), .id(Self.docker.id!))
        if case let .failure(error) = ContainerSelection.resolve("1fce13e5e58e", in: Snapshot(host: HostInfo(), processes: [])) {
            XCTAssertEqual(error.description, "--container: no container's id starts with '1fce13e5e58e' (no container with an id was found)")
        } else {
            XCTFail("nothing to resolve against")
        }
    }

    func testContainerSelectionContainsItsProcessesAndZscansOwn() {
        let (snapshot, _, _) = machine()
        let selection = ContainerSelection.id(Self.docker.id!)
        XCTAssertTrue(selection.contains(snapshot.process(pid: 6001)!, host: snapshot.host))
        XCTAssertFalse(selection.contains(snapshot.process(pid: 5000)!, host: snapshot.host))
        XCTAssertTrue(ContainerSelection.host.contains(snapshot.process(pid: 5000)!, host: snapshot.host))
        XCTAssertFalse(ContainerSelection.host.contains(snapshot.process(pid: 6001)!, host: snapshot.host))
        // zscan inside the container, under a private cgroup namespace: its neighbours show no container.
        var inside = snapshot.host
        inside.container = Self.docker
        XCTAssertTrue(selection.contains(snapshot.process(pid: 5000)!, host: inside))
        XCTAssertFalse(ContainerSelection.host.contains(snapshot.process(pid: 5000)!, host: inside))
    }
}
