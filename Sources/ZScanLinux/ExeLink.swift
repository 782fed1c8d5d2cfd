import Glibc

/// The `/proc/PID/exe` link of a process whose binary was deleted or replaced since it started:
/// the kernel appends ` (deleted)` to the path (`d_path`). The suffix is stripped, and the process
/// marked `exe_deleted`, when no file of the full name exists; a binary whose name really ends
/// that way keeps it (psutil does the same).
enum ExeLink {
    static let deletedSuffix = " (deleted)"

    /// The binary's path and whether it was deleted; nil for the latter when the full name could
    /// not be checked (denied).
    static func resolve(_ target: String, exists: (String) -> Bool? = ExeLink.exists) -> (path: String, deleted: Bool?) {
        guard target.hasSuffix(deletedSuffix) else { return (target, false) }
        switch exists(target) {
        case false?: return (String(target.dropLast(deletedSuffix.count)), true)
        case true?: return (target, false)
        case nil: return (target, nil)
        }
    }

    /// Whether `path` names a file (following links); nil when that cannot be told.
    static func exists(_ path: String) -> Bool? {
        var info = stat()
        if stat(path, &info) == 0 { return true }
        return errno == ENOENT || errno == ENOTDIR ? false : nil
    }
}
