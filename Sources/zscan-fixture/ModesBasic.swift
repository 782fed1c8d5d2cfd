import Glibc

/// zombies and spin: single-level modes.
extension Fixture {
    /// zombies: N children that exit at once; the handle leaves them unreaped until teardown.
    mutating func runZombies() throws(FixtureError) -> JSON {
        let count = try options.int("--count", default: 1, in: 0...10_000)
        return object([("zombies", .ints(try makeZombies(count)))])
    }

    /// N children that exit at once; the handle waits for none of them before teardown, so each
    /// stays a zombie (state Z, checked before returning) until then.
    func makeZombies(_ count: Int) throws(FixtureError) -> [pid_t] {
        var zombies: [pid_t] = []
        for _ in 0..<count {
            let pid = try context.fork { _ in _exit(0) }
            tracker.addDirect(pid)
            zombies.append(pid)
        }
        try waitUntil("children to become zombies") {
            zombies.allSatisfy { ProcStat(pid: $0)?.isZombie ?? false }
        }
        return zombies
    }

    /// spin: one child burning CPU until the lifeline ends (or --seconds pass).
    mutating func runSpin() throws(FixtureError) -> JSON {
        var seconds: Double?
        if let text = options.values["--seconds"] {
            guard let value = Double(text), value > 0, value.isFinite else {
                throw .usage("--seconds needs a positive number")
            }
            seconds = value
        }
        let spinner = try context.fork { child in
            child.reportReady()
            spin(child.lifeline, seconds: seconds)
        }
        tracker.addDirect(spinner)
        _ = try context.report.collect(1, until: setupDeadline)
        return object([("spinner", .int(Int(spinner)))])
    }
}

/// Burns CPU in user space, looking at the lifeline and the clock every 10 ms.
func spin(_ lifeline: Lifeline, seconds: Double?) -> Never {
    let stop = seconds.map { Deadline(secondsFromNow: $0) }
    var nextCheck: UInt64 = 0
    while true {
        let now = monotonicNanos()  // vDSO call: cheap and keeps the loop from being optimized away
        if now >= nextCheck {
            if lifeline.hasEnded() || stop?.hasPassed == true { _exit(0) }
            nextCheck = now + 10_000_000
        }
    }
}
