import XCTest
@testable import ZScanLinux
@testable import ZScanCore

/// The `/proc` file parsers, on the kernel's formats and on hostile or malformed input.
final class ParserTests: XCTestCase {
    private func stat(_ text: String) -> StatFields? { bytes(Array(text.utf8)) { StatParser.parse($0) } }
    private func bytes<T>(_ array: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        array.withUnsafeBufferPointer(body)
    }

    static func statLine(comm: String, state: String = "S", ppid: Int = 1, flags: Int = 4_194_560, start: Int = 12345) -> String {
        "42 (\(comm)) \(state) \(ppid) 42 42 34817 42 \(flags) 100 0 0 0 250 150 0 0 20 0 3 0 \(start) 10000000 512 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    }

    func testStatFields() throws {
        let s = try XCTUnwrap(stat(Self.statLine(comm: "uvicorn")))
        XCTAssertEqual(s.name, "uvicorn")
        XCTAssertEqual(s.state, "S")
        XCTAssertEqual(s.ppid, 1)
        XCTAssertEqual(s.pgid, 42)
        XCTAssertEqual(s.sid, 42)
        XCTAssertEqual(s.ttyNr, 34817)
        XCTAssertEqual(s.utime, 250)
        XCTAssertEqual(s.stime, 150)
        XCTAssertEqual(s.threads, 3)
        XCTAssertEqual(s.startTicks, 12345)
        XCTAssertEqual(s.rssPages, 512)
        XCTAssertFalse(s.isKernelThread)
    }

    func testStatSplitsAtTheLastParenthesis() throws {
        for comm in ["a) S 1 (b", "x) Z 99 (", "()", ") )", "with space", "line\nbreak", "\u{1B}[31m", "((((("] {
            let s = try XCTUnwrap(stat(Self.statLine(comm: comm)), comm)
            XCTAssertEqual(s.name, comm)
            XCTAssertEqual(s.state, "S", comm)
            XCTAssertEqual(s.ppid, 1, comm)
            XCTAssertEqual(s.startTicks, 12345, comm)
        }
    }

    func testStatKernelThreadFlagAndInvalidUTF8() throws {
        let kthread = try XCTUnwrap(stat(Self.statLine(comm: "kworker/0:1", state: "I", ppid: 2, flags: 0x20_8040)))
        XCTAssertTrue(kthread.isKernelThread)
        // "42 (" + invalid UTF-8 + the rest of a line from its closing parenthesis on.
        let raw = Array("42 (".utf8) + [0xFF, 0xFE, 0x41] + Array(Self.statLine(comm: "").dropFirst(4).utf8)
        let s = try XCTUnwrap(bytes(raw) { StatParser.parse($0) })
        XCTAssertEqual(s.name, "\u{FFFD}\u{FFFD}A")
    }

    /// Found by scripts/fuzz (Tests/Fuzz/crashes/stat): a signed field beyond Int64 trapped.
    func testStatWithANumberBeyondInt64IsRejectedNotATrap() {
        for tty in ["99999999999999999999", "9223372036854775808", "-9223372036854775808"] {
            let line = "4242 (x) S 1 4242 4242 \(tty) -1 4194560 0 0 0 0 12 3 0 0 20 0 1 0 700 10000000 500\n"
            XCTAssertNil(bytes(Array(line.utf8)) { StatParser.parse($0) }, tty)
        }
        let line = "4242 (x) S 1 4242 4242 9223372036854775807 -1 4194560 0 0 0 0 12 3 0 0 20 0 1 0 700 10000000 500\n"
        XCTAssertNotNil(bytes(Array(line.utf8)) { StatParser.parse($0) })
    }

    func testStatRejectsMalformedInput() {
        XCTAssertNil(stat(""))
        XCTAssertNil(stat("42 (x) S 1 2"))
        XCTAssertNil(stat("42 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22"))
        XCTAssertNil(stat(Self.statLine(comm: "a").replacingOccurrences(of: " 12345 ", with: " 12x45 ")))
        XCTAssertNil(stat(Self.statLine(comm: "a").replacingOccurrences(of: ") S ", with: ") SS ")))
    }

    /// Property check: arbitrary bytes never crash any parser.
    func testParsersNeverCrashOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array("0123456789 ()SZ:\n\0-abcdefABCDEF[]=socket".utf8) + [0xFF, 0xC2, 0x9B, 0x1B]
        let seeds = [
            Self.statLine(comm: "x"), "Uid:\t0\t0\t0\t0\nSigIgn:\t0000000000000001\n", "0: 0100007F:1F41 00000000:0000 0A 0 0 0 0 0 123",
            "pipe:[123]",
        ]
        for round in 0..<3000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            } else {
                input = Array(seeds[round % seeds.count].utf8)
                for _ in 0..<Int.random(in: 1..<6, using: &generator) where !input.isEmpty {
                    input[Int.random(in: 0..<input.count, using: &generator)] = alphabet.randomElement(using: &generator)!
                }
            }
            input.withUnsafeBufferPointer { buffer in
                _ = StatParser.parse(buffer)
                _ = StatusParser.effectiveUID(buffer)
                _ = StatusParser.ignoredSignals(buffer)
                _ = LinkTarget.inode(buffer, prefix: LinkTarget.pipe)
                _ = EnvironParser.parse(buffer, keeping: [Array("a".utf8)])
                XCTAssertEqual(CmdlineParser.commandLine(buffer), CmdlineParser.parse(buffer).cmdline, "\(input)")
                _ = NetTableParser.parse(buffer, proto: .tcp6, netns: nil)
                _ = NetTableParser.parseLine(buffer, proto: .udp, netns: nil)
                _ = EnvironParser.parse(buffer)
                _ = CgroupParser.path(buffer)
            }
        }
    }

    func testStatusEffectiveUID() {
        let status = "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1001\t1000\t1000\nGid:\t100\t100\t100\t100\n"
        XCTAssertEqual(bytes(Array(status.utf8)) { StatusParser.effectiveUID($0) }, 1001)
        XCTAssertNil(bytes(Array("Name:\tx\n".utf8)) { StatusParser.effectiveUID($0) })
        XCTAssertNil(bytes(Array("Uid:\tx\t1\n".utf8)) { StatusParser.effectiveUID($0) })
    }

    func testCmdlineForms() {
        func parse(_ raw: String) -> ([String], String) {
            let r = bytes(Array(raw.utf8)) { CmdlineParser.parse($0) }
            // A scan that never names `args` reads the command line alone: always the same string.
            XCTAssertEqual(bytes(Array(raw.utf8)) { CmdlineParser.commandLine($0) }, r.cmdline, raw.debugDescription)
            return (r.args, r.cmdline)
        }
        XCTAssertTrue(parse("python3\0-m\0uvicorn\0app:app\0") == (["python3", "-m", "uvicorn", "app:app"], "python3 -m uvicorn app:app"))
        XCTAssertTrue(parse("") == ([], ""), "zombies and kernel threads")
        XCTAssertTrue(parse("sh\0-c\0sleep 1; echo\0") == (["sh", "-c", "sleep 1; echo"], "sh -c sleep 1; echo"))
        // setproctitle: one string with spaces, padded with NULs, or not terminated at all.
        XCTAssertTrue(parse("postgres: writer process\0\0\0\0") == (["postgres:", "writer", "process"], "postgres: writer process"))
        XCTAssertTrue(
            parse("nginx: master process /usr/sbin/nginx") == (["nginx:", "master", "process", "/usr/sbin/nginx"], "nginx: master process /usr/sbin/nginx"))
        XCTAssertTrue(parse("nginx:  worker  process\0\0") == (["nginx:", "worker", "process"], "nginx: worker process"))
        // An ordinary single argument that contains a space keeps it.
        XCTAssertTrue(parse("my prog\0") == (["my prog"], "my prog"))
        XCTAssertTrue(parse("a\0\0b\0") == (["a", "", "b"], "a  b"))
    }

    func testTTYNames() {
        XCTAssertNil(TTYName.name(0))
        XCTAssertEqual(TTYName.name(34817), "pts/1")  // 136:1
        XCTAssertEqual(TTYName.name(Int32(136 << 8 | 0 | (1 << 20))), "pts/256")
        XCTAssertEqual(TTYName.name(1025), "tty1")  // 4:1
        XCTAssertEqual(TTYName.name(Int32(4 << 8 | 64)), "ttyS0")
        XCTAssertEqual(TTYName.name(Int32(5 << 8 | 1)), "console")
    }

    // Lines as the kernel prints them on little-endian x86_64 (what this suite runs on).
    static let tcp4 = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
           1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 17 1 0000000000000000 100 0 0 10 0
           2: 0100007F:1F41 0100007F:D431 08 00000000:00000000 00:00000000 00000000  1000        0 4243 1 0000000000000000 20 4 30 10 -1
           3: 0100007F:1F41 0100007F:D432 06 00000000:00000000 03:00000F2A 00000000     0        0 0 3 0000000000000000

        """
    static let tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0
           1: 00000000000000000000000001000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0
           2: 0000000000000000FFFF00000100007F:1F92 0000000000000000FFFF00000100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 20 4 30 10 -1
           3: B80D0120000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 5004 2 0000000000000000 0

        """

    func testIPv4TableDecodesHostOrderAddresses() {
        let sockets = bytes(Array(Self.tcp4.utf8)) { NetTableParser.parse($0, proto: .tcp, netns: 7) }
        XCTAssertEqual(sockets.count, 4)
        XCTAssertEqual(
            sockets[0],
            SocketRecord(
                proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, remoteAddress: "0.0.0.0", remotePort: 0, state: "LISTEN", inode: 4242, uid: 1000,
                netns: 7))
        XCTAssertEqual(sockets[1].localAddress, "0.0.0.0")
        XCTAssertEqual(sockets[1].localPort, 2024)
        XCTAssertEqual(sockets[2].state, "CLOSE_WAIT")
        XCTAssertEqual(sockets[2].remotePort, 54321)
        XCTAssertEqual(sockets[3].state, "TIME_WAIT")
        XCTAssertEqual(sockets[3].inode, 0)
        XCTAssertTrue(sockets[0].isListening)
        XCTAssertFalse(sockets[2].isListening)
    }

    /// Found by scripts/fuzz (Tests/Fuzz/crashes/net): a port or state of 16 hex digits overflowed
    /// Int and trapped. Such a line is not the kernel's format: it is skipped.
    func testOutOfRangePortOrStateIsSkippedNotATrap() {
        let lines = [
            "0: 0100007F:FFFFFFFFFFFFFFFF 00000000:0000 0A 0 0 0 1000 0 4242",
            "0: 0100007F:1F41 00000000:8000000000000000 0A 0 0 0 1000 0 4242",
            "0: 0100007F:1F41 00000000:0000 FFFFFFFFFFFFFFFF 0 0 0 1000 0 4242",
            "0: 0100007F:10000 00000000:0000 0A 0 0 0 1000 0 4242",
        ]
        for line in lines {
            XCTAssertNil(bytes(Array(line.utf8)) { NetTableParser.parseLine($0, proto: .tcp, netns: nil) }, line)
        }
        let largest = "0: 0100007F:FFFF 00000000:0000 0A 0 0 0 1000 0 4242"
        XCTAssertEqual(bytes(Array(largest.utf8)) { NetTableParser.parseLine($0, proto: .tcp, netns: nil) }?.localPort, 65535)
    }

    func testIPv6TableDecodesPerWordOrder() {
        let sockets = bytes(Array(Self.tcp6.utf8)) { NetTableParser.parse($0, proto: .tcp6, netns: nil) }
        XCTAssertEqual(sockets.map(\.localAddress), ["::", "::1", "::ffff:127.0.0.1", "2001:db8::1"])
        XCTAssertEqual(sockets.map(\.localPort), [8080, 8081, 8082, 53])
        XCTAssertEqual(sockets[2].remoteAddress, "::ffff:127.0.0.1")
        XCTAssertEqual(sockets[2].state, "ESTABLISHED")
        let udp = bytes(Array(Self.tcp6.utf8)) { NetTableParser.parse($0, proto: .udp6, netns: nil) }
        XCTAssertEqual(udp[3].state, "UNCONN")
        XCTAssertTrue(udp[3].isListening)
        XCTAssertEqual(udp[3].uid, 101)
    }

    func testEveryTCPStateHasAName() {
        for code in 1...12 {
            XCTAssertNotEqual(NetTableParser.stateName(code, proto: .tcp), "UNKNOWN")
        }
        XCTAssertEqual(NetTableParser.stateName(10, proto: .tcp), "LISTEN")
        XCTAssertEqual(NetTableParser.stateName(8, proto: .tcp), "CLOSE_WAIT")
        XCTAssertEqual(NetTableParser.stateName(99, proto: .tcp), "UNKNOWN")
    }

    func testStatusIgnoredSignals() {
        func mask(_ text: String) -> UInt64? { bytes(Array(text.utf8)) { StatusParser.ignoredSignals($0) } }
        let status = "Name:\tsleep\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000001\nSigCgt:\t0000000000000000\n"
        XCTAssertEqual(mask(status), 1, "nohup: SIGHUP (1) is bit 0")
        XCTAssertEqual(mask("SigIgn:\t0000000000384004\n"), 0x384004)
        XCTAssertEqual(mask("SigIgn:\tFFFFFFFFFFFFFFFF"), UInt64.max)
        XCTAssertNil(mask("SigIgnX:\t1\n"))
        XCTAssertNil(mask("SigIgn:\t\n"))
        XCTAssertNil(mask("SigIgn:\t12345678901234567\n"), "more than 64 bits")
        XCTAssertNil(mask("Name:\tx\n"))
    }

    func testDescriptorLinkTargets() {
        func inode(_ text: String, _ prefix: [UInt8]) -> UInt64? { bytes(Array(text.utf8)) { LinkTarget.inode($0, prefix: prefix) } }
        XCTAssertEqual(inode("pipe:[2479510]", LinkTarget.pipe), 2_479_510)
        XCTAssertEqual(inode("socket:[9]", LinkTarget.socket), 9)
        XCTAssertNil(inode("socket:[9]", LinkTarget.pipe))
        XCTAssertNil(inode("pipe:[]", LinkTarget.pipe))
        XCTAssertNil(inode("pipe:[12", LinkTarget.pipe))
        XCTAssertNil(inode("pipe:[1x]", LinkTarget.pipe))
        XCTAssertNil(inode("/tmp/pipe:[1]", LinkTarget.pipe))
    }

    func testEnvironCgroupAndNamespaceLinks() {
        let raw = Array("PATH=/bin\0ZSCAN_RUN_ID=abc=def\0=bad\0EMPTY=\0CI_JOB_ID=1\0CI_JOB_ID=2\0".utf8)
        let env = bytes(raw) { EnvironParser.parse($0) }
        XCTAssertEqual(env, ["PATH": "/bin", "ZSCAN_RUN_ID": "abc=def", "EMPTY": "", "CI_JOB_ID": "2"])
        let kept = bytes(raw) { EnvironParser.parse($0, keeping: [Array("ZSCAN_RUN_ID".utf8), Array("CI_JOB_ID".utf8), Array("PAT".utf8)]) }
        XCTAssertEqual(kept, ["ZSCAN_RUN_ID": "abc=def", "CI_JOB_ID": "2"], "only the named variables, the last of a repeated one")
        func cgroup(_ text: String) -> String? { bytes(Array(text.utf8)) { CgroupParser.path($0) } }
        XCTAssertEqual(cgroup("0::/user.slice/session-2.scope\n"), "/user.slice/session-2.scope")
        XCTAssertEqual(cgroup("12:pids:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n"), "/")
        XCTAssertEqual(cgroup("4:memory:/ci\n"), "/ci")
        XCTAssertEqual(cgroup("0::/with:colon\n"), "/with:colon")
        XCTAssertNil(cgroup("garbage\n"))
        XCTAssertNil(cgroup(""))
        let link = Array("net:[4026531840]".utf8)
        XCTAssertEqual(NamespaceLink.inode(link, count: link.count), 4_026_531_840)
    }
}
