/// Names a controlling terminal from `tty_nr` (field 7 of `/proc/PID/stat`), the way ps does:
/// the major number is bits 8-15 (and 20-31 unused here), the minor bits 0-7 and 20-31.
enum TTYName {
    static func name(_ ttyNr: Int32) -> String? {
        if ttyNr == 0 { return nil }
        let value = UInt32(bitPattern: ttyNr)
        let major = (value >> 8) & 0xFFF
        let minor = (value & 0xFF) | ((value >> 12) & 0xFFF00)
        switch major {
        case 136...143: return "pts/\((major - 136) * 256 + minor)"
        case 4: return minor < 64 ? "tty\(minor)" : "ttyS\(minor - 64)"
        case 5 where minor == 1: return "console"
        default: return "\(major):\(minor)"
        }
    }
}
