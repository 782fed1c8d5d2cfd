import CZScanSys
import Glibc
import ZScanCore

/// Finds PID files where they usually live: shell-style patterns (`/run/*/*.pid`) expanded one
/// component at a time, never deeper than the pattern, within a budget of directory entries read,
/// so a scan costs the same next to a directory of a million files as next to an empty one.
///
/// A directory is listed once however many patterns pass through it (`/run/*.pid` and
/// `/run/*/*.pid`), and searched once for the same rest of a pattern however it is reached
/// (`/var/run` is usually a link to `/run`): directories are told apart by device and inode. A
/// wildcard component leads only into real directories, not through symbolic links (a link in
/// `/run` must not send the search elsewhere); as in a shell, it does not match a leading dot
/// (fnmatch(3) `FNM_PERIOD`). Directories that cannot be listed (another user's) are passed over
/// in silence: they are where PID files of programs zscan cannot judge live.
struct PidFileSearch {
    /// Directory entries that may still be read.
    private(set) var budget: Int
    /// Where relative patterns start.
    let base: Int32
    /// The budget ran out with entries left unread; the search stopped.
    private(set) var exhausted = false
    /// What the patterns matched, in the order found (a name matched twice appears twice).
    private(set) var found: [PidFilePlace] = []

    private var listings: [FileIdentity: [[CChar]]] = [:]
    private var searched: Set<Visit> = []
    private var walker = DirectoryWalker()

    /// A directory and the rest of a pattern to match in it.
    private struct Visit: Hashable {
        var directory: FileIdentity
        var rest: [String]
    }

    init(budget: Int, base: Int32 = AT_FDCWD) {
        self.budget = budget
        self.base = base
    }

    /// Adds what `pattern` matches to `found`; an absolute pattern starts at `/`, another at `base`.
    mutating func search(_ pattern: String) {
        let components = pattern.split(separator: "/").map(String.init)
        guard !components.isEmpty else { return }
        walk(pattern.hasPrefix("/") ? [0x2F] : [], components[...])
    }

    private mutating func walk(_ directory: [UInt8], _ rest: ArraySlice<String>) {
        guard !exhausted, let component = rest.first else { return }
        let last = rest.count == 1
        if !PidFileSearch.isPattern(component) {
            let path = PidFileSearch.join(directory, Array(component.utf8))
            if last { found.append(PidFilePlace(path, base: base)) } else { walk(path, rest.dropFirst()) }
            return
        }
        guard let (fd, names) = list(directory, rest: rest) else { return }
        defer { close(fd) }
        for name in names where fnmatch(component, name, FNM_PERIOD) == 0 {
            let path = PidFileSearch.join(directory, name.dropLast().map { UInt8(bitPattern: $0) })
            if last {
                found.append(PidFilePlace(path, base: base))
            } else if PidFileSearch.isDirectory(name, in: fd) {
                walk(path, rest.dropFirst())
            }
        }
    }

    /// The open directory and its entries' names (NUL-terminated), or nil when it cannot be
    /// opened or was searched for `rest` already.
    private mutating func list(_ directory: [UInt8], rest: ArraySlice<String>) -> (fd: Int32, names: [[CChar]])? {
        let place = (directory.isEmpty ? [0x2E] : directory).map { CChar(bitPattern: $0) } + [0]
        let fd = place.withUnsafeBufferPointer { zs_openat(base, $0.baseAddress!, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        if fd < 0 { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, searched.insert(Visit(directory: FileIdentity(info), rest: Array(rest))).inserted else {
            close(fd)
            return nil
        }
        if let names = listings[FileIdentity(info)] { return (fd, names) }
        var names: [[CChar]] = []
        var left = budget
        var stopped = false
        // A directory that fails part way keeps the names read before.
        try? walker.forEachEntry(fd: fd) { name, length in
            guard left > 0 else {
                stopped = true
                return false
            }
            left -= 1
            names.append(Array(UnsafeBufferPointer(start: name, count: length + 1)))
            return true
        }
        budget = left
        exhausted = stopped
        listings[FileIdentity(info)] = names
        return (fd, names)
    }

    /// Whether a component holds glob characters (a literal one is not listed, only followed).
    static func isPattern(_ component: String) -> Bool {
        component.contains { "*?[\\".contains($0) }
    }

    private static func join(_ directory: [UInt8], _ name: [UInt8]) -> [UInt8] {
        if directory.isEmpty { return name }
        return directory + (directory == [0x2F] ? [] : [0x2F]) + name
    }

    /// A real directory, not a link to one.
    private static func isDirectory(_ name: [CChar], in fd: Int32) -> Bool {
        var info = stat()
        return fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
