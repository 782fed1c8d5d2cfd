/// The reports' shared presentation: how numbers, times and endpoints are written (here), the
/// order findings are listed in and the line that names a finding's subject (`+Subjects`), and the
/// cleanup and summary lines (`+Summary`). Every format goes through it, so all count and spell alike.
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

    /// `value` with at most `places` decimals and no trailing zeros: `0.0124`, `1700003600.25`, `3`.
    /// Machine formats use it so a number reads the same on every platform and in golden files.
    static func decimal(_ value: Double, places: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(scaled / scale)
        if scaled % scale != 0 {
            var fraction = padded(scaled % scale, places)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text
    }

    /// Seconds from milliseconds with exactly three decimals, as JUnit's `time` wants: `0.012`.
    static func seconds(milliseconds ms: Double) -> String {
        let millis = ms.isFinite ? Int64(max(0, ms).rounded()) : 0
        return String(millis / 1000) + "." + padded(millis % 1000, 3)
    }

    /// An epoch time as ISO 8601 UTC without a zone suffix, the way Ant and Surefire write JUnit
    /// timestamps: `2023-11-14T23:13:20`. Civil date from days: Howard Hinnant's `civil_from_days`.
    static func timestamp(_ epochSeconds: Double) -> String {
        let seconds = Int64(epochSeconds.isFinite ? epochSeconds.rounded(.down) : 0)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T" + padded(secondOfDay / 3600, 2) + ":"
            + padded(secondOfDay % 3600 / 60, 2) + ":" + padded(secondOfDay % 60, 2)
    }

    /// `n` with leading zeros to `width` digits.
    private static func padded(_ n: Int64, _ width: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `value` given in tenths, written with one decimal: 42 → `4.2`.
    private static func tenths(_ value: Double) -> String {
        let n = Int(value.rounded())
        return "\(n / 10).\(n % 10)"
    }
}
