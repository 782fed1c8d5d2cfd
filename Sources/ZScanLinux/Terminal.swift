import CZScanSys
import Glibc

/// The terminal facts output needs, behind the OS seam.
public enum Terminal {
    /// Columns of the terminal on `fd`, or nil when `fd` is not a terminal.
    public static func columns(_ fd: Int32) -> Int? {
        guard isatty(fd) == 1 else { return nil }
        let columns = zs_terminal_columns(fd)
        return columns > 0 ? Int(columns) : 80
    }
}
