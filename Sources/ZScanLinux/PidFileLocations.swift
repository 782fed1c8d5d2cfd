import Glibc

/// Where PID files live when no flag names them: the system's runtime directories and one level of
/// subdirectories (`/run/nginx.pid`, `/run/sshd/sshd.pid`), the user's runtime directory, and the
/// project conventions under the current directory (Rails and Puma write `tmp/pids/server.pid`,
/// Foreman-style scripts `.run/NAME.pid`). `/var/run` is usually a link to `/run`; the search
/// lists a directory reached twice only once (`PidFileSearch`).
public enum PidFileLocations {
    /// The machine's and the user's runtime directories.
    public static let system = [
        "/run/*.pid", "/run/*/*.pid", "/var/run/*.pid", "/var/run/*/*.pid", "$XDG_RUNTIME_DIR/*.pid", "$XDG_RUNTIME_DIR/*/*.pid",
    ]
    /// Under the current directory.
    public static let project = ["tmp/pids/*.pid", ".run/*.pid"]
    /// The patterns searched by default; `pidfile_locations` in `.zscan.json5` replaces them.
    public static let defaults = system + project

    /// The defaults for a zscan in this PID namespace: all of them in the machine's own, only the
    /// project's in another (a container, `unshare --pid`). There /run and the runtime directory
    /// may well be the host's, and the pids in their files name other processes here, or none: a
    /// running service's PID file would look stale, and cleanup would delete it.
    public static func defaultsHere(namespaceLink: String = "/proc/self/ns/pid") -> [String] {
        var target = [CChar](repeating: 0, count: 64)
        let n = readlink(namespaceLink, &target, target.count - 1)
        // A kernel without PID namespaces has no such link: there is only the machine's.
        if n < 0 { return errno == ENOENT ? defaults : project }
        let initial = "pid:[\(initialNamespaceInode)]"
        return String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == initial ? defaults : project
    }

    /// The inode of the initial PID namespace's `ns/pid` link (`PROC_PID_INIT_INO` in the kernel's
    /// include/linux/proc_ns.h, fixed since Linux 3.8).
    static let initialNamespaceInode: UInt32 = 0xEFFF_FFFC

    /// `patterns` with a leading `$NAME/` taken from `environment` (and a leading `~/` from its
    /// `HOME`), the value's glob characters escaped so they match themselves. A pattern whose
    /// variable is unset, empty or not an absolute path is dropped: without a runtime directory
    /// there is nothing to search there, and a relative value would search the current directory.
    public static func resolve(_ patterns: [String], environment: [String: String]) -> [String] {
        patterns.compactMap { pattern in
            let name: Substring
            let rest: Substring
            if pattern.hasPrefix("$") {
                let end = pattern.firstIndex(of: "/") ?? pattern.endIndex
                name = pattern[pattern.index(after: pattern.startIndex)..<end]
                rest = pattern[end...]
            } else if pattern == "~" || pattern.hasPrefix("~/") {
                name = "HOME"
                rest = pattern.dropFirst()
            } else {
                return pattern
            }
            guard let value = environment[String(name)], value.hasPrefix("/") else { return nil }
            return Glob.escaped(value) + rest
        }
    }
}
