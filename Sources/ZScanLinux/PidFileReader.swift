import CZScanSys
import Glibc
import ZScanCore

/// Finds the PID files named by glob patterns and says what each pid refers to now.
///
/// A program that dies without cleaning up leaves its PID file behind, and the pid in it is later
/// handed to some unrelated process: a stop script trusting the file would then signal the wrong
/// program. So each file is judged against a snapshot: is its pid alive, was that process started
/// after the file was written (the pid was recycled), and does anyone still hold a lock on it.
public struct PidFileReader: Sendable {
    public let procRoot: String
    /// Where relative location patterns start; nil means the current directory.
    public let workingDirectory: String?
    /// The most directory entries the location search reads per scan.
    public let searchBudget: Int
    /// Enough for /run with a few hundred services and their subdirectories; a directory stuffed
    /// with files costs at most this much.
    public static let defaultSearchBudget = 4096

    /// The most of a file that is read: a PID file holds one short line.
    static let readLimit = 4096
    /// A process counts as started after its file was written only when it started this many
    /// seconds later: start times are known to 1/100 s and derived from the boot time, file
    /// times come from another clock read.
    static let startSlack = 1.0

    public init(procRoot: String = "/proc", workingDirectory: String? = nil, searchBudget: Int = PidFileReader.defaultSearchBudget) {
        self.procRoot = procRoot
        self.workingDirectory = workingDirectory
        self.searchBudget = searchBudget
    }

    /// Expands each glob (glob(3); `~` at the start means $HOME; a pattern matching nothing yields
    /// nothing, not an error) and searches `locations` (`PidFileSearch`, within `searchBudget`
    /// directory entries), reads every file once (at most 4 KiB; content trimmed; the pid is the
    /// first line's decimal number, nil if there is none or it is not a positive Int32), and judges
    /// it against `snapshot`:
    ///   alive  = a process with that pid is in the snapshot;
    ///   reused = alive, but that process started after the file was last written
    ///            (process.startedAt > file mtime + 1 s slack): a PID recycled by some other program;
    ///   age    = now − mtime, in seconds;
    ///   locked = whether some process holds a lock on the file (flock or POSIX, from /proc/locks
    ///            matched by device major:minor and inode of the file; nil if /proc/locks is unreadable).
    /// A file is read only as itself (a symbolic link is refused, not followed) and only when its
    /// directory is safe (`distrust`). Files that cannot be read or are refused are reported in
    /// `problems` (one line each, e.g. "cannot read /run/x.pid: Permission denied") and skipped,
    /// except that the location search passes over files it may not read or that vanished: those
    /// are the system's business, and a scan would warn about them every time. Results are sorted
    /// by path; a file found twice (overlapping patterns, `/var/run` and `/run`) is kept once.
    public func read(globs: [String], locations: [String] = [], snapshot: Snapshot) -> (pidfiles: [PidFileRecord], problems: [String]) {
        var problems: [String] = []
        var places: [(place: PidFilePlace, searched: Bool)] = []
        var seen = Set<[CChar]>()
        for pattern in globs {
            do {
                for match in try Glob.expand(pattern) {
                    let place = PidFilePlace(match.bytes.dropLast().map { UInt8(bitPattern: $0) })
                    if seen.insert(place.directory + place.name).inserted { places.append((place, false)) }
                }
            } catch {
                problems.append("cannot expand \(pattern): \(error)")
            }
        }
        let base = locations.isEmpty ? AT_FDCWD : workingDirectory.map { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } ?? AT_FDCWD
        defer { if base >= 0 { close(base) } }
        if !locations.isEmpty {
            var search = PidFileSearch(budget: searchBudget, base: base)
            for pattern in locations { search.search(pattern) }
            if search.exhausted { problems.append("PID file search stopped after \(searchBudget) directory entries") }
            for place in search.found where seen.insert(place.directory + place.name).inserted { places.append((place, true)) }
        }
        // A file both named and found is kept as it was named: the path the user wrote.
        places.sort { ($0.searched ? 1 : 0, $0.place.path) < ($1.searched ? 1 : 0, $1.place.path) }

        let now = HostFacts.wallClock()
        var buffer = [UInt8](repeating: 0, count: PidFileReader.readLimit)
        var records: [PidFileRecord] = []
        var read = Set<FileIdentity>()
        for (place, searched) in places {
            let contents: Contents
            let directory: stat
            do {
                (contents, directory) = try PidFileReader.read(place, into: &buffer)
            } catch {
                if !(searched && error.isQuiet) { problems.append(error.problem(place.path)) }
                continue
            }
            guard read.insert(contents.identity).inserted else { continue }
            let pid = buffer.withUnsafeBufferPointer {
                PidFileReader.parsePid(UnsafeBufferPointer(rebasing: $0[0..<contents.count]), complete: contents.complete)
            }
            let process = pid.flatMap { snapshot.process(pid: $0) }
            if let why = PidFileReader.distrust(
                directoryMode: directory.st_mode, fileOwner: contents.owner, pid: pid, running: process != nil,
                processOwner: process.flatMap(owner))
            {
                problems.append(PidFileFailure.untrusted(why).problem(place.path))
                continue
            }
            records.append(
                PidFileRecord(
                    path: place.path, pid: pid, exists: true, alive: process != nil,
                    reused: process.map { $0.startedAt > contents.modified + PidFileReader.startSlack } ?? false,
                    age: ((now - contents.modified) * 100).rounded() / 100, identity: contents.identity,
                    directory: FileIdentity(directory)))
        }

        if !records.isEmpty, let locked = FileLocks.read(path: procRoot + "/locks", file: ProcFile()) {
            for index in records.indices {
                records[index].locked = records[index].identity.map { locked.contains(FileKey(device: $0.device, inode: $0.inode)) }
            }
        }
        records.sort { $0.path < $1.path }
        return (records, problems)
    }

    /// The effective uid of a process: from the snapshot, else the owner of its `/proc` directory
    /// (root for a process that is not dumpable, which only makes the check stricter).
    private func owner(_ process: ProcessRecord) -> UInt32? {
        if let uid = process.uid { return uid }
        var info = stat()
        return stat("\(procRoot)/\(process.pid)", &info) == 0 ? info.st_uid : nil
    }

    /// Why a file read in a directory that others may write (group- or world-writable) is not
    /// believed, or nil when it is. Anyone who may write there can plant a file naming any pid, or
    /// swap a real one: only a sticky directory (where no one may rename or delete another's
    /// file) holding a file of root's or of the named process's owner is believed.
    static func distrust(
        directoryMode: mode_t, fileOwner: UInt32, pid: Int32?, running: Bool, processOwner: @autoclosure () -> UInt32?
    ) -> String? {
        guard directoryMode & (S_IWGRP | S_IWOTH) != 0 else { return nil }
        guard directoryMode & S_ISVTX != 0 else { return "its directory is writable by others and not sticky" }
        if fileOwner == 0 || fileOwner == processOwner() { return nil }
        let named = pid.map { running ? "pid \($0)" : "pid \($0), which is not running" } ?? "no pid"
        return "its directory is writable by others and its owner (uid \(fileOwner)) is neither root nor the owner of \(named)"
    }

    /// What one read of a file gave: the byte count in the buffer, whether that is the whole file,
    /// its modification time (seconds since the epoch), its identity and its owner.
    struct Contents {
        var count: Int
        var complete: Bool
        var modified: Double
        var identity: FileIdentity
        var owner: UInt32
    }

    /// Opens the file's directory, then the file in it; returns the file read and the directory
    /// as it was described when opened.
    static func read(_ place: PidFilePlace, into buffer: inout [UInt8]) throws(PidFileFailure) -> (contents: Contents, directory: stat) {
        let (dirfd, directory) = try place.openDirectory()
        defer { close(dirfd) }
        return (try readFile(place.name, in: dirfd, into: &buffer), directory)
    }

    /// Opens `name` in `dirfd` (`O_NOFOLLOW`: a symbolic link is refused), describes it with fstat
    /// (so the times and identity are those of the file read, even if it is replaced meanwhile)
    /// and reads at most the buffer's size. Only regular files are read: a FIFO or a device
    /// matched by a glob could block or never end.
    static func readFile(_ name: [CChar], in dirfd: Int32, into buffer: inout [UInt8]) throws(PidFileFailure) -> Contents {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW
        let fd = name.withUnsafeBufferPointer { zs_openat(dirfd, $0.baseAddress!, flags) }
        if fd < 0 { throw errno == ELOOP ? .symlink : .system(errno) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 { throw .system(errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .system(EISDIR)
        default: throw .notRegular
        }
        var total = 0
        while total < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + total, raw.count - total) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(errno)
            }
            if n == 0 { break }
            total += n
        }
        return Contents(
            count: total,
            complete: total < buffer.count || Int(info.st_size) <= total,
            modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9,
            identity: FileIdentity(info), owner: info.st_uid)
    }

    /// The pid a PID file's bytes hold: the content trimmed of white space, its first line (itself
    /// trimmed) must be a decimal number from 1 to Int32.max; nil otherwise. When the bytes are not
    /// the whole file (`complete` false) and hold no line end, the first line may go on past them,
    /// so it is no pid.
    static func parsePid(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) -> Int32? {
        var start = 0
        while start < bytes.count && isSpace(bytes[start]) { start += 1 }
        var end = start
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        if end == bytes.count && !complete { return nil }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        guard let value = Decimal.parse(UnsafeBufferPointer(rebasing: bytes[start..<end])),
            value >= 1, value <= UInt64(Int32.max)
        else { return nil }
        return Int32(value)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}

/// Why a PID file was not read; its description is the reason shown in `problems`.
enum PidFileFailure: Error, Equatable, CustomStringConvertible {
    /// A failed call's errno.
    case system(Int32)
    /// A FIFO, device or socket: never read.
    case notRegular
    /// A symbolic link: never followed (whoever may write its directory could point it anywhere).
    case symlink
    /// Read, but not believed (`PidFileReader.distrust`).
    case untrusted(String)

    var description: String {
        switch self {
        case let .system(code): String(cString: strerror(code))
        case .notRegular: "not a regular file"
        case .symlink: "it is a symbolic link, and PID files are not followed"
        case let .untrusted(why): why
        }
    }

    /// The line for the scan's problems.
    func problem(_ path: String) -> String {
        switch self {
        case .system, .notRegular: "cannot read \(path): \(self)"
        case .symlink, .untrusted: "refused \(path): \(self)"
        }
    }

    /// A file that vanished, or that this user may not read: nothing to tell about a file zscan
    /// only came across.
    var isQuiet: Bool {
        switch self {
        case let .system(code): [ENOENT, ENOTDIR, EACCES, EPERM].contains(code)
        case .notRegular, .symlink, .untrusted: false
        }
    }
}
