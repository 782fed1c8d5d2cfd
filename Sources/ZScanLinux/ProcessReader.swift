import Glibc
import ZScanCore

/// Reads one process from its `/proc/PID` directory, each file at most once, only the groups asked
/// for. All reads go through one directory descriptor, so they all describe the same process: if the
/// pid is reused meanwhile, reads fail with ESRCH instead of describing the newcomer.
final class ProcessReader {
    private let file = ProcFile()
    private var walker = DirectoryWalker()
    private let fields: FieldSet
    private let host: HostInfo
    /// Inodes of the sockets in zscan's own network namespace: a process holding any other socket
    /// is in (or holds a socket of) another namespace, whose tables must be read too.
    private let ownNamespaceSockets: Set<UInt64>
    /// zscan's own network namespace (its inode), when known.
    private let ownNamespace: UInt64?
    /// Read a process only if it holds one of `ownNamespaceSockets` or is in another network
    /// namespace and holds a socket there (`zscan ports`): its descriptors first, the rest only then.
    private let onlySocketHolders: Bool
    private(set) var counters = ScanCounters()

    init(
        fields: FieldSet, host: HostInfo, ownNamespaceSockets: Set<UInt64> = [], ownNamespace: UInt64? = nil,
        onlySocketHolders: Bool = false
    ) {
        self.fields = fields
        self.host = host
        self.ownNamespaceSockets = ownNamespaceSockets
        self.ownNamespace = ownNamespace
        self.onlySocketHolders = onlySocketHolders
    }

    /// The process, or nil if it vanished while being read (counted).
    func read(pid: Int32, procFD: Int32) -> ProcessRecord? {
        let dirfd: Int32
        do {
            dirfd = try ProcFile.openDirectory(String(pid), relativeTo: procFD)
        } catch {
            counters.vanished += 1
            return nil
        }
        defer { close(dirfd) }

        // Holders only: a process whose descriptors hold none of the sockets asked about is passed
        // over unread (not counted), one that is gone or unlistable too (it holds nothing we can see).
        var held: Descriptors? = nil
        var netns: UInt64? = nil
        if onlySocketHolders {
            guard case .listed(let descriptors) = readDescriptors(dirfd: dirfd) else { return nil }
            if !descriptors.inodes.contains(where: ownNamespaceSockets.contains) {
                netns = otherNamespace(of: descriptors, dirfd: dirfd)
                guard let netns, netns != ownNamespace else { return nil }
            }
            held = descriptors
        }

        guard let count = try? file.read("stat", relativeTo: dirfd),
            let stat = file.parse(count, { StatParser.parse($0) })
        else {
            counters.vanished += 1
            return nil
        }
        let hz = Double(host.clockTicks)
        let started = Double(stat.startTicks) / hz
        var process = ProcessRecord(
            pid: pid, ppid: stat.ppid, pgid: stat.pgid, sid: stat.sid, tty: TTYName.name(stat.ttyNr),
            state: stat.state, name: stat.name, startTicks: stat.startTicks,
            startedAt: ((host.bootTime + started) * 100).rounded() / 100,
            age: max(0, ((host.uptime - started) * 100).rounded() / 100),
            cpuTime: Double(stat.utime + stat.stime) / hz, rss: stat.rssPages * UInt64(host.pageSize),
            threads: stat.threads, kernelThread: stat.isKernelThread)

        // A file every live process has (even a zombie) that fails with ESRCH/ENOENT means it exited.
        var vanished = false
        func note(_ failure: ProcFailure, mustExist: Bool) {
            switch failure {
            case .gone: if mustExist { vanished = true }
            case .denied: counters.denied += 1
            case .other: break
            }
        }

        if fields.contains(.status) {
            // The kernel makes /proc/PID owned by the euid of a dumpable process and by root
            // otherwise (task_dump_owner), so only a root-owned directory needs `status` to tell.
            var info = Glibc.stat()
            if fstat(dirfd, &info) == 0 && (info.st_uid != 0 || process.kernelThread) {
                process.uid = info.st_uid
            } else {
                do {
                    let n = try file.read("status", relativeTo: dirfd)
                    process.uid = file.parse(n) { StatusParser.effectiveUID($0) }
                } catch { note(error, mustExist: true) }
            }
        }
        if fields.contains(.cmdline) && process.kernelThread {
            // A kernel thread has no memory map, so no arguments: nothing to read.
            if fields.contains(.args) { process.args = [] }
            process.cmdline = ""
        } else if fields.contains(.cmdline) {
            do {
                let n = try file.read("cmdline", relativeTo: dirfd)
                if fields.contains(.args) {
                    let parsed = file.parse(n) { CmdlineParser.parse($0) }
                    process.args = parsed.args
                    process.cmdline = parsed.cmdline
                } else {
                    process.cmdline = file.parse(n) { CmdlineParser.commandLine($0) }
                }
            } catch { note(error, mustExist: true) }
        }
        if fields.contains(.exe) && !process.kernelThread {
            do { process.exe = file.string(try file.readLink("exe", relativeTo: dirfd)) } catch { note(error, mustExist: false) }
        }
        if fields.contains(.cwd) && !process.kernelThread {
            do { process.cwd = file.string(try file.readLink("cwd", relativeTo: dirfd)) } catch { note(error, mustExist: false) }
        }
        if fields.contains(.cgroup) {
            do {
                let n = try file.read("cgroup", relativeTo: dirfd)
                process.cgroup = file.parse(n) { CgroupParser.path($0) }
            } catch { note(error, mustExist: true) }
        }
        if let held {
            process.fds = held.count
            process.socketInodes = held.inodes
            process.pipeInodes = held.pipes
            process.netns = netns
        } else if fields.contains(.fds) && process.kernelThread {
            process.fds = 0
        } else if fields.contains(.fds) {
            switch readDescriptors(dirfd: dirfd) {
            case .listed(let descriptors):
                process.fds = descriptors.count
                process.socketInodes = descriptors.inodes
                process.pipeInodes = descriptors.pipes
                if fields.readsSockets { process.netns = otherNamespace(of: descriptors, dirfd: dirfd) }
            case .gone:
                // A zombie's fd directory cannot be opened either; it holds no descriptors.
                if process.isZombie { process.fds = 0 } else { vanished = true }
            case .unreadable:
                break
            }
        }
        if fields.contains(.env) && !process.kernelThread {
            do {
                let n = try file.read("environ", relativeTo: dirfd)
                process.env = file.parse(n) { EnvironParser.parse($0) }
            } catch { note(error, mustExist: false) }
        }
        if vanished {
            counters.vanished += 1
            return nil
        }
        process.read = fields
        return process
    }

    /// What `fd/` holds: how many descriptors, the inodes of the sockets among them, and of the
    /// pipes when `.provenance` is read.
    struct Descriptors {
        var count: Int
        var inodes: [UInt64]
        var pipes: [UInt64] = []
    }

    enum DescriptorListing {
        case listed(Descriptors)
        /// The process exited (or is a zombie, whose `fd/` cannot be opened either).
        case gone
        /// Denied, or another error (counted).
        case unreadable
    }

    /// Counts descriptors and collects socket inodes (`socket:[INODE]` link targets), and pipe
    /// inodes (`pipe:[INODE]`) when `.provenance` is read, from the same readlink of each.
    private func readDescriptors(dirfd: Int32) -> DescriptorListing {
        let fdDir: Int32
        do {
            fdDir = try ProcFile.openDirectory("fd", relativeTo: dirfd)
        } catch {
            if error == .gone { return .gone }
            counters.denied += 1
            counters.fdsUnreadable += 1
            return .unreadable
        }
        defer { close(fdDir) }
        var count = 0
        var linksDenied = false
        var inodes: [UInt64] = []
        var pipes: [UInt64] = []
        let readsPipes = fields.contains(.provenance)
        var link = [UInt8](repeating: 0, count: 64)
        do {
            try walker.forEachEntry(fd: fdDir) { name, _ in
                count += 1
                if linksDenied { return true }
                let n = link.withUnsafeMutableBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { readlinkat(fdDir, name, $0.baseAddress!, $0.count) }
                }
                // Denied for one descriptor means denied for all: keep counting, stop following.
                if n < 0 && (errno == EACCES || errno == EPERM) { linksDenied = true }
                guard n > 0 else { return true }
                link.withUnsafeBufferPointer { buffer in
                    let target = UnsafeBufferPointer(rebasing: buffer[0..<n])
                    if let inode = LinkTarget.inode(target, prefix: LinkTarget.socket) {
                        inodes.append(inode)
                    } else if readsPipes, let inode = LinkTarget.inode(target, prefix: LinkTarget.pipe) {
                        pipes.append(inode)
                    }
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
        return .listed(Descriptors(count: count, inodes: inodes, pipes: pipes))
    }

    /// The network namespace of a process holding a socket outside zscan's own namespace's table
    /// (it is in, or holds a socket of, another namespace, whose tables must be read too); nil
    /// when every socket it holds is in that table.
    private func otherNamespace(of descriptors: Descriptors, dirfd: Int32) -> UInt64? {
        guard descriptors.inodes.contains(where: { !ownNamespaceSockets.contains($0) }),
            let n = try? file.readLink("ns/net", relativeTo: dirfd)
        else { return nil }
        return NamespaceLink.inode(file.buffer, count: n)
    }
}

extension ProcessReader {
    /// Opens `/proc/PID` again for a process read earlier, with its `stat` as it is now; nil when
    /// it has exited or its pid names another process since (another start time). As in
    /// `read(pid:procFD:)`, every later read through the descriptor describes that same process
    /// or fails: a pid reused meanwhile is never taken for it.
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
