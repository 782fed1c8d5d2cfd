import Foundation

/// What /proc says about one live process, read directly (not through zscan), so tests can check
/// that a fixture built the situation it claims: session, parent, ignored signals, standard
/// streams, cwd, environment, locks.
public struct ProcFacts {
    public let pid: Int32
    public let ppid: Int32
    public let sid: Int32
    public let comm: String
    /// `SigIgn` from /proc/PID/status, as a bit mask (bit 0 is SIGHUP).
    public let ignoredSignals: UInt64
    /// Targets of fd/0, fd/1 and fd/2 ("" when closed).
    public let stdio: [String]
    public let cwd: String
    /// `VAR=value` entries of /proc/PID/environ.
    public let environment: [String]
    /// Targets of every open descriptor.
    public let descriptors: [String]

    public init?(pid: Int32, procRoot: String = "/proc") {
        let base = "\(procRoot)/\(pid)"
        guard let stat = try? String(contentsOfFile: base + "/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 4, let ppid = Int32(fields[1]), let sid = Int32(fields[3]) else { return nil }
        self.pid = pid
        self.ppid = ppid
        self.sid = sid
        comm = (try? String(contentsOfFile: base + "/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? ""
        let status = (try? String(contentsOfFile: base + "/status", encoding: .utf8)) ?? ""
        let sigIgn = status.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }?.dropFirst(7)
        ignoredSignals = sigIgn.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        let link = { (name: String) in (try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/" + name)) ?? "" }
        stdio = (0...2).map { link("fd/\($0)") }
        cwd = link("cwd")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base + "/fd")) ?? []
        descriptors = names.compactMap(Int.init).sorted().map { link("fd/\($0)") }
        let environ = FileManager.default.contents(atPath: base + "/environ") ?? Data()
        environment = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    public var ignoresSighup: Bool { ignoredSignals & 1 == 1 }

    /// Whether /proc/locks lists a lock on the file at `path` (by device-independent inode match).
    public static func isLocked(_ path: String) -> Bool {
        guard let inode = (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? UInt64,
            let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8)
        else { return false }
        // "1: FLOCK  ADVISORY  WRITE 33 fe:00:16294476 0 EOF": the sixth word ends in :INODE.
        return locks.split(separator: "\n").contains { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            return words.count > 5 && words[5].split(separator: ":").last == Substring(String(inode))
        }
    }
}
