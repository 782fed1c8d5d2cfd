/// Fields from `/proc/PID/status` that `stat` lacks: the effective uid (`Uid:` real, effective,
/// saved, fs) and the ignored signals (`SigIgn:`, a hex mask where bit N-1 is signal N).
enum StatusParser {
    static func effectiveUID(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard let line = value(of: "Uid:", in: bytes) else { return nil }
        var numbers: [UInt64] = []
        var i = line.startIndex
        while i < line.endIndex && numbers.count < 2 {
            while i < line.endIndex && isBlank(bytes[i]) { i += 1 }
            let start = i
            while i < line.endIndex && !isBlank(bytes[i]) { i += 1 }
            guard let n = Decimal.parse(UnsafeBufferPointer(rebasing: bytes[start..<i])) else { return nil }
            numbers.append(n)
        }
        return numbers.count == 2 ? UInt32(truncatingIfNeeded: numbers[1]) : nil
    }

    /// The mask of ignored signals (`SigIgn:`, 16 hex digits: bit 0 is SIGHUP), or nil.
    static func ignoredSignals(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard var line = value(of: "SigIgn:", in: bytes) else { return nil }
        while !line.isEmpty && isBlank(bytes[line.startIndex]) { line = (line.startIndex + 1)..<line.endIndex }
        return Hex.parse(UnsafeBufferPointer(rebasing: bytes[line]))
    }

    /// The pid in the process's own PID namespace: the last of `NSpid:` (one per namespace from
    /// procfs's down to the process's own; kernel 4.1+), or nil when the line is absent.
    static func namespacePid(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let line = value(of: "NSpid:", in: bytes) else { return nil }
        var end = line.endIndex
        while end > line.startIndex && isBlank(bytes[end - 1]) { end -= 1 }
        var start = end
        while start > line.startIndex && !isBlank(bytes[start - 1]) { start -= 1 }
        return Decimal.parse(UnsafeBufferPointer(rebasing: bytes[start..<end])).flatMap { Int32(exactly: $0) }
    }

    /// What follows `key` on the line that starts with it.
    private static func value(of key: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let key = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - lineStart > key.count && bytes[lineStart..<(lineStart + key.count)].elementsEqual(key) {
                return (lineStart + key.count)..<lineEnd
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x09 || byte == 0x20 }
}
