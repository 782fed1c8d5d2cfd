import Glibc

/// The few fields of /proc/PID/stat the fixture needs.
struct ProcStat {
    /// Field 3: R, S, D, T, t, Z, X, ...
    let state: UInt8
    /// Field 4.
    let ppid: pid_t
    /// Field 5.
    let processGroup: pid_t
    /// Field 6.
    let session: pid_t
    /// Field 22: start time in clock ticks since boot; with the pid it identifies a process.
    let startTime: UInt64

    var isZombie: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }
    var isStopped: Bool { state == UInt8(ascii: "T") }

    /// Reads /proc/PID/stat; nil when the process is gone or the file is malformed.
    init?(pid: pid_t) {
        guard let bytes = readSmallFile("/proc/\(pid)/stat") else { return nil }
        self.init(statLine: bytes)
    }

    /// Parses a stat line. The command name may contain spaces and ')', so fields are
    /// counted from the LAST ')'.
    init?(statLine bytes: [UInt8]) {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state); field N is fields[N - 3].
        guard fields.count > 19, let state = fields[0].first,
            let ppid = pid_t(String(decoding: fields[1], as: UTF8.self)),
            let group = pid_t(String(decoding: fields[2], as: UTF8.self)),
            let session = pid_t(String(decoding: fields[3], as: UTF8.self)),
            let start = UInt64(String(decoding: fields[19], as: UTF8.self))
        else { return nil }
        self.state = state
        self.ppid = ppid
        self.processGroup = group
        self.session = session
        self.startTime = start
    }

    /// Pids of the live processes whose parent is `parent`, found by scanning /proc
    /// (/proc/PID/task/TID/children is not available on every kernel).
    static func children(of parent: pid_t) -> [(pid: pid_t, startTime: UInt64)] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var found: [(pid: pid_t, startTime: UInt64)] = []
        while let entry = readdir(directory) {
            var nameTuple = entry.pointee.d_name
            let name = withUnsafePointer(to: &nameTuple) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let pid = pid_t(name), let stat = ProcStat(pid: pid), stat.ppid == parent else { continue }
            found.append((pid, stat.startTime))
        }
        return found
    }
}

/// Reads a whole small file (procfs files report size 0, so read until EOF).
func readSmallFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if count == 0 { return result }
        result.append(contentsOf: chunk[0..<count])
    }
}
