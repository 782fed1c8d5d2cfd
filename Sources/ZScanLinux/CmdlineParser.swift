/// Turns `/proc/PID/cmdline` (arguments separated and ended by NUL) into `args` and `cmdline`.
///
/// Empty for zombies and kernel threads. A process that rewrote its title setproctitle-style leaves
/// one string with spaces and NUL padding (or no NUL at all); like psutil, its `args` are then the
/// words of that string.
enum CmdlineParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (args: [String], cmdline: String) {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        if end == 0 { return ([], "") }
        let content = UnsafeBufferPointer(rebasing: bytes[0..<end])
        var args: [String] = []
        // Exactly as many as there are arguments: growing by doubling left ~150 bytes unused per
        // process (300 KB at 2000 processes).
        var separators = 0
        for byte in content where byte == 0 { separators += 1 }
        args.reserveCapacity(separators + 1)
        var start = 0
        for i in 0...content.count where i == content.count || content[i] == 0 {
            args.append(String(decoding: UnsafeBufferPointer(rebasing: content[start..<i]), as: UTF8.self))
            start = i + 1
        }
        if args.count == 1 {
            // setproctitle leaves NUL padding after the title, or no NUL at all.
            if end != bytes.count - 1 && args[0].utf8.contains(0x20) {
                args = args[0].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                return (args, args.joined(separator: " "))
            }
            return (args, args[0])
        }
        // The command line is the content with NULs shown as spaces: built once from the bytes.
        let cmdline = String(unsafeUninitializedCapacity: content.count) { out in
            for i in 0..<content.count { out[i] = content[i] == 0 ? 0x20 : content[i] }
            return content.count
        }
        return (args, cmdline)
    }
}
