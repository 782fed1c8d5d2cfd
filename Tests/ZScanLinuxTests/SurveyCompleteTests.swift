import Foundation
import XCTest
import ZScanTestSupport
@testable import ZScanCore
@testable import ZScanLinux

/// The Linux source's passes against real processes: a survey reads `stat` (and descriptors when
/// sockets are asked about) and nothing else, `complete` reads the rest of the processes planned
/// and gives what one full `collect` gives, a pid that names another process is never completed,
/// and `reread` is the `stat` of the same process or nothing.
final class SurveyCompleteTests: XCTestCase {
    func testSurveyThenCompleteGivesWhatCollectGives() throws {
        let fixture = try FixtureProcess(["population", "--count", "3", "--listeners", "1", "--fds", "1000", "--zombies", "1", "--stopped", "1"])
        defer { fixture.stop() }
        let source = LinuxSnapshotSource()
        let fields: FieldSet = .standard

        var surveyed = try source.survey(what: fields)
        let members = surveyed.processes.filter { $0.pgid == fixture.int("pgid") }
        XCTAssertEqual(members.count, 1 + 3 + 1 + 1)
        for member in members {
            XCTAssertEqual(member.read.intersection(.perProcess), [.fds], "sockets asked about: descriptors and stat only")
            XCTAssertNil(member.cmdline, "cmdline of \(member.pid) waits for complete")
            XCTAssertNil(member.exe)
            XCTAssertNil(member.uid)
        }
        var plan: ReadPlan = [:]
        for member in members { plan[member.pid] = fields }
        source.complete(&surveyed, plan: plan)
        let collected = try source.collect(what: fields)

        for member in members {
            let completed = try XCTUnwrap(surveyed.process(pid: member.pid))
            let whole = try XCTUnwrap(collected.process(pid: member.pid))
            XCTAssertEqual(completed.read.intersection(.perProcess), fields.normalized.intersection(.perProcess))
            XCTAssertEqual(completed.cmdline, whole.cmdline, "\(member.pid)")
            XCTAssertEqual(completed.exe, whole.exe)
            XCTAssertEqual(completed.exeDeleted, member.isZombie ? nil : false)
            XCTAssertEqual(completed.cwd, whole.cwd)
            XCTAssertEqual(completed.uid, whole.uid)
            XCTAssertEqual(completed.user, whole.user)
            XCTAssertEqual(completed.cgroup, whole.cgroup)
            XCTAssertEqual(completed.fds, whole.fds)
            XCTAssertEqual(completed.ports, whole.ports)
            XCTAssertEqual(completed.adopted, whole.adopted)
        }
        // 1000 descriptors fill several getdents64 batches: every one is counted, as `ls` lists them.
        let idle = try XCTUnwrap(members.first { $0.pid != fixture.pid && $0.state == "S" && ($0.fds ?? 0) >= 1000 })
        let listed = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(idle.pid)/fd").count
        XCTAssertEqual(idle.fds, listed)
    }

    func testCompleteNeverReadsAPidThatNamesAnotherProcessNow() throws {
        let fixture = try FixtureProcess(["sleep"])
        defer { fixture.stop() }
        let source = LinuxSnapshotSource()
        var surveyed = try source.survey(what: [.cmdline, .exe])
        let i = try XCTUnwrap(surveyed.pidIndex[fixture.pid])
        // As if the process surveyed had exited and its pid been handed to another since.
        surveyed.processes[i].startTicks += 1
        let vanished = surveyed.counters.vanished
        source.complete(&surveyed, plan: [fixture.pid: [.cmdline, .exe]])
        XCTAssertNil(surveyed.process(pid: fixture.pid), "dropped, not filled with another process's files")
        XCTAssertEqual(surveyed.counters.vanished, vanished + 1)
    }

    func testRereadIsTheSameProcessOrNothing() throws {
        let fixture = try FixtureProcess(["spin", "--seconds", "30"])
        defer { fixture.stop() }
        let source = LinuxSnapshotSource()
        let surveyed = try source.survey(what: [])
        let spinner = try XCTUnwrap(surveyed.process(pid: try XCTUnwrap(fixture.int("spinner"))))
        usleep(200_000)
        let reused = ProcessIdentity(pid: spinner.pid, startTicks: spinner.startTicks + 1)
        let samples = source.reread([spinner.identity, reused])
        let sample = try XCTUnwrap(samples[spinner.identity])
        XCTAssertGreaterThan(sample.cpuTime, spinner.cpuTime, "it spun meanwhile")
        XCTAssertNil(samples[reused])
        XCTAssertEqual(samples.count, 1)
    }

    func testKernelThreadsWorkInTheRoot() throws {
        let snapshot = try LinuxSnapshotSource().collect(what: [.cwd, .exe])
        let threads = snapshot.processes.filter(\.kernelThread)
        try XCTSkipIf(threads.isEmpty, "no kernel thread visible (a private PID namespace)")
        for thread in threads {
            XCTAssertEqual(thread.cwd, "/", "\(thread.pid) \(thread.name)")
            XCTAssertNil(thread.exe)
            XCTAssertNil(thread.exeDeleted)
        }
    }
}
