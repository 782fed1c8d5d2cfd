import Glibc

/// What a process looks like from outside: its argv (--argv, --title) and its comm (--name).
enum ProcessIdentity {
    /// Set across the --argv re-exec: how many leading arguments are the fake words.
    static let fakeWordsVariable = "ZSCAN_FIXTURE_FAKE_WORDS"

    /// The raw argument bytes, copied before anything may overwrite the argv area.
    static func rawArguments() -> [[UInt8]] {
        (0..<Int(CommandLine.argc)).map { index in
            guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
    }

    /// After a --argv re-exec: the number of fake leading words (and the variable is removed,
    /// so it does not leak further). nil in a normal start.
    static func takeFakeWordCount() -> Int? {
        guard let value = getenv(fakeWordsVariable) else { return nil }
        let count = Int(String(cString: value))
        unsetenv(fakeWordsVariable)
        return count
    }

    /// Re-executes /proc/self/exe with argv = the fake words, then the original arguments
    /// without --argv. Only returns by throwing.
    static func reexec(words raw: [UInt8], original: [[UInt8]], dropping dropped: [Int]) throws(FixtureError) -> Never {
        let words = raw.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
        guard let first = words.first, !first.isEmpty else { throw .usage("--argv needs at least one word") }
        let rest = original.indices.dropFirst().filter { !dropped.contains($0) }.map { original[$0] }
        let arguments = words + rest
        setenv(fakeWordsVariable, String(words.count), 1)

        // NUL-terminated copies that live until execv replaces the process image.
        var cStrings: [UnsafeMutablePointer<CChar>?] = arguments.map { bytes in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (offset, byte) in bytes.enumerated() { copy[offset] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            return copy
        }
        cStrings.append(nil)
        execv("/proc/self/exe", cStrings)
        throw .system("execv /proc/self/exe")
    }

    /// The last path component of a word, used as comm after a re-exec (execv would
    /// otherwise leave "exe", the name of /proc/self/exe).
    static func baseName(_ word: [UInt8]) -> [UInt8] {
        guard let slash = word.lastIndex(of: UInt8(ascii: "/")) else { return word }
        return Array(word[(slash + 1)...])
    }

    /// Writes raw bytes to /proc/self/comm; the kernel keeps at most 15.
    static func setComm(_ name: [UInt8]) throws(FixtureError) {
        let bytes = Array(name.prefix(15))
        let fd = open("/proc/self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open /proc/self/comm") }
        defer { close(fd) }
        guard Output.writeAll(fd, bytes) else { throw .system("write /proc/self/comm") }
    }

    /// setproctitle: overwrites the contiguous argv strings in place with `title` and NUL
    /// padding, so /proc/PID/cmdline reads as one string. The title is cut to fit the area.
    /// Returns the number of title bytes kept.
    @discardableResult
    static func setTitle(_ title: [UInt8]) -> Int {
        let count = Int(CommandLine.argc)
        guard count > 0, let start = CommandLine.unsafeArgv[0] else { return 0 }
        // The area runs over the argv strings as long as each starts where the previous ended.
        var end = start + strlen(start) + 1
        for index in 1..<count {
            guard let next = CommandLine.unsafeArgv[index], next == end else { break }
            end = next + strlen(next) + 1
        }
        let area = end - start
        let kept = min(title.count, area - 1)  // keep the final NUL
        for offset in 0..<area {
            start[offset] = offset < kept ? CChar(bitPattern: title[offset]) : 0
        }
        return kept
    }
}
