/// Simple (one scalar to one scalar) case mappings for case-insensitive patterns: ASCII by
/// arithmetic, everything else from the Unicode tables the stdlib carries; mappings that would
/// turn one scalar into several (`ß` → `SS`) leave the scalar as it is.
enum RegexCaseFolding {
    @inline(__always)
    static func lowercase(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return (0x41...0x5A).contains(value) ? value + 0x20 : value }
        return single(value) { $0.properties.lowercaseMapping }
    }

    @inline(__always)
    static func uppercase(_ value: UInt32) -> UInt32 {
        if value < 0x80 { return (0x61...0x7A).contains(value) ? value - 0x20 : value }
        return single(value) { $0.properties.uppercaseMapping }
    }

    /// The value and every value one simple case mapping (or two) away from it, without repeats.
    static func variants(_ value: UInt32) -> [UInt32] {
        let lower = lowercase(value)
        let upper = uppercase(value)
        var result = [value]
        for candidate in [lower, upper, uppercase(lower), lowercase(upper)] where !result.contains(candidate) {
            result.append(candidate)
        }
        return result
    }

    private static func single(_ value: UInt32, _ mapping: (Unicode.Scalar) -> String) -> UInt32 {
        guard let scalar = Unicode.Scalar(value) else { return value }
        let mapped = mapping(scalar).unicodeScalars
        guard let first = mapped.first, mapped.count == 1 else { return value }
        return first.value
    }
}
