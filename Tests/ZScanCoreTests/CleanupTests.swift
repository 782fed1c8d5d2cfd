import XCTest
@testable import ZScanCore

/// Cleanup's plan, guards and executor against `FakeProcessControl`: what was signalled, in what
/// order, and what each target's outcome says. Nothing real is signalled or started.
final class CleanupTests: XCTestCase {
    // MARK: - Guards

    func testPidOneIsNeverTouched() {
        assertGuarded(1, "pid 1 is the namespace init", in: Machine())
    }

    func testNamespaceInitIsNeverTouchedWhenItIsNotPidOne() {
        assertGuarded(300, "pid 300 is the namespace init", in: Machine(initPid: 300))
        // The same process is an ordinary target when it is not the namespace init.
        let machine = Machine()
        XCTAssertEqual(machine.run([machine.finding(.terminate, 300)])[pid: 300]?.outcome, .terminated)
    }

    func testKernelThreadIsNeverTouched() {
        assertGuarded(3, "a kernel thread", in: Machine())
    }

    func testZscanItselfIsNeverTouched() {
        assertGuarded(Machine.zscan, "zscan itself", in: Machine())
    }

    func testZscansParentAndGrandparentAreNeverTouched() {
        assertGuarded(3900, "an ancestor of zscan", in: Machine())
        assertGuarded(3800, "an ancestor of zscan", in: Machine())
    }

    func testProtectConditionGuards() {
        let machine = Machine([proc(5000, "postgres")], protect: ["name == 'postgres'"])
        assertGuarded(5000, "protected by the config", in: machine)
    }

    func testAnotherUsersProcessIsGuardedUnlessAllUsers() {
        let targets = [proc(5000, "node", uid: 1001), proc(5001, "node", uid: nil)]
        assertGuarded(5000, "another user's process (use --all-users)", in: Machine(targets))
        assertGuarded(5001, "owner unknown (use --all-users)", in: Machine(targets))

        let allUsers = Machine(targets, onlyUID: nil)
        let actions = allUsers.run([allUsers.finding(.terminate, 5000), allUsers.finding(.terminate, 5001)])
        XCTAssertEqual(actions.map(\.outcome), [.terminated, .terminated])
        XCTAssertEqual(allUsers.fake.signals(.term), [5000, 5001])
    }

    func testGuardedMembersInsideATreeAreLeftWhileTheirSiblingsEnd() {
        // node(5000) ← postgres(5001, protected), sudo(5002, root), helper(5003, owner unknown), esbuild(5004)
        let machine = Machine(
            [
                proc(5000, "node"), proc(5001, parent: 5000, "postgres"), proc(5002, parent: 5000, "sudo", uid: 0),
                proc(5003, parent: 5000, "helper", uid: nil), proc(5004, parent: 5000, "esbuild"),
            ], protect: ["name == 'postgres'"])
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions.map(\.process?.pid), [5001, 5002, 5003, 5004, 5000])
        XCTAssertEqual(actions[pid: 5001]?.reason, "protected by the config")
        XCTAssertEqual(actions[pid: 5002]?.reason, "another user's process (use --all-users)")
        XCTAssertEqual(actions[pid: 5003]?.reason, "owner unknown (use --all-users)")
        for pid: Int32 in [5001, 5002, 5003] {
            XCTAssertEqual(actions[pid: pid]?.outcome, .protected)
            XCTAssertEqual(actions[pid: pid]?.steps, [])
            XCTAssertEqual(machine.fake.touches(pid), [], "pid \(pid)")
        }
        XCTAssertEqual(actions[pid: 5004]?.outcome, .terminated)
        XCTAssertEqual(actions[pid: 5000]?.outcome, .terminated)
        XCTAssertEqual(machine.fake.signals(.term), [5004, 5000])
    }

    func testChildrenFoundOnARescanAreGuardedToo() {
        let machine = Machine([proc(5000, "node")], protect: ["name == 'postgres'"])
        machine.fake.appearing[1] = [
            .init(proc(6001, parent: 5000, "postgres")), .init(proc(6002, parent: 5000, "sudo", uid: 0)),
            .init(proc(6003, parent: 5000, "esbuild")),
        ]
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 6001]?.outcome, .protected)
        XCTAssertEqual(actions[pid: 6001]?.reason, "protected by the config")
        XCTAssertEqual(actions[pid: 6002]?.outcome, .protected)
        XCTAssertEqual(actions[pid: 6001]?.steps, ["found on pass 1"])
        XCTAssertEqual(machine.fake.touches(6001), [])
        XCTAssertEqual(machine.fake.touches(6002), [])
        XCTAssertEqual(actions[pid: 6003]?.steps, ["found on pass 1", "SIGSTOP", "SIGTERM", "SIGCONT"])
        XCTAssertEqual(actions[pid: 6003]?.outcome, .terminated)
    }

    /// A guarded root shields its subtree: `terminate_tree` on pid 1 (say, a socket finding whose
    /// owners include init) must not freeze, TERM and KILL every unguarded process below it.
    func testGuardedTreeRootShieldsItsSubtree() {
        let machine = Machine([proc(5000, "vite"), proc(5001, parent: 5000, "esbuild")])
        let actions = machine.run([machine.finding(.terminateTree, 1)])
        XCTAssertEqual(actions[pid: 1]?.outcome, .protected)
        XCTAssertEqual(machine.fake.signals, [], "terminate_tree on pid 1 signalled its descendants")
    }

    /// A process an earlier item found protected, and so left out of a later tree, is met again by
    /// that tree's rescan: it stays the earlier item's, and a `protect` condition that needs
    /// context (here `parent`) is still judged with it.
    func testProtectedProcessStaysProtectedWhenAnotherTreeMeetsIt() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "postgres")], protect: ["parent.name == 'node'"])
        let actions = machine.run([machine.finding(.terminate, 5001), machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions.first?.outcome, .protected)
        XCTAssertEqual(machine.fake.touches(5001), [], "a protected process was signalled")
    }

    // MARK: - Identity

    func testReusedPidIsNeverSignalled() {
        let machine = Machine([proc(5000, "node")])
        machine.fake.reuse(5000)
        let action = machine.run([machine.finding(.terminate, 5000)])[pid: 5000]
        XCTAssertEqual(action?.outcome, .alreadyGone)
        XCTAssertTrue(action?.reason?.contains("another program") == true, action?.reason ?? "no reason")
        XCTAssertEqual(machine.fake.touches(5000), [.attach(5000)])
    }

    func testRescanAsksOnlyAboutAttachedMembers() {
        // node(5000) ← sh(5001), esbuild(5002); 5001 is now another program (not node's child),
        // and that program has a child 5050.
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "sh"), proc(5002, parent: 5000, "esbuild")])
        machine.fake.reuse(5001)
        machine.fake.add(.init(proc(5050, parent: 5001, "stranger")))
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 5001]?.outcome, .alreadyGone)
        let attached = Set([5000, 5002].map { machine.snapshot.process(pid: $0)!.identity })
        XCTAssertFalse(machine.fake.childrenQueries.isEmpty)
        for parents in machine.fake.childrenQueries { XCTAssertTrue(parents.isSubset(of: attached), "\(parents)") }
        XCTAssertEqual(machine.fake.touches(5001), [.attach(5001)])
        XCTAssertEqual(machine.fake.touches(5050), [])
        XCTAssertNil(actions[pid: 5050])
    }

    // MARK: - terminate

    func testTermHonouringProcessEndsWithoutKill() {
        let machine = Machine([proc(5000, "vite")])
        let action = machine.run([machine.finding(.terminate, 5000)])[pid: 5000]
        XCTAssertEqual(action?.steps, ["SIGTERM"])
        XCTAssertEqual(action?.outcome, .terminated)
        XCTAssertNil(action?.reason)
        XCTAssertEqual(machine.fake.calls, [.attach(5000), .send(.term, 5000), .wait([5000], seconds: 5), .release(5000)])
    }

    func testTermIgnoringProcessIsKilledAfterTheGracePeriod() {
        let machine = Machine([proc(5000, "vite")], grace: 2)
        machine.fake.update(5000) { $0.ignoresTerm = true }
        let action = machine.run([machine.finding(.terminate, 5000)])[pid: 5000]
        XCTAssertEqual(action?.steps, ["SIGTERM", "waited 2s", "SIGKILL"])
        XCTAssertEqual(action?.outcome, .killed)
        XCTAssertEqual(machine.fake.signals, [.send(.term, 5000), .send(.kill, 5000)])
        XCTAssertFalse(machine.fake.isAlive(5000))
    }

    func testStoppedProcessIsContinuedSoItsTermArrives() {
        let machine = Machine([proc(5000, "node", state: "T")])
        let action = machine.run([machine.finding(.terminate, 5000)])[pid: 5000]
        XCTAssertEqual(action?.steps, ["SIGTERM", "SIGCONT"])
        XCTAssertEqual(action?.outcome, .terminated)
        XCTAssertEqual(machine.fake.signals, [.send(.term, 5000), .send(.cont, 5000)])
    }

    func testUnkillableProcessSurvivesWithItsState() {
        let machine = Machine([proc(5000, "fuse", state: "D")])
        machine.fake.update(5000) {
            $0.ignoresTerm = true; $0.unkillable = true
        }
        let action = machine.run([machine.finding(.terminate, 5000)])[pid: 5000]
        XCTAssertEqual(action?.steps, ["SIGTERM", "waited 5s", "SIGKILL"])
        XCTAssertEqual(action?.outcome, .survived)
        XCTAssertEqual(action?.reason, "still alive after SIGKILL (state D)")
    }

    func testGoneAndDeniedTargets() {
        let machine = Machine([proc(5000, "a"), proc(5001, "b"), proc(5002, "c")])
        machine.fake.update(5000) { $0.alive = false }
        machine.fake.update(5001) { $0.deniesAttach = true }
        machine.fake.update(5002) { $0.deniesSignals = true }
        let actions = machine.run([5000, 5001, 5002].map { machine.finding(.terminate, $0) })
        XCTAssertEqual(actions.map(\.outcome), [.alreadyGone, .denied, .denied])
        XCTAssertEqual(actions.map(\.reason), ["exited before cleanup", "permission denied", "permission denied"])
        XCTAssertEqual(machine.fake.signals, [.send(.term, 5002)])
    }

    func testEveryHandleIsReleasedOnce() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "sh"), proc(5002, "vite"), proc(5003, "make")])
        machine.fake.update(5002) { $0.ignoresTerm = true }
        _ = machine.run([machine.finding(.terminateTree, 5000), machine.finding(.terminate, 5002), machine.finding(.terminate, 5003)])
        let attached = machine.fake.calls.compactMap { if case let .attach(pid) = $0 { pid } else { nil } }
        let released = machine.fake.calls.compactMap { if case let .release(pid) = $0 { pid } else { nil } }
        XCTAssertEqual(released.sorted(), attached.sorted())
    }

    // MARK: - terminate_tree

    func testTreeIsFrozenRootDownThenTermedLeavesFirst() {
        // node(5000) ← sh(5001) ← esbuild(5002); node(5000) ← worker(5003)
        let machine = Machine([
            proc(5000, "node"), proc(5001, parent: 5000, "sh"), proc(5002, parent: 5001, "esbuild"), proc(5003, parent: 5000, "worker"),
        ])
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(machine.fake.signals(.stop), [5000, 5003, 5001, 5002])
        XCTAssertEqual(machine.fake.signals(.term), [5002, 5001, 5003, 5000])
        let firstTerm = machine.fake.signals.firstIndex(of: .send(.term, 5002))!
        XCTAssertTrue(machine.fake.signals[..<firstTerm].allSatisfy { if case .send(.stop, _) = $0 { true } else { false } })
        XCTAssertEqual(actions.map(\.process?.pid), [5002, 5001, 5003, 5000])
        XCTAssertEqual(actions.map(\.outcome), [.terminated, .terminated, .terminated, .terminated])
        XCTAssertEqual(actions[pid: 5002]?.steps, ["SIGSTOP", "SIGTERM", "SIGCONT"])
        XCTAssertEqual(actions[pid: 5000]?.steps, ["SIGSTOP", "SIGTERM", "SIGCONT", "tree searched in 1 pass"])
        XCTAssertEqual(machine.fake.signals(.kill), [])
    }

    func testForkingTreeIsSearchedUntilAPassFindsNothing() {
        // Passes 1–3 each find a child forked since the scan: 6001 under sh, 6002 under 6001, 6003 under node.
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "sh")])
        machine.fake.appearing = [
            1: [.init(proc(6001, parent: 5001, "esbuild"))],
            2: [.init(proc(6002, parent: 6001, "esbuild"))],
            3: [.init(proc(6003, parent: 5000, "worker"))],
        ]
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 6001]?.steps, ["found on pass 1", "SIGSTOP", "SIGTERM", "SIGCONT"])
        XCTAssertEqual(actions[pid: 6002]?.steps.first, "found on pass 2")
        XCTAssertEqual(actions[pid: 6003]?.steps.first, "found on pass 3")
        XCTAssertEqual(actions[pid: 5000]?.steps.last, "tree searched in 4 passes")
        XCTAssertEqual(machine.fake.childrenQueries.count, 4)
        // Every process frozen before the first SIGTERM, then TERMed children before parents.
        XCTAssertEqual(Set(machine.fake.signals(.stop)), [5000, 5001, 6001, 6002, 6003])
        XCTAssertEqual(machine.fake.signals(.term), [6003, 6002, 6001, 5001, 5000])
        XCTAssertTrue(actions.allSatisfy { $0.outcome == .terminated }, "\(actions.map(\.outcome))")
    }

    func testEndlessForkerIsSearchedAtMostMaxPasses() {
        let machine = Machine([proc(5000, "forkbomb")], maxPasses: 5)
        machine.fake.forksForever = 5000
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 5000]?.steps.last, "tree searched in 5 passes")
        XCTAssertEqual(machine.fake.childrenQueries.count, 5)
        XCTAssertEqual(actions.count, 6)
        XCTAssertEqual(machine.fake.signals(.term).count, 6)
        XCTAssertTrue(actions.allSatisfy { $0.outcome == .terminated })
    }

    func testEndlessTermIgnoringForkerStillEndsAndIsKilled() {
        let machine = Machine([proc(5000, "forkbomb")], grace: 1, maxPasses: 5)
        machine.fake.update(5000) { $0.ignoresTerm = true }
        machine.fake.forksForever = 5000
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 5000]?.steps.last, "tree searched in 5 passes")
        XCTAssertEqual(actions.filter { $0.steps.contains { $0.hasPrefix("found on pass") } }.count, 5)
        XCTAssertTrue(actions.allSatisfy { $0.outcome == .killed }, "\(actions.map(\.outcome))")
        XCTAssertEqual(Set(machine.fake.signals(.kill)), Set(actions.compactMap(\.process?.pid)))
        XCTAssertLessThanOrEqual(machine.fake.clock, 1 + 2)
    }

    func testChildrenForkedDuringTheGracePeriodAreTermedThenKilled() {
        let machine = Machine([proc(5000, "supervisor")], grace: 1)
        machine.fake.update(5000) {
            $0.ignoresTerm = true; $0.forksOnTerm = true
        }
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions.map(\.process?.pid), [20_001, 5000])
        XCTAssertEqual(actions[pid: 20_001]?.steps, ["forked during the grace period", "SIGTERM", "SIGSTOP", "waited 1s", "SIGKILL"])
        XCTAssertEqual(
            actions[pid: 5000]?.steps,
            ["SIGSTOP", "SIGTERM", "SIGCONT", "SIGSTOP", "waited 1s", "SIGKILL", "tree searched in 2 passes"])
        XCTAssertEqual(actions.map(\.outcome), [.killed, .killed])
        XCTAssertEqual(machine.fake.signals(.term), [5000, 20_001])
        XCTAssertEqual(machine.fake.signals(.kill), [20_001, 5000])
        XCTAssertFalse(machine.fake.isAlive(20_001))
    }

    // MARK: - terminate_tree, phase by phase

    /// `freeze` stops what it is given root down, then rescans until a pass finds nothing, and
    /// hands back what the rescans found; it sends nothing else.
    func testFreezeStopsRootDownAndReturnsWhatItsRescansFound() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "sh")])
        var termination = machine.termination(.terminateTree, 5000)
        termination.attach(termination.item.members)
        machine.fake.appearing = [1: [.init(proc(6001, parent: 5001, "esbuild"))], 2: [.init(proc(6002, parent: 6001, "esbuild"))]]
        let found = termination.freeze(termination.state.handles)
        XCTAssertEqual(found.map(\.identity.pid), [6001, 6002])
        XCTAssertEqual(termination.state.passes, 3)
        XCTAssertEqual(machine.fake.signals(.stop), [5000, 5001, 6001, 6002])
        XCTAssertEqual(machine.fake.signals.count, 4, "freeze sent more than SIGSTOP")
        XCTAssertEqual(termination.state.order.map(\.pid), [6002, 6001, 5001, 5000])
    }

    /// `waitGrace` settles what exited as `terminated` and returns the rest, TERMed but alive.
    func testGraceSettlesWhatExitedAndReturnsTheRest() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "watcher")], grace: 1)
        machine.fake.update(5001) { $0.ignoresTerm = true }
        var termination = machine.termination(.terminateTree, 5000)
        termination.attach(termination.item.members)
        let survivors = termination.waitGrace(termination.term(termination.state.handles))
        XCTAssertEqual(survivors.map(\.identity.pid), [5001])
        XCTAssertEqual(termination.state.records[survivors[0].identity]?.outcome, .survived)
        XCTAssertEqual(termination.state.actions.map(\.outcome), [.survived, .terminated])
        XCTAssertEqual(machine.fake.clock, 1)
        XCTAssertEqual(machine.fake.signals(.kill), [])
    }

    /// A child that appears only when the tree is frozen before SIGKILL was never TERMed: it is
    /// KILLed at once, and only the grace period's survivors are noted as having been waited for.
    func testMemberFoundByTheLastFreezeIsKilledWithoutTerm() {
        let machine = Machine([proc(5000, "supervisor")], grace: 1)
        machine.fake.update(5000) { $0.ignoresTerm = true }
        // Rescans: 1 freeze, 2–5 after each quarter-second slice of the grace period, 6 the last freeze.
        machine.fake.appearing[6] = [.init(proc(6001, parent: 5000, "late"))]
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(machine.fake.childrenQueries.count, 7)
        XCTAssertEqual(actions[pid: 6001]?.steps, ["found on pass 2", "SIGSTOP", "SIGKILL"])
        XCTAssertEqual(actions[pid: 6001]?.outcome, .killed)
        XCTAssertEqual(
            actions[pid: 5000]?.steps,
            ["SIGSTOP", "SIGTERM", "SIGCONT", "SIGSTOP", "waited 1s", "SIGKILL", "tree searched in 3 passes"])
        XCTAssertEqual(machine.fake.signals(.term), [5000])
        XCTAssertEqual(machine.fake.signals(.kill), [6001, 5000])
    }

    /// The guards judge what every rescan finds, during the grace period and at the last freeze as
    /// at the first: a guarded process is recorded and never attached or signalled.
    func testGuardedProcessFoundByALaterRescanIsNeverSignalled() {
        let machine = Machine([proc(5000, "supervisor")], protect: ["name == 'postgres'"], grace: 1)
        machine.fake.update(5000) { $0.ignoresTerm = true }
        machine.fake.appearing = [
            2: [.init(proc(6001, parent: 5000, "postgres")), .init(proc(6002, parent: 5000, "sudo", uid: 0))],
            6: [.init(proc(6003, parent: 5000, "postgres"))],
        ]
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 6001]?.steps, ["forked during the grace period"])
        XCTAssertEqual(actions[pid: 6002]?.reason, "another user's process (use --all-users)")
        XCTAssertEqual(actions[pid: 6003]?.steps, ["found on pass 2"])
        for pid: Int32 in [6001, 6002, 6003] {
            XCTAssertEqual(actions[pid: pid]?.outcome, .protected, "pid \(pid)")
            XCTAssertEqual(machine.fake.touches(pid), [], "pid \(pid)")
        }
        XCTAssertEqual(actions[pid: 5000]?.outcome, .killed)
    }

    /// A member that refuses signals is `denied`: not counted as frozen, and never sent SIGCONT
    /// or SIGKILL, while the rest of its tree ends.
    func testTreeMemberThatRefusesSignalsIsDeniedWhileItsTreeEnds() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "setuid-helper")])
        machine.fake.update(5001) { $0.deniesSignals = true }
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 5001]?.outcome, .denied)
        XCTAssertEqual(actions[pid: 5001]?.reason, "permission denied")
        XCTAssertEqual(actions[pid: 5001]?.steps, [])
        XCTAssertEqual(machine.fake.touches(5001), [.attach(5001), .send(.stop, 5001), .send(.term, 5001)])
        XCTAssertEqual(actions[pid: 5000]?.outcome, .terminated)
    }

    /// `verify` reports a tree member SIGKILL could not end as `survived` with its state, and
    /// asks the state of that member only.
    func testVerifyReportsATreeMemberThatSurvivesKill() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "fuse", state: "D")], grace: 1)
        machine.fake.update(5000) { $0.ignoresTerm = true }
        machine.fake.update(5001) {
            $0.ignoresTerm = true; $0.unkillable = true
        }
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions[pid: 5001]?.outcome, .survived)
        XCTAssertEqual(actions[pid: 5001]?.reason, "still alive after SIGKILL (state D)")
        XCTAssertEqual(actions[pid: 5001]?.steps, ["SIGSTOP", "SIGTERM", "SIGCONT", "SIGSTOP", "waited 1s", "SIGKILL"])
        XCTAssertEqual(actions[pid: 5000]?.outcome, .killed)
        XCTAssertEqual(machine.fake.calls.filter { if case .state = $0 { true } else { false } }, [.state(5001)])
        XCTAssertEqual(machine.fake.signals(.kill), [5001, 5000])
    }

    // MARK: - reap

    func testZombieIsReapedAfterSigchldToItsParent() {
        let machine = Machine([proc(5000, "make"), proc(5001, parent: 5000, "cc", state: "Z")])
        let action = machine.run([machine.finding(.reap, 5001)])[pid: 5001]
        XCTAssertEqual(action?.outcome, .reaped)
        XCTAssertEqual(action?.steps, ["SIGCHLD to make (5000)"])
        XCTAssertEqual(machine.fake.signals, [.send(.chld, 5000)])
        XCTAssertEqual(machine.fake.touches(5001), [])
    }

    func testZombieWhoseParentDoesNotReapSurvivesNamingTheParent() {
        let machine = Machine([proc(5000, "make"), proc(5001, parent: 5000, "cc", state: "Z")])
        machine.fake.update(5000) { $0.reapsOnChld = false }
        let action = machine.run([machine.finding(.reap, 5001)])[pid: 5001]
        XCTAssertEqual(action?.outcome, .survived)
        XCTAssertEqual(action?.steps, ["SIGCHLD to make (5000)"])
        XCTAssertEqual(action?.reason, "make (5000) does not reap it; end the parent to let init reap it")
        XCTAssertEqual(machine.fake.signals, [.send(.chld, 5000)])
    }

    func testZombieOfAParentEndedInTheSamePlanIsReapedByInit() {
        let machine = Machine([proc(5000, "make"), proc(5001, parent: 5000, "cc", state: "Z")])
        // The reap finding comes first but runs after the parent's terminate.
        let actions = machine.run([machine.finding(.reap, 5001), machine.finding(.terminate, 5000)])
        XCTAssertEqual(actions.map(\.process?.pid), [5000, 5001])
        XCTAssertEqual(actions[pid: 5001]?.outcome, .reaped)
        XCTAssertEqual(actions[pid: 5001]?.steps, ["its parent was ended: init reaps it"])
        XCTAssertEqual(machine.fake.signals, [.send(.term, 5000)])
    }

    func testZombieOfAProtectedParentGetsNoSignal() {
        // zscan's parent shell (3900) has not reaped a zombie child.
        let machine = Machine([proc(5001, parent: 3900, "git", state: "Z")])
        let action = machine.run([machine.finding(.reap, 5001)])[pid: 5001]
        XCTAssertEqual(action?.outcome, .survived)
        XCTAssertEqual(action?.steps, [])
        XCTAssertEqual(machine.fake.touches(3900), [])
        XCTAssertEqual(machine.fake.signals, [])
    }

    func testZombieReapedBeforeCleanupIsAlreadyGone() {
        let machine = Machine([proc(5000, "make"), proc(5001, parent: 5000, "cc", state: "Z")])
        machine.fake.update(5001) { $0.alive = false }
        let action = machine.run([machine.finding(.reap, 5001)])[pid: 5001]
        XCTAssertEqual(action?.outcome, .alreadyGone)
        XCTAssertEqual(action?.reason, "reaped before cleanup")
        XCTAssertEqual(machine.fake.signals, [])
    }

    // MARK: - remove_file

    func testPidFileIsRemovedOnlyIfUnchanged() {
        let machine = Machine()
        machine.fake.fileResults = [
            "/run/a.pid": .removed, "/run/b.pid": .changed, "/run/d.pid": .failed("cannot delete /run/d.pid"),
            "/run/e.pid": .fileReplaced, "/run/f.pid": .directoryReplaced,
        ]
        let paths = ["/run/a.pid", "/run/b.pid", "/run/c.pid", "/run/d.pid", "/run/e.pid", "/run/f.pid"]
        let actions = machine.run(paths.map { machine.pidfileFinding($0) })
        XCTAssertEqual(actions.map(\.outcome), [.removed, .survived, .alreadyGone, .denied, .survived, .survived])
        XCTAssertEqual(
            actions.map(\.reason),
            [
                nil, "the file changed since the scan: left alone", "the file is gone", "cannot delete /run/d.pid",
                "another file took its name since the scan: left alone", "its directory was replaced since the scan: left alone",
            ])
        XCTAssertEqual(actions.map(\.path), paths)
        XCTAssertEqual(actions[0].steps, ["deleted"])
        XCTAssertEqual(machine.fake.signals, [])
    }

    // MARK: - dry run

    func testDryRunPlansEverythingAndTouchesNothing() {
        let machine = Machine(
            [
                proc(5000, "node"), proc(5001, parent: 5000, "esbuild"), proc(5002, "vite", state: "T"),
                proc(5003, "make"), proc(5004, parent: 5003, "cc", state: "Z"), proc(5005, "postgres"),
            ], protect: ["name == 'postgres'"], dryRun: true)
        let actions = machine.run([
            machine.finding(.terminateTree, 5000), machine.finding(.terminate, 5002), machine.finding(.reap, 5004),
            machine.pidfileFinding("/run/a.pid"), machine.finding(.terminate, 5005),
        ])
        XCTAssertEqual(actions.map(\.outcome), [.planned, .planned, .planned, .planned, .protected, .planned])
        XCTAssertEqual(actions[pid: 5000]?.steps, ["SIGSTOP (freeze the tree)", "SIGTERM", "SIGCONT", "wait up to 5s", "SIGKILL if still alive"])
        XCTAssertEqual(actions[pid: 5002]?.steps, ["SIGTERM", "SIGCONT", "wait up to 5s", "SIGKILL if still alive"])
        XCTAssertEqual(actions[pid: 5004]?.steps, ["SIGCHLD to make (5003)", "wait up to 1s"])
        XCTAssertEqual(actions[3].steps, ["delete if it still holds pid 4321"])
        XCTAssertEqual(machine.fake.calls, [])
    }

    // MARK: - The plan

    func testProcessNamedByTwoFindingsIsPlannedOnce() {
        let machine = Machine([proc(5000, "node"), proc(5001, parent: 5000, "esbuild")])
        let plan = machine.plan([
            machine.finding(.terminate, 5001), machine.finding(.terminateTree, 5000), machine.finding(.terminate, 5000),
            machine.socketFinding(.terminate, owners: [5000, 5001]),
        ])
        XCTAssertEqual(plan.items.map(\.action), [.terminate, .terminateTree])
        XCTAssertEqual(plan.items.map { $0.members.map(\.identity.pid) }, [[5001], [5000]])
    }

    func testSocketFindingPlansEachOwner() {
        let machine = Machine([proc(5000, "node"), proc(5001, "node")])
        let plan = machine.plan([machine.socketFinding(.terminate, owners: [5000, 5001])])
        XCTAssertEqual(plan.items.map { $0.members.map(\.identity.pid) }, [[5000], [5001]])
    }

    /// A member that double-forked before or during cleanup left a grandchild re-parented to init
    /// but still in the group the tree's root leads: it is followed there and ended.
    func testEscapedMembersAreFollowedThroughTheGroupTheirTreeLeads() {
        let machine = Machine([
            proc(5000, "server", group: 5000), proc(5001, parent: 5000, "worker", group: 5000),
            proc(5100, "escaped", group: 5000), proc(5200, "stranger", group: 5200),
        ])
        let actions = machine.run([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(actions.compactMap(\.process?.pid).sorted(), [5000, 5001, 5100])
        XCTAssertEqual(actions[pid: 5100]?.outcome, .terminated)
        XCTAssertEqual(actions[pid: 5100]?.steps.first, "left the tree (parent 1); found in its process group 5000")
        XCTAssertEqual(machine.fake.touches(5200), [], "another group is not the tree's")
        // A plain terminate ends its target only.
        let single = Machine([proc(5000, "server", group: 5000), proc(5100, "escaped", group: 5000)])
        XCTAssertEqual(single.run([single.finding(.terminate, 5000)]).compactMap(\.process?.pid), [5000])
    }

    /// The tree's root leads the group zscan runs in (zscan joined it): the group is not
    /// followed, so zscan's siblings in it are safe; nor is a group that is not led by a member.
    func testZscansOwnGroupAndGroupsNotLedByTheTreeAreNeverFollowed() {
        let machine = Machine([proc(5000, "runner", group: 5000), proc(5100, "sibling of zscan", group: 5000)], zscanGroup: 5000)
        XCTAssertFalse(machine.cleanupGuard.mayFollow(group: 5000))
        XCTAssertEqual(machine.run([machine.finding(.terminateTree, 5000)]).compactMap(\.process?.pid), [5000])
        XCTAssertEqual(machine.fake.touches(5100), [])
        let shared = Machine([proc(5000, "server", group: 3900), proc(5100, "job sibling", group: 3900)])
        XCTAssertEqual(shared.run([shared.finding(.terminateTree, 5000)]).compactMap(\.process?.pid), [5000])
        XCTAssertEqual(shared.fake.touches(5100), [])
        for pid: Int32 in [0, 1, 300, 3800, 3900, Machine.zscan] {
            XCTAssertFalse(Machine(initPid: 300).cleanupGuard.mayFollow(group: pid), "group \(pid)")
        }
        XCTAssertTrue(Machine().cleanupGuard.mayFollow(group: 5000))
    }

    func testReapItemsComeLast() {
        let machine = Machine([proc(5000, "make"), proc(5001, parent: 5000, "cc", state: "Z"), proc(5002, "vite")])
        let plan = machine.plan([
            machine.finding(.reap, 5001), machine.finding(.terminate, 5002), machine.pidfileFinding("/run/a.pid"),
            machine.finding(.none, 5000),
        ])
        XCTAssertEqual(plan.items.map(\.action), [.terminate, .removeFile, .reap])
        XCTAssertEqual(plan.items.last?.parent?.identity.pid, 5000)
    }

    func testTreeMembersAreLeavesFirstWithoutZombies() {
        // node(5000) ← sh(5001) ← esbuild(5002), cc(5003, zombie); node(5000) ← old(5004, zombie)
        let machine = Machine([
            proc(5000, "node"), proc(5001, parent: 5000, "sh"), proc(5002, parent: 5001, "esbuild"),
            proc(5003, parent: 5001, "cc", state: "Z"), proc(5004, parent: 5000, "old", state: "Z"),
        ])
        let plan = machine.plan([machine.finding(.terminateTree, 5000)])
        XCTAssertEqual(plan.items.count, 1)
        XCTAssertEqual(plan.items[0].members.map(\.identity.pid), [5002, 5001, 5000])
        XCTAssertEqual(plan.items[0].members.map(\.identity), [5002, 5001, 5000].map { machine.snapshot.process(pid: $0)!.identity })
    }

    // MARK: - Scope: what an unscoped cleanup acts on

    /// A bare `--cleanup` (none of --only, --pattern, --port, --where) ends the findings
    /// `--fail-on` selects and nothing else; a narrowed one every finding it is given.
    func testUnscopedCleanupEndsWhatFailOnSelectsAndNothingElse() {
        let machine = Machine([proc(5000, "uvicorn"), proc(5001, "python3"), proc(5002, "node")])
        let findings = [
            machine.finding(.terminateTree, 5000, severity: .error), machine.finding(.terminateTree, 5001, severity: .warning),
            machine.finding(.terminate, 5002, severity: .info),
        ]
        let unscoped = machine.run(findings, scope: CleanupScope(narrowed: false))
        XCTAssertEqual(unscoped.map(\.process?.pid), [5000])
        XCTAssertEqual(machine.fake.signals(.term), [5000], "the warning and the info finding are left alone")

        let failOnWarning = Machine([proc(5000, "uvicorn"), proc(5001, "python3"), proc(5002, "node")])
        let warnings = failOnWarning.run(findings, scope: CleanupScope(narrowed: false, failOn: Selector(["warning"])))
        XCTAssertEqual(warnings.map(\.process?.pid), [5000, 5001], "--fail-on warning selects warnings and errors")

        let narrowed = Machine([proc(5000, "uvicorn"), proc(5001, "python3"), proc(5002, "node")])
        XCTAssertEqual(narrowed.run(findings, scope: .narrowed).map(\.process?.pid), [5000, 5001, 5002])
    }

    /// A process detached on purpose is never a target unless `--only` names the finding's rule
    /// by id; the plan says why it is skipped and how to end it, and nothing touches it.
    func testDetachedProcessIsSkippedUnlessItsRuleIsNamed() {
        let machine = Machine([Self.nohupped(5000), proc(5001, "uvicorn")])
        XCTAssertEqual(machine.snapshot.process(pid: 5000)?.detached, true)
        let findings = [machine.finding(.terminateTree, 5000), machine.finding(.terminateTree, 5001)]
        let actions = machine.run(findings, scope: CleanupScope(narrowed: false))
        XCTAssertEqual(actions.map(\.process?.pid), [5001, 5000])
        XCTAssertEqual(actions[pid: 5000]?.outcome, .skipped)
        XCTAssertEqual(
            actions[pid: 5000]?.reason, "detached on purpose (ignores SIGHUP (nohup)); name its rule to end it: --only test_terminate_tree")
        XCTAssertEqual(actions[pid: 5000]?.steps, [])
        XCTAssertEqual(machine.fake.touches(5000), [], "never attached, never signalled")
        XCTAssertFalse(ActionOutcome.skipped.resolves, "a skipped finding still fails the run")

        // Narrowed by --pattern or a tag: still skipped. Named by id: ended.
        let tagged = Machine([Self.nohupped(5000)])
        let byTag = tagged.run([tagged.finding(.terminateTree, 5000)], scope: CleanupScope(narrowed: true, namedRules: ["orphan"]))
        XCTAssertEqual(byTag.map(\.outcome), [.skipped])
        let named = Machine([Self.nohupped(5000)])
        let byID = named.run([named.finding(.terminateTree, 5000)], scope: CleanupScope(narrowed: true, namedRules: ["test_terminate_tree"]))
        XCTAssertEqual(byID.map(\.outcome), [.terminated])
        XCTAssertEqual(named.fake.signals(.term), [5000])

        // A dry run says the same; a socket's detached owner is skipped, its other owner planned.
        let dry = Machine([Self.nohupped(5000), proc(5001, "uvicorn")], dryRun: true)
        let plan = dry.run([dry.socketFinding(.terminate, owners: [5000, 5001])], scope: CleanupScope(narrowed: false))
        XCTAssertEqual(plan.map(\.outcome), [.planned, .skipped])
        XCTAssertEqual(plan.map(\.process?.pid), [5001, 5000])
    }

    /// A nohup'd leftover of a CI job that is over is ended by a bare cleanup: its runner would
    /// have ended it, nohup or not. While that job still runs, it is skipped like any detached one.
    func testDetachedLeftoverOfAFinishedJobIsNotSpared() {
        var finished = Self.nohupped(5000)
        finished.job = "other"
        finished.jobAlive = false
        let machine = Machine([finished])
        XCTAssertEqual(machine.snapshot.process(pid: 5000)?.detached, true)
        XCTAssertEqual(machine.run([machine.finding(.terminateTree, 5000)], scope: CleanupScope(narrowed: false)).map(\.outcome), [.terminated])

        var running = finished
        running.jobAlive = true
        let live = Machine([running])
        XCTAssertEqual(live.run([live.finding(.terminateTree, 5000)], scope: CleanupScope(narrowed: false)).map(\.outcome), [.skipped])
        XCTAssertEqual(live.fake.touches(5000), [])
    }

    /// Skipped for one finding, ended for another whose rule was named: the named one wins.
    func testDetachedProcessEndedByANamedRuleIsNotAlsoSkipped() {
        let machine = Machine([Self.nohupped(5000)])
        let unnamed = machine.finding(.terminate, 5000)
        let named = machine.finding(.terminateTree, 5000)
        let actions = machine.run([unnamed, named], scope: CleanupScope(narrowed: true, namedRules: ["test_terminate_tree"]))
        XCTAssertEqual(actions.map(\.outcome), [.terminated])
        XCTAssertEqual(actions.map(\.rule), ["test_terminate_tree"])
    }

    /// The skip reason quotes the evidence items that say "detached"; they are picked by the words
    /// `Snapshot.deriveProvenance` writes, so this fails if that wording changes.
    func testDetachedSignsAreTheProvenanceWording() {
        var snapshot = Snapshot(
            host: HostInfo(initPid: 1, collectorPid: 4000),
            processes: [
                ProcessRecord(pid: 1, ppid: 0, name: "init"),
                {
                    var p = ProcessRecord(
                        pid: 5000, ppid: 1, sid: 4900, name: "server", cwd: "/", ignoresSighup: true, stdio: ["/dev/null", "/dev/null", ""],
                        lockedFile: "/run/server.lock", ciOptOut: "BUILD_ID=dontKillMe")
                    p.cgroup = "/system.slice/server.service"
                    return p
                }(),
            ])
        snapshot.link()
        snapshot.deriveProvenance(pidfiles: [PidFileRecord(path: "/run/server.pid", pid: 5000, alive: true)])
        let server = snapshot.process(pid: 5000)!
        XCTAssertEqual(server.detached, true)
        XCTAssertEqual(
            DetachedSign.signs(in: server.evidence),
            [
                "ignores SIGHUP (nohup)", "daemon conventions: cwd /, stdio on /dev/null, no terminal", "named by live PID file /run/server.pid",
                "holds a lock on /run/server.lock", "runs as systemd service server.service",
                "opted out of CI process cleanup (BUILD_ID=dontKillMe)",
            ], "\(server.evidence)")
        XCTAssertFalse(DetachedSign.signs(in: server.evidence).contains("parent exited; now init (1)"))
    }

    /// A `nohup`'d server adopted by init after its session's leader exited.
    static func nohupped(_ pid: Int32) -> ProcessRecord {
        var server = proc(pid, "server")
        server.sid = 3700
        server.ignoresSighup = true
        return server
    }

    // MARK: - Helpers

    /// Runs a `terminate` finding on `pid` and checks it is protected for `reason` and never attached
    /// or signalled.
    private func assertGuarded(_ pid: Int32, _ reason: String, in machine: Machine, file: StaticString = #filePath, line: UInt = #line) {
        let actions = machine.run([machine.finding(.terminate, pid)])
        XCTAssertEqual(actions.count, 1, file: file, line: line)
        XCTAssertEqual(actions[pid: pid]?.outcome, .protected, file: file, line: line)
        XCTAssertEqual(actions[pid: pid]?.reason, reason, file: file, line: line)
        XCTAssertEqual(machine.fake.touches(pid), [], file: file, line: line)
        XCTAssertEqual(machine.fake.calls, [], file: file, line: line)
    }
}

/// A process of uid 1000 (zscan's user) with a start time derived from its pid.
private func proc(_ pid: Int32, parent: Int32 = 1, _ name: String, state: String = "S", uid: UInt32? = 1000, group: Int32 = 0) -> ProcessRecord {
    ProcessRecord(
        pid: pid, ppid: parent, pgid: group, state: state, name: name, cmdline: state == "Z" ? "" : name, uid: uid,
        startTicks: UInt64(pid) * 10 + 3)
}

/// The machine tests clean up on: systemd(1) ← tmux(3800) ← bash(3900) ← zscan(4000), kthreadd(2) ←
/// kworker(3), tini(300), plus the targets, with a fake process table built from the same snapshot.
private final class Machine {
    static let zscan: Int32 = 4000

    let snapshot: Snapshot
    let fake: FakeProcessControl
    let protect: [CompiledCondition]
    let onlyUID: UInt32?
    let grace: Double
    let dryRun: Bool
    let maxPasses: Int

    init(
        _ targets: [ProcessRecord] = [], initPid: Int32 = 1, protect: [String] = [], onlyUID: UInt32? = 1000,
        grace: Double = 5, dryRun: Bool = false, maxPasses: Int = 20, zscanGroup: Int32 = 0
    ) {
        var kworker = proc(3, parent: 2, "kworker/0:0", uid: 0)
        var kthreadd = proc(2, parent: 0, "kthreadd", uid: 0)
        kworker.kernelThread = true
        kthreadd.kernelThread = true
        var snapshot = Snapshot(
            host: HostInfo(initPid: initPid, collectorPid: Self.zscan),
            processes: [
                proc(1, parent: 0, "systemd", uid: 0), kthreadd, kworker, proc(300, "tini"),
                proc(3800, "tmux"), proc(3900, parent: 3800, "bash"), proc(Self.zscan, parent: 3900, "zscan", group: zscanGroup),
            ] + targets)
        snapshot.link()
        self.snapshot = snapshot
        fake = FakeProcessControl(snapshot)
        self.protect = protect.map { try! ConditionChecker(scope: ConditionScope()).compile($0, subject: .process) }
        self.onlyUID = onlyUID
        self.grace = grace
        self.dryRun = dryRun
        self.maxPasses = maxPasses
    }

    var context: EvaluationContext { EvaluationContext(snapshot: snapshot) }
    var cleanupGuard: CleanupGuard { CleanupGuard(snapshot: snapshot, protect: protect, onlyUID: onlyUID) }

    func plan(_ findings: [Finding], scope: CleanupScope = .narrowed) -> CleanupPlan {
        CleanupPlan(findings: findings, context: context, guard: cleanupGuard, scope: scope)
    }

    var executor: CleanupExecutor {
        var executor = CleanupExecutor(control: fake, cleanupGuard: cleanupGuard, context: context, grace: grace, dryRun: dryRun)
        executor.maxPasses = maxPasses
        return executor
    }

    func run(_ findings: [Finding], scope: CleanupScope = .narrowed) -> [CleanupAction] {
        executor.run(plan(findings, scope: scope))
    }

    /// The termination of the one item a finding on `pid` plans, not yet started.
    func termination(_ action: RuleAction, _ pid: Int32) -> TreeTermination {
        TreeTermination(plan([finding(action, pid)]).items[0], plannedElsewhere: [], by: executor)
    }

    func finding(_ action: RuleAction, _ pid: Int32, severity: Severity = .error) -> Finding {
        Finding(rule: rule(action, subject: "process", severity: severity), message: "", hint: nil, subject: .process(snapshot.process(pid: pid)!))
    }

    func socketFinding(_ action: RuleAction, owners: [Int32]) -> Finding {
        let socket = SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, state: "LISTEN", inode: 77, owners: owners)
        return Finding(
            rule: rule(action, subject: "socket"), message: "", hint: nil,
            subject: .socket(socket, owners: owners.map { snapshot.process(pid: $0)! }))
    }

    func pidfileFinding(_ path: String) -> Finding {
        let file = PidFileRecord(path: path, pid: 4321, alive: false)
        return Finding(rule: rule(.removeFile, subject: "pidfile"), message: "", hint: nil, subject: .pidfile(file, process: nil))
    }

    private func rule(_ action: RuleAction, subject: String, severity: Severity = .error) -> RuleSummary {
        RuleSummary(id: "test_\(action.rawValue)", title: "", severity: severity, tags: [], subject: subject, action: action)
    }
}

private extension Array where Element == CleanupAction {
    /// The action on the process with this pid.
    subscript(pid pid: Int32) -> CleanupAction? { first { $0.process?.pid == pid } }
}
