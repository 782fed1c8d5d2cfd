import ZScanCore

/// The `/proc` parsers, reachable from outside the module only through this SPI, for the fuzz
/// targets (`zscan-fuzz`) and nothing else: each takes the raw bytes a file could hold and returns
/// a small digest of what was parsed, so no work can be optimized away.
@_spi(Fuzzing) public enum ParserEntryPoints {
    /// `/proc/PID/stat`.
    public static func stat(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard let fields = StatParser.parse(buffer) else { return 0 }
            return fields.name.utf8.count &+ fields.state.utf8.count &+ Int(fields.ppid) &+ Int(truncatingIfNeeded: fields.startTicks)
        }
    }

    /// `/proc/PID/status`: the effective uid and the ignored signals.
    public static func status(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            (StatusParser.effectiveUID(buffer).map(Int.init) ?? -1) &+ Int(truncatingIfNeeded: StatusParser.ignoredSignals(buffer) ?? 0)
        }
    }

    /// `/proc/PID/cmdline`.
    public static func cmdline(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            let parsed = CmdlineParser.parse(buffer)
            // The command line read alone (a scan that never names `args`) is the same string.
            precondition(CmdlineParser.commandLine(buffer) == parsed.cmdline, "commandLine differs from parse")
            return parsed.args.count &+ parsed.cmdline.utf8.count
        }
    }

    /// A `/proc/net/{tcp,tcp6,udp,udp6}` table, read as each of the four.
    public static func netTable(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            SocketRecord.Proto.allCases.reduce(0) { sum, proto in
                NetTableParser.parse(buffer, proto: proto, netns: nil).reduce(sum) { $0 &+ $1.localPort &+ Int(truncatingIfNeeded: $1.inode) }
            }
        }
    }
}
