import Glibc

/// A fixture process that needs variables in its /proc/PID/environ (a CI job's cookie) gets them
/// the only way the kernel shows them: it re-executes /proc/self/exe with the same argv and the
/// new environment. The new image keeps every descriptor (sockets, the lifeline, locks) and the
/// ignored signals, reports ready, and idles until the lifeline ends.
enum IdleImage {
    /// "LIFELINE_FD REPORT_FD VALUE CLOSE_FD COMM_HEX", set only for the re-executed image.
    static let variable = "ZSCAN_FIXTURE_IDLE"

    /// In a child: execs the idle image; only returns by failing (then it reports and exits).
    static func exec(_ context: Context, environment extra: [String], value: Int32, thenClose: Int32) -> Never {
        let comm = (readSmallFile("/proc/self/comm") ?? []).filter { $0 != UInt8(ascii: "\n") }
        let state = "\(context.lifeline.pipe.readFd) \(context.report.pipe.writeFd) \(value) \(thenClose) \(hex(comm))"
        let names = Set(extra.map { $0.prefix { $0 != "=" } } + [Substring(variable)])
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !names.contains(text.prefix { $0 != "=" }) { entries.append(text) }
            cursor += 1
        }
        entries += extra + ["\(variable)=\(state)"]
        let arguments = ProcessIdentity.rawArguments().map { String(decoding: $0, as: UTF8.self) }
        withCStrings(arguments) { argv in
            withCStrings(entries) { envp in _ = execve("/proc/self/exe", argv, envp) }
        }
        context.report.fail(.system("execve /proc/self/exe"))
    }

    /// At start-up: when this is a re-executed image, runs it and never returns.
    static func resumeIfAsked() {
        guard let raw = getenv(variable) else { return }
        let words = String(cString: raw).split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 5, let lifeline = Int32(words[0]), let report = Int32(words[1]),
            let value = Int32(words[2]), let thenClose = Int32(words[3])
        else {
            Output.writeError("zscan-fixture: malformed \(variable)\n")
            _exit(2)
        }
        if let comm = decodeHex(String(words[4])), !comm.isEmpty { try? ProcessIdentity.setComm(comm) }
        var ready = Report(kind: Report.Kind.ready.rawValue, pid: getpid(), ppid: getppid(), value: value)
        Output.writeAll(report, withUnsafeBytes(of: &ready) { Array($0) })
        close(report)
        if thenClose >= 0 { close(thenClose) }
        var byte: UInt8 = 0
        while true {
            let count = read(lifeline, &byte, 1)
            if count == 0 || (count < 0 && errno != EINTR) { _exit(0) }
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}

/// Calls `body` with a NUL-terminated array of C strings that lives until it returns.
private func withCStrings(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Void) {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    body(pointers)
    for pointer in pointers { free(pointer) }
}
