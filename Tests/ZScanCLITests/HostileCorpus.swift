import Foundation

/// Text a process can give itself as its name (comm) or command line, chosen to break a report:
/// parse `/proc/PID/stat` wrongly, forge report lines or workflow commands, end an XML CDATA
/// section, drive a terminal, or reorder what is shown.
struct HostileText {
    let label: String
    let bytes: [UInt8]

    init(_ label: String, _ text: String) { self.label = label; self.bytes = Array(text.utf8) }
    init(_ label: String, bytes: [UInt8]) { self.label = label; self.bytes = bytes }

    /// How zscan decodes it: ill-formed UTF-8 as U+FFFD, everything else exactly.
    var decoded: String { String(decoding: bytes, as: UTF8.self) }

    /// The first 15 bytes: all the kernel keeps of a comm.
    var comm: [UInt8] { Array(bytes.prefix(15)) }

    var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

enum HostileCorpus {
    static let texts: [HostileText] = [
        HostileText("parenthesis", "a) Z 1 (b) R"),
        HostileText("spaces", " lead  and trail "),
        HostileText("newlines", "two\nlines\r\nzombie x (1) is a zombie"),
        HostileText("control bytes", bytes: [0x01, 0x78, 0x07, 0x08, 0x7F, 0x79]),
        HostileText("ANSI CSI", "\u{1B}[2J\u{1B}[1;1H\u{1B}[31mred"),
        HostileText("OSC", "\u{1B}]0;pwned\u{07}\u{1B}]8;;https://x.invalid\u{1B}\\link"),
        HostileText("C1 controls", "\u{9B}31m\u{9D}0;t\u{9C}\u{85}"),
        HostileText("raw C1 byte", bytes: [0x9B, 0x33, 0x31, 0x6D, 0x61]),
        HostileText("CDATA end", "]]><x a=\"&amp;\"/>"),
        HostileText("percent", "%0A%0D%25::error::x"),
        HostileText("workflow command", "\n::error file=x::forged\n::stop-commands::t"),
        HostileText("invalid UTF-8", bytes: [0xFF, 0xFE, 0xC3, 0x28, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80]),
        HostileText("bidi override", "\u{202E}nrocivu\u{202C}\u{2066}x\u{2069}"),
        HostileText("metric label", "a\"b\\c}d{e=f,g"),
        HostileText("separators", "a\u{2028}b\u{2029}c\u{FFFE}\u{FEFF}"),
    ]

    /// A command line of more than 100 KB (one argument), with an escape sequence at each end.
    static let longArgument = "\u{1B}[2J" + String(repeating: "0123456789", count: 10_240) + "\u{1B}]0;end\u{07}"

    /// The command line of a hostile process: a launcher word, the text, an empty argument on
    /// each side of it (NUL next to NUL in /proc/PID/cmdline), the text again with a suffix.
    /// A long text comes once: the fixture takes the whole command line as one argument, and
    /// the kernel allows 128 KiB per argument.
    static func commandLine(_ text: HostileText) -> [[UInt8]] {
        let head = [Array("python3".utf8), [], text.bytes]
        return text.bytes.count > 60_000 ? head : head + [[], text.bytes + Array("-tail".utf8)]
    }

    /// What zscan shows as the command line: the arguments joined with spaces.
    static func shownCommandLine(_ arguments: [[UInt8]]) -> String {
        arguments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }
}
