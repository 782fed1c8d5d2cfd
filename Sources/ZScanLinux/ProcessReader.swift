import Glibc
import ZScanCore

/// Reads processes from procfs, each file at most once, only the groups asked for.
///
/// A pass over every process (`read(pid:procFD:groups:)`) names each file by its path under the
/// procfs root's descriptor (`123/stat`) and opens no directory of the process's own: for one of
/// its reads to describe another process, the pid would have to be freed and handed out again
/// within the microseconds between two reads, after the kernel cycled through its whole pid space.
/// Reads seconds later (`complete`) go through the process's directory, reopened and checked
/// against its identity first (`reopen`), so each of them describes that process or fails.
final class ProcessReader {
    private let file = ProcFile()
    private var walker = DirectoryWalker()
    private let host: HostInfo
    /// Descriptor links are followed for the sockets among them when socket tables are read, and
    /// for the pipes when provenance is; otherwise `fd/` is only counted.
    private let linksSockets: Bool
    private let linksPipes: Bool
    /// Inodes of the sockets in zscan's own network namespace: a process holding any other socket
    /// is in (or holds a socket of) another namespace, whose tables must be read too.
    private let ownNamespaceSockets: Set<UInt64>
    /// zscan's own network namespace (its inode), when known.
    private let ownNamespace: UInt64?
    /// Read a process only if it holds one of `ownNamespaceSockets` or is in another network
    /// namespace and holds a socket there (`zscan ports`): its descriptors first, the rest only then.
    private let onlySocketHolders: Bool
    /// One descriptor's link target (`socket:[INODE]` fits with room to spare; longer ones are
    /// cut, which no socket or pipe target is).
    private let link = UnsafeMutableBufferPointer<CChar>.allocate(capacity: 64)
    private(set) var counters = ScanCounters()

    /// `fields`: the snapshot's (normalized) groups, which decide what descriptor links are for.
    init(
        fields: FieldSet, host: HostInfo, ownNamespaceSockets: Set<UInt64> = [], ownNamespace: UInt64? = nil,
        onlySocketHolders: Bool = false
    ) {
        self.host = host
        linksSockets = fields.readsSockets
        linksPipes = fields.contains(.provenance)
        self.ownNamespaceSockets = ownNamespaceSockets
        self.ownNamespace = ownNamespace
        self.onlySocketHolders = onlySocketHolders
    }

    deinit { link.deallocate() }

    /// The process's `stat` and `groups`, read by path; nil when it vanished while being read
    /// (counted), or, for socket holders only, when it holds none of the sockets asked about.
    func read(pid: Int32, procFD: Int32, groups: FieldSet) -> ProcessRecord? {
        let place = Place(procFD: procFD, pid: pid)
        // Holders only: a process whose descriptors hold none of the sockets asked about is passed
        // over unread (not counted), one that is gone or unlistable too (it holds nothing we can see).
        var held: Descriptors? = nil
        if onlySocketHolders {
            guard case .listed(let descriptors) = readDescriptors(at: place),
                descriptors.inodes.contains(where: ownNamespaceSockets.contains)
                    || descriptors.netns.map({ $0 != ownNamespace }) == true
            else { return nil }
            held = descriptors
        }
        guard let stat = readStat(place.path("stat"), relativeTo: procFD) else {
            counters.vanished += 1
            return nil
        }
        var process = record(pid: pid, stat)
        guard fill(&process, groups: groups, at: place, held: held) else {
            counters.vanished += 1
            return nil
        }
        process.read = groups
        return process
    }

    /// Reads `groups` more of a process read earlier, through its directory reopened by identity,
    /// and adds them to its `read`; false (counted as vanished) when it has exited or turned zombie
    /// since, or its pid names another process now. Its `stat` fields stay as first read.
    func complete(_ process: inout ProcessRecord, groups: FieldSet, procFD: Int32) -> Bool {
        guard let (dirfd, stat) = ProcessReader.reopen(process.identity, procFD: procFD, file: file) else {
            counters.vanished += 1
            return false
        }
        defer { close(dirfd) }
        guard stat.state != "Z" || process.isZombie, fill(&process, groups: groups, at: Place(directory: dirfd), held: nil)
        else {
            counters.vanished += 1
            return false
        }
        process.read.formUnion(groups)
        return true
    }

    /// `stat` as it is now, for a second reading: nil when the process has exited or its pid names
    /// another process (another start time).
    func sample(_ identity: ProcessIdentity, procFD: Int32) -> ProcessSample? {
        guard let stat = readStat(String(identity.pid) + "/stat", relativeTo: procFD), stat.startTicks == identity.startTicks
        else { return nil }
        return ProcessSample(state: stat.state, cpuTime: Double(stat.utime + stat.stime) / Double(host.clockTicks))
    }

    private func readStat(_ path: String, relativeTo dirfd: Int32) -> StatFields? {
        guard let count = try? file.read(path, relativeTo: dirfd) else { return nil }
        return file.parse(count) { StatParser.parse($0) }
    }

    private func record(pid: Int32, _ stat: StatFields) -> ProcessRecord {
        let hz = Double(host.clockTicks)
        let started = Double(stat.startTicks) / hz
        return ProcessRecord(
            pid: pid, ppid: stat.ppid, pgid: stat.pgid, sid: stat.sid, tty: TTYName.name(stat.ttyNr),
            state: stat.state, name: stat.name, startTicks: stat.startTicks,
            startedAt: ((host.bootTime + started) * 100).rounded() / 100,
            age: max(0, ((host.uptime - started) * 100).rounded() / 100),
            cpuTime: Double(stat.utime + stat.stime) / hz, rss: stat.rssPages * UInt64(host.pageSize),
            threads: stat.threads, kernelThread: stat.isKernelThread)
    }

    /// Reads `groups` of a process whose `stat` is in `process`; false when a file every live
    /// process has shows that it exited meanwhile.
    private func fill(_ process: inout ProcessRecord, groups: FieldSet, at place: Place, held: Descriptors?) -> Bool {
        // A file every live process has (even a zombie) that fails with ESRCH/ENOENT means it exited.
        var vanished = false
        func note(_ failure: ProcFailure, mustExist: Bool) {
            switch failure {
            case .gone: if mustExist { vanished = true }
            case .denied: counters.denied += 1
            case .other: break
            }
        }
        // A zombie has released its memory, files and directories and a kernel thread never had
        // its own: their command lines read empty and their `exe`, `cwd` and `fd/` cannot be read,
        // so none of them is.
        let hollow = process.isZombie || process.kernelThread

        // The kernel makes /proc/PID owned by the euid of a dumpable process and by root
        // otherwise (task_dump_owner), so only a root-owned directory needs `status` to tell.
        var uidFromStatus = false
        if groups.contains(.status) {
            if let owner = place.owner(), owner != 0 || process.kernelThread {
                process.uid = owner
            } else {
                uidFromStatus = true
            }
        }
        if uidFromStatus || groups.contains(.namespace) {
            do {
                let n = try file.read(place.path("status"), relativeTo: place.fd)
                if uidFromStatus { process.uid = file.parse(n) { StatusParser.effectiveUID($0) } }
                if groups.contains(.namespace) {
                    process.nsPid = file.parse(n) { StatusParser.namespacePid($0) }
                    process.nsInit = process.nsPid.map { $0 == 1 }
                }
            } catch { note(error, mustExist: true) }
        }
        if groups.contains(.namespace) {
            // A zombie keeps its pid until it is reaped, and `ns/pid` follows the pid (not the
            // nsproxy it left, as `ns/net` does): the link reads for zombies too.
            if let n = try? file.readLink(place.path("ns/pid"), relativeTo: place.fd) {
                process.pidNs = NamespaceLink.inode(file.buffer, count: n)
            }
        }
        let splitsArgs = groups.contains(.args)
        if !groups.isDisjoint(with: [.cmdline, .args]) && hollow {
            if splitsArgs { process.args = [] }
            process.cmdline = ""
        } else if !groups.isDisjoint(with: [.cmdline, .args]) {
            do {
                let n = try file.read(place.path("cmdline"), relativeTo: place.fd)
                if splitsArgs {
                    let parsed = file.parse(n) { CmdlineParser.parse($0) }
                    process.args = parsed.args
                    process.cmdline = parsed.cmdline
                } else {
                    process.cmdline = file.parse(n) { CmdlineParser.commandLine($0) }
                }
            } catch { note(error, mustExist: true) }
        }
        if groups.contains(.exe) && !hollow {
            do {
                let link = ExeLink.resolve(file.string(try file.readLink(place.path("exe"), relativeTo: place.fd)))
                process.exe = link.path
                process.exeDeleted = link.deleted
            } catch { note(error, mustExist: false) }
        }
        if groups.contains(.cwd) && process.kernelThread {
            // Kernel threads share the kernel's initial filesystem context, whose root and working
            // directory are `/` (psutil reads the same).
            process.cwd = "/"
        } else if groups.contains(.cwd) && !hollow {
            do { process.cwd = file.string(try file.readLink(place.path("cwd"), relativeTo: place.fd)) } catch { note(error, mustExist: false) }
        }
        if groups.contains(.cgroup) {
            do {
                let n = try file.read(place.path("cgroup"), relativeTo: place.fd)
                process.cgroup = file.parse(n) { CgroupParser.path($0) }
                process.container = ContainerCgroup.parse(file.string(n))
            } catch { note(error, mustExist: true) }
        }
        attributeNamespace(&process, having: groups.union(process.read))
        if let held {
            process.fds = held.count
            process.socketInodes = held.inodes
            process.pipeInodes = held.pipes
            process.netns = held.netns
        } else if groups.contains(.fds) && hollow {
            process.fds = 0
        } else if groups.contains(.fds) {
            switch readDescriptors(at: place) {
            case .listed(let descriptors):
                process.fds = descriptors.count
                process.socketInodes = descriptors.inodes
                process.pipeInodes = descriptors.pipes
                process.netns = descriptors.netns
            case .gone:
                vanished = true
            case .unreadable:
                break
            }
        }
        if groups.contains(.env) && !process.kernelThread {
            do {
                let n = try file.read(place.path("environ"), relativeTo: place.fd)
                process.env = file.parse(n) { EnvironParser.parse($0) }
            } catch { note(error, mustExist: false) }
        }
        return !vanished
    }

    /// A process in a PID namespace other than zscan's own, under a cgroup path no runtime is known
    /// by, is in a container all the same (an `unshare`, a sandbox, a runtime not listed): it is
    /// `unknown`, with the path, never given an id.
    private func attributeNamespace(_ process: inout ProcessRecord, having read: FieldSet) {
        guard read.isSuperset(of: [.cgroup, .namespace]), process.container == nil, !process.kernelThread,
            let namespace = process.pidNs, let own = host.pidNamespace, namespace != own
        else { return }
        process.container = ContainerCgroup.unknown(path: process.cgroup ?? "")
    }

    /// What `fd/` holds: how many descriptors, the inodes of the sockets among them (when socket
    /// tables are read) and of the pipes (when provenance is), and the network namespace when it
    /// holds a socket outside zscan's own namespace's tables.
    struct Descriptors {
        var count = 0
        var inodes: [UInt64] = []
        var pipes: [UInt64] = []
        var netns: UInt64? = nil
    }

    enum DescriptorListing {
        case listed(Descriptors)
        /// The process exited (or is a zombie, whose `fd/` cannot be opened either).
        case gone
        /// Denied, or another error (counted).
        case unreadable
    }

    /// Counts descriptors and, when their links are needed, collects the inodes of sockets
    /// (`socket:[INODE]` link targets) and pipes (`pipe:[INODE]`) from one readlink of each.
    private func readDescriptors(at place: Place) -> DescriptorListing {
        let fdDir: Int32
        do {
            fdDir = try ProcFile.openDirectory(place.path("fd"), relativeTo: place.fd)
        } catch {
            if error == .gone { return .gone }
            counters.denied += 1
            counters.fdsUnreadable += 1
            return .unreadable
        }
        defer { close(fdDir) }
        var descriptors = Descriptors()
        var follows = linksSockets || linksPipes
        var linksDenied = false
        do {
            try walker.forEachEntry(fd: fdDir, procfs: true) { name, _ in
                descriptors.count += 1
                guard follows else { return true }
                let n = readlinkat(fdDir, name, link.baseAddress!, link.count)
                // Denied for one descriptor means denied for all: keep counting, stop following.
                if n < 0 && (errno == EACCES || errno == EPERM) {
                    linksDenied = true
                    follows = false
                }
                guard n > 0 else { return true }
                let target = UnsafeBufferPointer(start: UnsafeRawPointer(link.baseAddress!).assumingMemoryBound(to: UInt8.self), count: n)
                if linksSockets, let inode = LinkTarget.inode(target, prefix: LinkTarget.socket) {
                    descriptors.inodes.append(inode)
                } else if linksPipes, let inode = LinkTarget.inode(target, prefix: LinkTarget.pipe) {
                    descriptors.pipes.append(inode)
                }
                return true
            }
        } catch {
            if error == .denied {
                counters.denied += 1
                counters.fdsUnreadable += 1
            }
            return .unreadable
        }
        // Listing may be allowed where following the links is not (ptrace access mode checks).
        if linksDenied {
            counters.denied += 1
            counters.fdsUnreadable += 1
        }
        if linksSockets { descriptors.netns = otherNamespace(of: descriptors, at: place) }
        return .listed(descriptors)
    }

    /// The network namespace of a process holding a socket outside zscan's own namespace's table
    /// (it is in, or holds a socket of, another namespace, whose tables must be read too); nil
    /// when every socket it holds is in that table.
    private func otherNamespace(of descriptors: Descriptors, at place: Place) -> UInt64? {
        guard descriptors.inodes.contains(where: { !ownNamespaceSockets.contains($0) }),
            let n = try? file.readLink(place.path("ns/net"), relativeTo: place.fd)
        else { return nil }
        return NamespaceLink.inode(file.buffer, count: n)
    }
}

/// Where a process's files are named from: `PID/NAME` under the procfs root's descriptor, or
/// `NAME` under the process's own directory.
private struct Place {
    let fd: Int32
    /// `PID/`, or "" under the process's own directory.
    let prefix: String

    init(procFD: Int32, pid: Int32) {
        fd = procFD
        prefix = String(pid) + "/"
    }

    init(directory: Int32) {
        fd = directory
        prefix = ""
    }

    func path(_ name: String) -> String { prefix + name }

    /// The owner of the process's directory, or nil when it cannot be seen.
    func owner() -> uid_t? {
        var info = Glibc.stat()
        let rc = prefix.isEmpty ? fstat(fd, &info) : fstatat(fd, String(prefix.dropLast()), &info, 0)
        return rc == 0 ? info.st_uid : nil
    }
}

extension ProcessReader {
    /// Opens `/proc/PID` again for a process read earlier, with its `stat` as it is now; nil when
    /// it has exited or its pid names another process since (another start time). Every later
    /// read through the descriptor describes that same process or fails: a pid reused meanwhile
    /// is never taken for it.
    static func reopen(_ identity: ProcessIdentity, procFD: Int32, file: ProcFile) -> (fd: Int32, stat: StatFields)? {
        guard let dirfd = try? ProcFile.openDirectory(String(identity.pid), relativeTo: procFD) else { return nil }
        guard let count = try? file.read("stat", relativeTo: dirfd), let stat = file.parse(count, { StatParser.parse($0) }),
            stat.startTicks == identity.startTicks
        else {
            close(dirfd)
            return nil
        }
        return (dirfd, stat)
    }
}

/// Descriptor link targets that name an anonymous inode: `socket:[123]`, `pipe:[456]`.
enum LinkTarget {
    static let socket: [UInt8] = Array("socket:[".utf8)
    static let pipe: [UInt8] = Array("pipe:[".utf8)

    /// The inode in `PREFIX` + digits + `]`, or nil when the target is anything else.
    static func inode(_ target: UnsafeBufferPointer<UInt8>, prefix: [UInt8]) -> UInt64? {
        guard target.count > prefix.count + 1, target[target.count - 1] == UInt8(ascii: "]") else { return nil }
        for i in 0..<prefix.count where target[i] != prefix[i] { return nil }
        return Decimal.parse(UnsafeBufferPointer(rebasing: target[prefix.count..<(target.count - 1)]))
    }
}

/// `/proc/PID/cgroup`: `0::/path` on cgroup v2; on v1, the first hierarchy's path.
/// Lines are `ID:CONTROLLERS:PATH`; parsed on bytes (it is read for every process).
enum CgroupParser {
    static func path(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var first: Range<Int>? = nil
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            guard let colon1 = (lineStart..<lineEnd).first(where: { bytes[$0] == UInt8(ascii: ":") }),
                let colon2 = ((colon1 + 1)..<lineEnd).first(where: { bytes[$0] == UInt8(ascii: ":") })
            else { continue }
            let path = (colon2 + 1)..<lineEnd
            if colon1 == lineStart + 1 && bytes[lineStart] == UInt8(ascii: "0") && colon2 == colon1 + 1 {
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[path]), as: UTF8.self)
            }
            if first == nil { first = path }
        }
        return first.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
    }
}

/// `/proc/PID/environ`: NUL-separated `KEY=VALUE` entries (the first `=` splits; a repeated key
/// counts by its last entry).
enum EnvironParser {
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: String] {
        var env: [String: String] = [:]
        forEachEntry(bytes) { key, value in
            env[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        return env
    }

    /// Only the variables `names` (UTF-8): nothing else of the environment becomes a string.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, keeping names: [[UInt8]]) -> [String: String] {
        var env: [String: String] = [:]
        forEachEntry(bytes) { key, value in
            guard let name = names.first(where: { $0.elementsEqual(key) }) else { return }
            env[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
        }
        return env
    }

    private static func forEachEntry(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var start = 0
        for i in 0...bytes.count where i == bytes.count || bytes[i] == 0 {
            defer { start = i + 1 }
            guard i > start else { continue }
            let entry = UnsafeBufferPointer(rebasing: bytes[start..<i])
            guard let eq = entry.firstIndex(of: UInt8(ascii: "=")), eq > entry.startIndex else { continue }
            body(UnsafeBufferPointer(rebasing: entry[entry.startIndex..<eq]), UnsafeBufferPointer(rebasing: entry[(eq + 1)...]))
        }
    }
}

/// Namespace links read `net:[4026531840]`; the number is the namespace's inode.
enum NamespaceLink {
    static func inode(_ buffer: [UInt8], count: Int) -> UInt64? {
        guard let open = buffer[0..<count].firstIndex(of: UInt8(ascii: "[")),
            let close = buffer[0..<count].lastIndex(of: UInt8(ascii: "]")), close > open + 1
        else { return nil }
        return buffer.withUnsafeBufferPointer { Decimal.parse(UnsafeBufferPointer(rebasing: $0[(open + 1)..<close])) }
    }
}
