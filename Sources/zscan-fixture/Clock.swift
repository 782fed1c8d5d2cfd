import Glibc

/// Monotonic time in nanoseconds, immune to wall-clock changes.
func monotonicNanos() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// A point on the monotonic clock after which waiting stops.
struct Deadline {
    let nanos: UInt64

    /// The deadline `seconds` from now.
    init(secondsFromNow seconds: Double) {
        nanos = monotonicNanos() + UInt64(max(0, seconds) * 1e9)
    }

    /// The earlier of two deadlines.
    func capped(by other: Deadline) -> Deadline {
        nanos <= other.nanos ? self : other
    }

    private init(nanos: UInt64) { self.nanos = nanos }

    /// Nanoseconds left, zero once passed.
    var remainingNanos: UInt64 {
        let now = monotonicNanos()
        return now >= nanos ? 0 : nanos - now
    }

    var hasPassed: Bool { remainingNanos == 0 }

    /// Milliseconds left, rounded up and clamped to what poll(2) accepts.
    var remainingMillis: Int32 {
        Int32(min(UInt64(Int32.max), (remainingNanos + 999_999) / 1_000_000))
    }
}

/// Sleeps for a number of milliseconds (used by short bounded polling loops).
func sleepMillis(_ millis: Int) {
    var request = timespec(tv_sec: millis / 1000, tv_nsec: (millis % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR {
        request = remaining
    }
}
