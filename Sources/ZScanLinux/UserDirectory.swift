/// Maps uids to user names from a passwd file, read once per snapshot and only if needed.
/// zscan reads the file itself rather than calling getpwuid(3), which in a static binary cannot
/// load NSS modules; users only known to LDAP or similar appear as null.
struct UserDirectory {
    private var names: [UInt32: String] = [:]

    init(passwdPath: String, file: ProcFile) {
        guard let text = file.text(passwdPath) else { return }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3, let uid = UInt32(parts[2]), names[uid] == nil else { continue }
            names[uid] = String(parts[0])
        }
    }

    func name(of uid: UInt32) -> String? { names[uid] }
}
