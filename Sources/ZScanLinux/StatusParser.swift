/// Fields from `/proc/PID/status` that `stat` lacks: the effective uid (`Uid:` real, effective, saved, fs).
enum StatusParser {
    static func effectiveUID(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        let key: [UInt8] = Array("Uid:".utf8)
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - lineStart > key.count && bytes[lineStart..<(lineStart + key.count)].elementsEqual(key) {
                var numbers: [UInt64] = []
                var i = lineStart + key.count
                while i < lineEnd && numbers.count < 2 {
                    while i < lineEnd && (bytes[i] == 0x09 || bytes[i] == 0x20) { i += 1 }
                    let start = i
                    while i < lineEnd && bytes[i] != 0x09 && bytes[i] != 0x20 { i += 1 }
                    guard let n = Decimal.parse(UnsafeBufferPointer(rebasing: bytes[start..<i])) else { return nil }
                    numbers.append(n)
                }
                return numbers.count == 2 ? UInt32(truncatingIfNeeded: numbers[1]) : nil
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}
