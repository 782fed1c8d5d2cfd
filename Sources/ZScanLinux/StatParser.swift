/// The fields zscan uses from `/proc/PID/stat` (proc(5)). `comm` may contain spaces, parentheses and
/// newlines, so the line is split at the LAST `)`; the numbered fields follow it.
struct StatFields: Equatable {
    var name: String
    var state: String
    var ppid: Int32
    var pgid: Int32
    var sid: Int32
    var ttyNr: Int32
    /// Field 9; `PF_KTHREAD` (0x00200000) marks kernel threads.
    var flags: UInt64
    var utime: UInt64
    var stime: UInt64
    var threads: Int
    /// Field 22: start time in clock ticks since boot.
    var startTicks: UInt64
    /// Field 24: resident pages.
    var rssPages: UInt64

    static let kernelThreadFlag: UInt64 = 0x0020_0000
    var isKernelThread: Bool { flags & StatFields.kernelThreadFlag != 0 }
}

enum StatParser {
    /// Parses the content of a stat file; nil if it is not the kernel's format.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> StatFields? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
            let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open
        else { return nil }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close]), as: UTF8.self)
        // Fields from 3 (state) on, separated by single spaces.
        var fields: [UnsafeBufferPointer<UInt8>] = []
        fields.reserveCapacity(22)
        var start = close + 2
        var i = start
        while i <= bytes.count && fields.count < 22 {
            if i == bytes.count || bytes[i] == 0x20 || bytes[i] == 0x0A {
                if i > start { fields.append(UnsafeBufferPointer(rebasing: bytes[start..<i])) }
                start = i + 1
            }
            i += 1
        }
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        guard fields.count >= 22, fields[0].count == 1 else { return nil }
        func unsigned(_ n: Int) -> UInt64? { Decimal.parse(fields[n - 3]) }
        // A number beyond Int64 is not the kernel's format (found by scripts/fuzz: it trapped).
        func signed(_ n: Int) -> Int64? {
            let f = fields[n - 3]
            if f.first == UInt8(ascii: "-") {
                return Decimal.parse(UnsafeBufferPointer(rebasing: f[1...])).flatMap(Int64.init(exactly:)).map { -$0 }
            }
            return Decimal.parse(f).flatMap(Int64.init(exactly:))
        }
        guard let ppid = signed(4), let pgid = signed(5), let sid = signed(6), let tty = signed(7),
            let flags = unsigned(9), let utime = unsigned(14), let stime = unsigned(15),
            let threads = signed(20), let start = unsigned(22), let rss = signed(24)
        else { return nil }
        return StatFields(
            name: name, state: String(UnicodeScalar(fields[0][0])), ppid: Int32(truncatingIfNeeded: ppid),
            pgid: Int32(truncatingIfNeeded: pgid), sid: Int32(truncatingIfNeeded: sid),
            ttyNr: Int32(truncatingIfNeeded: tty), flags: flags, utime: utime, stime: stime,
            threads: Int(threads), startTicks: start, rssPages: rss < 0 ? 0 : UInt64(rss))
    }
}
