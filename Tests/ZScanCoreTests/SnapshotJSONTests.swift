import Foundation
import XCTest
@testable import ZScanCore

/// The snapshot's JSON: what `JSONWriter` writes, `Snapshot.decode` reads back unchanged, and any
/// JSON parser accepts, whatever bytes a process put in its name.
final class SnapshotJSONTests: XCTestCase {
    static let hostile = [
        "a) S 1 (b", "line\nbreak", "\u{1B}[31mred\u{1B}[0m", "osc\u{1B}]0;title\u{07}", "quote\"back\\slash",
        "\u{9B}c1 csi", "sep\u{2028}\u{2029}", "del\u{7F}", "nul-adjacent\u{01}\u{1F}", "]]>", "%0A", "\u{FFFD}bad utf8",
        "emoji 🧟 zombie", "tab\there",
    ]

    static func sample() -> Snapshot {
        var processes: [ProcessRecord] = []
        for (i, name) in hostile.enumerated() {
            processes.append(
                ProcessRecord(
                    pid: Int32(100 + i), ppid: 1, pgid: Int32(100 + i), sid: 50, tty: i % 2 == 0 ? "pts/1" : nil,
                    state: i % 3 == 0 ? "Z" : "S", name: name, exe: "/usr/bin/\(name)", cmdline: "\(name) --flag",
                    args: [name, "--flag"], cwd: "/tmp", user: "root", uid: 0, startTicks: UInt64(1000 + i),
                    startedAt: 1_700_000_000.25, age: 12.5, cpuTime: 0.01, rss: 4096, threads: 2, fds: 4,
                    ports: [8001], listening: true, connections: 0, children: [], env: ["KEY": name],
                    cgroup: "/user.slice", kernelThread: false, adopted: true, sessionAlive: false,
                    orphaned: true, netns: 4_026_531_840, socketInodes: [777]))
        }
        processes.append(ProcessRecord(pid: 1, ppid: 0, name: "init", kernelThread: false))
        processes.sort { $0.pid < $1.pid }
        return Snapshot(
            host: HostInfo(
                hostname: "h", kernel: "6.1", bootTime: 1_699_999_000.5, uptime: 1000.25,
                clockTicks: 100, pageSize: 4096, initPid: 1, initName: "init", collectorPid: 99),
            takenAt: 1_700_000_012.75, durationMs: 3.5, fields: .all,
            counters: ScanCounters(vanished: 2, denied: 3, fdsUnreadable: 1),
            processes: processes,
            sockets: [
                SocketRecord(
                    proto: .tcp6, localAddress: "::ffff:127.0.0.1", localPort: 8001, state: "LISTEN",
                    inode: 777, uid: 0, owners: [100], ownerKnown: true, netns: 4_026_531_840),
                SocketRecord(
                    proto: .udp, localAddress: "0.0.0.0", localPort: 53, state: "UNCONN",
                    inode: 778, owners: [], ownerKnown: false, netns: nil),
            ])
    }

    func testRoundTripIsExact() throws {
        let snapshot = Self.sample()
        for pretty in [false, true] {
            let decoded = try Snapshot.decode(json: snapshot.jsonBytes(pretty: pretty))
            XCTAssertEqual(decoded, snapshot, "pretty: \(pretty)")
        }
    }

    func testEveryModelKeyIsWritten() throws {
        let object = try JSONSerialization.jsonObject(with: Data(Self.sample().jsonBytes())) as! [String: Any]
        XCTAssertEqual(Set(object.keys), Set(Snapshot.CodingKeys.allCases.map(\.rawValue)))
        let process = (object["processes"] as! [[String: Any]])[0]
        XCTAssertEqual(Set(process.keys), Set(ProcessRecord.CodingKeys.allCases.map(\.rawValue)))
        let socket = (object["sockets"] as! [[String: Any]])[0]
        XCTAssertEqual(Set(socket.keys), Set(SocketRecord.CodingKeys.allCases.map(\.rawValue)))
        let host = object["host"] as! [String: Any]
        XCTAssertEqual(Set(host.keys), Set(HostInfo.CodingKeys.allCases.map(\.rawValue)))
    }

    func testNoRawControlCharacterReachesTheOutput() {
        let bytes = Self.sample().jsonBytes()
        XCTAssertFalse(bytes.contains { $0 < 0x20 && $0 != 0x0A }, "only the final newline is a raw control byte")
        let text = String(decoding: bytes, as: UTF8.self)
        for forbidden: Unicode.Scalar in ["\u{1B}", "\u{7F}", "\u{9B}", "\u{2028}", "\u{2029}"] {
            XCTAssertFalse(text.unicodeScalars.contains(forbidden), "raw U+\(String(forbidden.value, radix: 16))")
        }
        XCTAssertTrue(text.contains(#"\u001b[31mred"#))
        XCTAssertTrue(text.contains(#"\u009bc1 csi"#))
    }

    func testWriterEscapingMatchesFoundationParser() throws {
        for name in Self.hostile {
            var w = JSONWriter()
            w.beginArray()
            w.string(name)
            w.endArray()
            let parsed = try JSONSerialization.jsonObject(with: Data(w.bytes)) as! [String]
            XCTAssertEqual(parsed, [name])
        }
    }

    func testPrettyAndCompactDifferOnlyInWhitespace() throws {
        let compact = try JSONSerialization.jsonObject(with: Data(Self.sample().jsonBytes(pretty: false))) as! NSDictionary
        let pretty = try JSONSerialization.jsonObject(with: Data(Self.sample().jsonBytes(pretty: true))) as! NSDictionary
        XCTAssertEqual(compact, pretty)
    }

    func testDecodeErrorsNameThePlace() {
        XCTAssertThrowsError(try Snapshot.decode(json: Array(#"{"format_version":"1.0"}"#.utf8))) { error in
            XCTAssertEqual("\(error)", "invalid snapshot: missing key 'host'")
        }
        XCTAssertThrowsError(try Snapshot.decode(json: Array(#"{"format_version":"2.0"}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("unsupported format_version '2.0'"), "\(error)")
        }
        var bytes = Self.sample().jsonBytes()
        bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""pid":100,"#, with: #""pid":"x","#).utf8)
        XCTAssertThrowsError(try Snapshot.decode(json: bytes)) { error in
            XCTAssertTrue("\(error)".contains("processes"), "\(error)")
        }
        XCTAssertThrowsError(try Snapshot.decode(json: Array("not json".utf8)))
    }

    /// Every key is read by its value's type, and an error names the key, element or map entry.
    func testRecordErrorsNameTheKey() {
        let process = #""pid": 1, "ppid": 0, "state": "S", "name": "p", "start_ticks": 0"#
        let socket = #""local_address": "a", "local_port": 1, "state": "LISTEN", "inode": 1"#
        let cases: [(process: String?, socket: String?, error: String)] = [
            (#""pid": "x""#, nil, "expected an integer at processes[0].pid"),
            (#""ppid": null"#, nil, "missing key 'ppid' at processes[0]"),
            (#""ports": [1, "a"]"#, nil, "expected an integer at processes[0].ports[1]"),
            (#""args": "x""#, nil, "expected an array at processes[0].args"),
            (#""env": {"K": 1}"#, nil, "expected a string at processes[0].env.K"),
            (#""env": []"#, nil, "expected an object at processes[0].env"),
            (#""kernel_thread": 1"#, nil, "expected true or false at processes[0].kernel_thread"),
            (#""age": "1""#, nil, "expected a number at processes[0].age"),
            (#""uid": -1"#, nil, "expected an integer at processes[0].uid"),
            (nil, #""proto": "sctp""#, "unknown proto 'sctp' at sockets[0]"),
            (nil, #""proto": "tcp", "owners": [1, "x"]"#, "expected an integer at sockets[0].owners[1]"),
            (nil, #""local_port": 2"#, "missing key 'proto' at sockets[0]"),
        ]
        for (processExtra, socketExtra, expected) in cases {
            let processes = processExtra.map { "[{\(process), \($0)}]" } ?? "[]"
            let sockets = socketExtra.map { "[{\(socket), \($0)}]" } ?? "[]"
            let document =
                #"{"format_version": "1.0", "host": {"boot_time": 0, "clock_ticks": 100}, "taken_at": 0, "processes": \#(processes), "sockets": \#(sockets)}"#
            XCTAssertThrowsError(try Snapshot.decode(json: Array(document.utf8))) { error in
                XCTAssertEqual("\(error)", "invalid snapshot: \(expected)")
            }
        }
    }

    /// A missing or null key that is not required leaves the record's default.
    func testMissingAndNullKeysKeepTheDefaults() throws {
        let document =
            #"{"format_version": "1.0", "host": {"boot_time": 0, "clock_ticks": 100}, "taken_at": 0, "processes": [{"pid": 1, "ppid": 0, "state": "S", "name": "p", "start_ticks": 0, "threads": null, "exe": null}], "sockets": [{"proto": "tcp", "local_address": "a", "local_port": 1, "state": "LISTEN", "inode": 1, "owner_known": null}]}"#
        let snapshot = try Snapshot.decode(json: Array(document.utf8))
        XCTAssertEqual(snapshot.processes, [ProcessRecord(pid: 1, ppid: 0, state: "S", name: "p")])
        XCTAssertEqual(snapshot.sockets, [SocketRecord(proto: .tcp, localAddress: "a", localPort: 1, state: "LISTEN", inode: 1)])
    }

    func testNewerMinorVersionWithUnknownKeysLoads() throws {
        var text = String(decoding: Self.sample().jsonBytes(), as: UTF8.self)
        text = text.replacingOccurrences(of: #""format_version":"\#(Snapshot.formatVersion)""#, with: #""format_version":"1.7","extra":{"x":1}"#)
        XCTAssertEqual(try Snapshot.decode(json: Array(text.utf8)).processes.count, Self.sample().processes.count)
    }
}
