import Foundation
import XCTest
@testable import ZScanCore

/// Every rule field of every subject, walked from the field tables: a rule whose condition names it
/// loads, its example sets the field and matches, and the finding's `{field}` message renders it,
/// both from the example and from a snapshot JSON value (where snapshots store the field).
final class FieldTableTests: XCTestCase {
    /// One value of a field written four ways (JSON only for a field snapshots store).
    struct Probe {
        var json: String?
        var example: String
        var condition: String
        var rendered: String
    }

    /// A value for any field, chosen by its type; relations name the process `sh (9)` or a socket on
    /// port 8080, which the snapshots and examples below provide.
    static func probe(_ spec: FieldSpec, subject: Subject) -> Probe {
        let f = spec.name
        switch (subject, f) {
        case (.socket, "proto"): return Probe(json: #""udp""#, example: #""udp""#, condition: #"proto == "udp""#, rendered: "udp")
        case (.process, "children"), (.socket, "owners"):
            return Probe(json: "[9]", example: #"[{pid: 9, name: "sh"}]"#, condition: "any(\(f), pid == 9)", rendered: "sh (9)")
        case (.process, "container"):
            return Probe(
                json: #"{"runtime": "docker", "id": "c0ffee", "path": "/docker/c0ffee"}"#, example: #"{runtime: "docker", id: "c0ffee"}"#,
                condition: #"container.runtime == "docker" && container.short_id == "c0ffee""#, rendered: "docker c0ffee")
        case (.process, "sockets"):
            return Probe(json: nil, example: "[{local_port: 8080}]", condition: "any(sockets, local_port == 8080)", rendered: "tcp 127.0.0.1:8080")
        default: break
        }
        switch spec.type {
        case .int: return Probe(json: "7", example: "7", condition: "\(f) == 7", rendered: "7")
        case .float: return Probe(json: "2.5", example: "2.5", condition: "\(f) == 2.5", rendered: "2.5")
        case .string: return Probe(json: #""x7""#, example: #""x7""#, condition: #"\#(f) == "x7""#, rendered: "x7")
        case .bool: return Probe(json: "true", example: "true", condition: "\(f) == true", rendered: "true")
        case .duration: return Probe(json: "90", example: #""90s""#, condition: "\(f) == 90s", rendered: DurationText.short(90))
        case .bytes: return Probe(json: "4096", example: #""4096B""#, condition: "\(f) == 4096B", rendered: ByteText.short(4096))
        case .list(.string): return Probe(json: #"["a7"]"#, example: #"["a7"]"#, condition: #""a7" in \#(f)"#, rendered: "a7")
        case .list(.int): return Probe(json: "[8080]", example: "[8080]", condition: "8080 in \(f)", rendered: "8080")
        case .map: return Probe(json: #"{"K": "V"}"#, example: #"{K: "V"}"#, condition: #"\#(f).K == "V""#, rendered: "K")
        case .process: return Probe(json: nil, example: #"{pid: 9, name: "sh"}"#, condition: "\(f).pid == 9", rendered: "sh (9)")
        default:
            XCTFail("no probe for \(subject.rawValue) field '\(f)' of type \(spec.type)")
            return Probe(json: nil, example: "null", condition: "false", rendered: "")
        }
    }

    /// A rule file with one rule on `field` whose condition is the probe's, whose message is
    /// `{field}`, and whose example sets the field.
    static func ruleFile(_ subject: Subject, _ field: String, _ probe: Probe) -> RuleSource {
        let when = probe.condition.replacingOccurrences(of: "\"", with: "\\\"")
        let text = """
            {format_version: 1, rules: [{
              id: "probe", title: "probe", severity: "info", subject: "\(subject.rawValue)", action: "none",
              when: "\(when)", message: "{\(field)}",
              examples: {match: [{\(field): \(probe.example)}], no_match: []},
            }]}
            """
        return RuleSource(name: "probe.json5", bytes: Array(text.utf8))
    }

    func testEveryFieldLoadsSetsEvaluatesAndReports() throws {
        var walked: [Subject: [String]] = [:]
        for subject in [Subject.process, .socket, .pidfile] {
            for spec in FieldSchema.fields(of: subject) {
                let probe = Self.probe(spec, subject: subject)
                let what = "\(subject.rawValue) field '\(spec.name)'"
                let set = try RuleLoader.load([Self.ruleFile(subject, spec.name, probe)])
                let scanner = Scanner(rules: set.rules)

                XCTAssertEqual(RuleExampleRunner.run(set).map(\.message), [], "example: \(what)")
                let (context, _) = try ExampleBuilder.build(set.rules[0].examples.match[0], subject: subject)
                XCTAssertEqual(scanner.findings(in: context).map(\.message), [probe.rendered], "example: \(what)")

                if let key = spec.jsonKey {
                    XCTAssertEqual(key, spec.name, "\(what): a stored field's JSON key is its name")
                    guard let json = probe.json else { XCTFail("no JSON value for \(what)"); continue }
                    let snapshot = try Snapshot.decode(json: Array(Self.document(subject, key: key, value: json).utf8))
                    XCTAssertEqual(scanner.findings(in: EvaluationContext(snapshot: snapshot)).map(\.message), [probe.rendered], "snapshot JSON: \(what)")
                }
                walked[subject, default: []].append(spec.name)
            }
        }
        XCTAssertEqual(walked[.process], ProcessField.allCases.map(\.rawValue))
        XCTAssertEqual(walked[.socket], SocketField.allCases.map(\.rawValue))
        XCTAssertEqual(walked[.pidfile], PidFileField.allCases.map(\.rawValue))
    }

    /// A snapshot whose first process (or socket) has `key` set to `value`; process 9 (`sh`) exists
    /// for relations to name.
    static func document(_ subject: Subject, key: String, value: String) -> String {
        func object(_ members: [(String, String)]) -> String {
            "{" + members.map { #""\#($0.0)": \#($0.1)"# }.joined(separator: ", ") + "}"
        }
        func with(_ base: [(String, String)]) -> [(String, String)] {
            base.filter { $0.0 != key } + [(key, value)]
        }
        let process: [(String, String)] = [("pid", "1"), ("ppid", "0"), ("state", #""S""#), ("name", #""p""#), ("start_ticks", "0")]
        let sh: [(String, String)] = [("pid", "9"), ("ppid", "1"), ("state", #""S""#), ("name", #""sh""#), ("start_ticks", "0")]
        let socket: [(String, String)] = [
            ("proto", #""tcp""#), ("local_address", #""127.0.0.1""#), ("local_port", "8000"), ("state", #""LISTEN""#), ("inode", "1"),
        ]
        let processes = subject == .process ? [object(with(process)), object(sh)] : [object(sh)]
        let sockets = subject == .socket ? [object(with(socket))] : []
        return """
            {"format_version": "1.0", "host": {"boot_time": 0, "clock_ticks": 100}, "taken_at": 0,
             "processes": [\(processes.joined(separator: ", "))], "sockets": [\(sockets.joined(separator: ", "))]}
            """
    }

    /// The JSON keys of a record are its stored fields' keys, in the table's order, then the keys
    /// that are no rule field.
    func testJSONKeysFollowTheFieldTables() {
        XCTAssertEqual(
            ProcessRecord.CodingKeys.allCases.map(\.rawValue),
            FieldSchema.process.compactMap(\.jsonKey) + ["job_cookie", "netns", "socket_inodes", "pipe_inodes"])
        XCTAssertEqual(
            SocketRecord.CodingKeys.allCases.map(\.rawValue),
            FieldSchema.socket.compactMap(\.jsonKey) + ["netns"])
        XCTAssertTrue(FieldSchema.pidfile.allSatisfy { $0.jsonKey == nil })
    }

    /// Each JSON key hands over a property of its own, so a key that names another key's property
    /// (a copied line) fails here even where a round trip would not notice.
    func testEveryKeyHandsOverItsOwnProperty() {
        struct Paths<Record>: FieldAccess {
            var seen: [AnyKeyPath] = []
            mutating func callAsFunction<Value: SnapshotValue>(_ path: WritableKeyPath<Record, Value>, required _: Bool) { seen.append(path) }
        }
        func paths<Key: RecordKey>(_: Key.Type) -> [AnyKeyPath] {
            var access = Paths<Key.Record>()
            for key in Key.allCases { key.access(&access) }
            return access.seen
        }
        for seen in [paths(ProcessRecord.CodingKeys.self), paths(SocketRecord.CodingKeys.self)] {
            XCTAssertEqual(Set(seen).count, seen.count)
        }
        XCTAssertEqual(paths(ProcessRecord.CodingKeys.self).count, ProcessRecord.CodingKeys.allCases.count)
        XCTAssertEqual(paths(SocketRecord.CodingKeys.self).count, SocketRecord.CodingKeys.allCases.count)
    }

    func testNamesResolveThroughTheTables() {
        XCTAssertEqual(FieldID(subject: .process, name: "kernel_thread"), .process(.kernelThread))
        XCTAssertEqual(FieldID(subject: .socket, name: "owner_known"), .socket(.ownerKnown))
        XCTAssertNil(FieldID(subject: .pidfile, name: "cmdline"))
        XCTAssertNil(FieldID(subject: .process, name: "kernelThread"))
    }

    func testAnUnknownExampleKeyNamesItsPlaceAndTheClosestField() throws {
        let node = try JSON5Parser.parse(Array("{pid: 1,\n cmdlin: \"x\"}".utf8))
        XCTAssertThrowsError(try ExampleBuilder.build(node, subject: .process)) { error in
            let error = error as! ExampleError
            XCTAssertEqual(error.message, "unknown field 'cmdlin' of a process (did you mean 'cmdline'?)")
            XCTAssertEqual(error.location.line, 2)
            XCTAssertEqual(error.location.column, 2)
        }
    }
}
