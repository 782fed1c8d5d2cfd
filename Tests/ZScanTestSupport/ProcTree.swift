import Foundation

/// A fake procfs tree in a temporary directory, for what a live system cannot be made to show
/// on demand: hostile `comm` values, files missing mid-scan, sockets of another namespace.
public final class ProcTree {
    public let root: URL

    public init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-proctree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try write("uptime", "1000.00 1900.00\n")
        try write("sys/kernel/hostname", "fixture-host\n")
        try write("sys/kernel/osrelease", "6.1.0-fixture\n")
        try link("self/ns/net", to: "net:[4026531840]")
        for table in ["tcp", "tcp6", "udp", "udp6"] {
            try write("net/\(table)", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    public var path: String { root.path }

    public func write(_ relative: String, _ content: String) throws { try write(relative, Array(content.utf8)) }

    public func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    public func link(_ relative: String, to target: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }

    public func remove(_ relative: String) throws { try FileManager.default.removeItem(at: root.appendingPathComponent(relative)) }

    /// A process directory with every file zscan reads; `comm` is raw bytes so any name can be made.
    public func addProcess(
        pid: Int, ppid: Int, pgid: Int? = nil, sid: Int? = nil, comm: [UInt8], state: String = "S",
        cmdline: [UInt8] = [], uid: Int = 1000, startTicks: Int = 50_000, sockets: [UInt64] = [],
        otherFds: Int = 2, netns: UInt64 = 4_026_531_840, exe: String? = "/usr/bin/fixture",
        cgroup: String = "/fixture.slice", stdio: [String]? = nil
    ) throws {
        let statTail =
            " \(state) \(ppid) \(pgid ?? pid) \(sid ?? pid) 0 -1 4194560 10 0 0 0 120 30 0 0 20 0 1 0 \(startTicks) 1000000 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
        try write("\(pid)/stat", Array("\(pid) (".utf8) + comm + Array(")".utf8) + Array(statTail.utf8))
        try write(
            "\(pid)/status",
            "Name:\tx\nState:\t\(state)\nTgid:\t\(pid)\nPid:\t\(pid)\nPPid:\t\(ppid)\nUid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)\nSigIgn:\t0000000000000000\n")
        try write("\(pid)/environ", "")
        try write("\(pid)/cmdline", cmdline)
        try write("\(pid)/cgroup", "0::\(cgroup)\n")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("\(pid)/fd"), withIntermediateDirectories: true)
        var fd = 0
        // `stdio` names the targets of descriptors 0, 1, 2 instead of `otherFds` links to /dev/null.
        for target in stdio ?? Array(repeating: "/dev/null", count: otherFds) {
            try link("\(pid)/fd/\(fd)", to: target)
            fd += 1
        }
        for inode in sockets {
            try link("\(pid)/fd/\(fd)", to: "socket:[\(inode)]")
            fd += 1
        }
        try link("\(pid)/ns/net", to: "net:[\(netns)]")
        if let exe { try link("\(pid)/exe", to: exe) }
        try link("\(pid)/cwd", to: "/srv")
    }
}
