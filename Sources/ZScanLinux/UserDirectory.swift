import Glibc

/// Maps uids to user names from a passwd file, read once per snapshot and only if needed.
/// zscan reads the file itself rather than calling getpwuid(3), which in a static binary cannot
/// load NSS modules; users only known to LDAP or similar appear as null. Without the file (an
/// empty root, a `FROM scratch` image) every user is known by uid only, and `unreadable` says why.
struct UserDirectory {
    private var names: [UInt32: String] = [:]
    /// `PATH: REASON` (strerror's words) when the file could not be read; nil when it was.
    private(set) var unreadable: String?

    init(passwdPath: String, file: ProcFile) {
        let count: Int
        do {
            count = try file.read(passwdPath)
        } catch {
            unreadable = passwdPath + ": " + String(cString: strerror(error.code))
            return
        }
        for line in file.string(count).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, let uid = UInt32(parts[2]), names[uid] == nil else { continue }
            names[uid] = String(parts[0])
        }
    }

    func name(of uid: UInt32) -> String? { names[uid] }
}
