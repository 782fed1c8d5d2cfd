import Glibc
import ZScanCore

/// The clocks and the sampling wait, behind the OS seam.
public enum Clock {
    /// Seconds since the epoch.
    public static func wall() -> Double { HostFacts.wallClock() }

    /// Seconds on a clock that never jumps.
    public static func monotonic() -> Double { HostFacts.monotonic() }

    /// Sleeps `seconds`, calling `tick` with the fraction done about every 100 ms (for a progress line).
    public static func sleep(_ seconds: Double, tick: ((Double) -> Void)? = nil) {
        let end = monotonic() + seconds
        while true {
            let left = end - monotonic()
            if left <= 0 { break }
            tick?(1 - left / max(seconds, 0.001))
            var request = timespec(tv_sec: 0, tv_nsec: Int(min(left, 0.1) * 1e9))
            nanosleep(&request, nil)
        }
        tick?(1)
    }
}

extension PidFileReader: PidFileSource {}
