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
            if isRetitled(bytes, end: end, separators: separators) {
                args = args[0].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                return (args, args.joined(separator: " "))
            }
            return (args, args[0])
        }
        return (args, joined(content))
    }

    /// The `cmdline` alone, without building `args` (a scan whose rules never name `args`):
    /// always the same string `parse` returns.
    static func commandLine(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var end = bytes.count
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        if end == 0 { return "" }
        let content = UnsafeBufferPointer(rebasing: bytes[0..<end])
        guard !content.contains(0) else { return joined(content) }
        let title = String(decoding: content, as: UTF8.self)
        guard isRetitled(bytes, end: end, separators: 0) else { return title }
        return title.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// setproctitle leaves one string with spaces, then NUL padding or no NUL at all.
    private static func isRetitled(_ bytes: UnsafeBufferPointer<UInt8>, end: Int, separators: Int) -> Bool {
        separators == 0 && end != bytes.count - 1 && bytes[0..<end].contains(0x20)
    }

    /// The content with NULs shown as spaces, built once from the bytes.
    private static func joined(_ content: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: content.count) { out in
            for i in 0..<content.count { out[i] = content[i] == 0 ? 0x20 : content[i] }
            return content.count
        }
    }
}
