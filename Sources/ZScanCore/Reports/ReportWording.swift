/// Small wording helpers shared by the human-readable reports, so every format counts and spells alike.
enum ReportWording {
    /// `1 finding`, `2 findings`, `0 findings`.
    static func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(n) " + (n == 1 ? singular : plural)
    }

    /// A scan time: `0.4 ms`, `12 ms`, `1.3 s` (one decimal where whole units would say too little).
    static func milliseconds(_ ms: Double) -> String {
        let ms = ms.isFinite ? max(0, ms) : 0
        if ms >= 1000 { return tenths(ms / 100) + " s" }
        if ms >= 10 { return "\(Int(ms.rounded())) ms" }
        return tenths(ms * 10) + " ms"
    }

    /// `127.0.0.1:8001`, `[::1]:8001`: IPv6 addresses in brackets so the port stays readable.
    static func endpoint(_ address: String, _ port: Int) -> String {
        (address.contains(":") ? "[" + address + "]" : address) + ":" + String(port)
    }

    /// `value` given in tenths, written with one decimal: 42 → `4.2`.
    private static func tenths(_ value: Double) -> String {
        let n = Int(value.rounded())
        return "\(n / 10).\(n % 10)"
    }
}
