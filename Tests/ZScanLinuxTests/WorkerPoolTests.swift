import XCTest
import ZScanTestSupport
@testable import ZScanCore
@testable import ZScanLinux

/// The collector's threads: a snapshot of a small machine takes one worker (a pid list under 512),
/// so these force several, for `swift test --sanitize=thread` to watch them.
final class WorkerPoolTests: XCTestCase {
    func testBatchCursorHandsOutEveryIndexExactlyOnce() {
        let total = 10_000
        let cursor = BatchCursor(total: total, batch: 7)
        let taken = Taken(workers: 4)
        WorkerPool.run(count: 4) { worker in
            var mine: [Int] = []
            while let range = cursor.take() { mine += range }
            taken.store(worker, mine)
        }
        let all = taken.all.flatMap { $0 }
        XCTAssertEqual(all.sorted(), Array(0..<total))
        XCTAssertNil(cursor.take(), "an exhausted cursor stays exhausted")
    }

    func testFourWorkersSeeWhatOneSees() throws {
        let fixture = try FixtureProcess(["population", "--count", "300", "--listeners", "20", "--fds", "3"])
        defer { fixture.stop() }
        let pgid = try XCTUnwrap(fixture.int("pgid"))
        func members(threads: Int) throws -> [ProcessRecord] {
            try LinuxSnapshotSource(threads: threads).collect(what: .all).processes.filter { $0.pgid == pgid }
        }
        let one = try members(threads: 1)
        let four = try members(threads: 4)
        XCTAssertEqual(one.count, 301, "the handle and its 300 members")
        XCTAssertEqual(four.map(\.pid), one.map(\.pid))
        for (a, b) in zip(one, four) {
            XCTAssertEqual(b.identity, a.identity)
            XCTAssertEqual(b.cmdline, a.cmdline)
            XCTAssertEqual(b.fds, a.fds, "pid \(a.pid)")
            XCTAssertEqual(b.ports, a.ports, "pid \(a.pid)")
            XCTAssertEqual(b.socketInodes, a.socketInodes, "pid \(a.pid)")
        }
        XCTAssertEqual(Set(four.flatMap { $0.ports ?? [] }), Set(fixture.ints("ports").map(Int.init)))
    }
}

/// What each worker took, one slot each, read after the join (the shape of the collector's
/// counter slots).
private final class Taken: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[Int]>

    init(workers: Int) { slots = .allocate(capacity: workers); slots.initialize(repeating: []) }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    func store(_ worker: Int, _ indices: [Int]) { slots[worker] = indices }

    var all: [[Int]] { Array(slots) }
}
