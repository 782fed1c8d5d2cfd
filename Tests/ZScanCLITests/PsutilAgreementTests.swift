import Foundation
import XCTest
import ZScanTestSupport

/// `zscan snapshot` against psutil, field by field, on every process of this machine (plus a few
/// of our own that real hosts have: zombies, a stopped process, one running a deleted binary).
///
/// psutil reads before and after the snapshot. Only processes in all three reads are compared, and
/// only fields psutil read alike both times; a difference counts when it is still there in two more
/// rounds of three reads (a busy process's state, threads or memory may change between reads and
/// back). The table of agreement per field is printed either way.
final class PsutilAgreementTests: XCTestCase {
    func testEveryFieldAgreesWithPsutil() throws {
        guard ReportTools.hasPython("psutil") else {
            print("psutil agreement skipped: python3 cannot import psutil (.ci/run installs it with pip)")
            throw XCTSkip("python3 cannot import psutil (.ci/run installs it with pip)")
        }
        let population = try FixtureProcess(["population", "--count", "2", "--listeners", "1", "--zombies", "2", "--stopped", "1"])
        defer { population.stop() }
        let deleted = try DeletedBinary()
        defer { deleted.stop() }

        var first = try readRound()
        if !first.differences.isEmpty {
            let later = [try readRound(), try readRound()]
            first.keepPersistentDifferences(seenIn: later)
        }
        print(first.table)

        for (field, key, reason) in first.differences {
            XCTFail("\(field) of \(key): \(reason)")
        }
        XCTAssertGreaterThan(first.compared, 10, "processes in all three reads")
        for pid in population.ints("zombies") + population.ints("stopped") + [deleted.pid] {
            XCTAssertTrue(first.comparedPids.contains(pid), "our process \(pid) was compared")
        }
        if let record = first.zscanProcesses[deleted.pid], first.readerFollowsContract {
            XCTAssertEqual(record["exe"] as? String, deleted.path, "exe without ' (deleted)'")
            XCTAssertEqual(record["exe_deleted"] as? Bool, true)
        }
    }

    /// psutil, `zscan snapshot`, psutil again, compared.
    private func readRound() throws -> Round {
        let before = try psutilProcesses()
        let snapshot = try runCapturing(Products.path("zscan"), ["snapshot"])
        XCTAssertEqual(snapshot.status, 0, snapshot.stderr)
        let after = try psutilProcesses()
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(snapshot.stdout.utf8)) as? [String: Any])
        return Round(before: before, zscan: json, after: after)
    }

    private func psutilProcesses() throws -> PsutilRead {
        let json = try XCTUnwrap(try ReportTools.python(Self.psutilScript, []) as? [String: Any])
        return PsutilRead(json)
    }

    /// Every process as psutil sees it: each field `{"v": value}` or `{"e": why}` (denied, zombie);
    /// a process that vanishes while read is left out. `create_time` is kept since boot, as
    /// `create_time() - boot_time()`: psutil's boot time is /proc/stat's btime in whole seconds.
    static let psutilScript = """
        import json, psutil
        status = {"running": "R", "sleeping": "S", "disk-sleep": "D", "stopped": "T", "tracing-stop": "t",
                  "zombie": "Z", "dead": "X", "wake-kill": "K", "waking": "W", "idle": "I", "parked": "P"}
        boot = psutil.boot_time()
        reads = {
            "ppid": lambda p: p.ppid(), "name": lambda p: p.name(), "exe": lambda p: p.exe(),
            "cmdline": lambda p: p.cmdline(), "cwd": lambda p: p.cwd(),
            "status": lambda p: status.get(p.status(), p.status()), "uids.effective": lambda p: p.uids().effective,
            "create_time": lambda p: p.create_time() - boot, "num_threads": lambda p: p.num_threads(),
            "num_fds": lambda p: p.num_fds(), "rss": lambda p: p.memory_info().rss, "terminal": lambda p: p.terminal(),
        }
        processes = []
        for process in psutil.process_iter():
            fields = {}
            try:
                with process.oneshot():
                    for name, read in reads.items():
                        try:
                            fields[name] = {"v": read(process)}
                        except psutil.ZombieProcess:
                            fields[name] = {"e": "zombie"}
                        except psutil.AccessDenied:
                            fields[name] = {"e": "denied"}
            except psutil.NoSuchProcess:
                continue
            processes.append({"pid": process.pid, "fields": fields})
        print(json.dumps({"version": psutil.__version__, "processes": processes}))
        """
}

/// One psutil read: processes by pid.
private struct PsutilRead {
    var version: String
    var processes: [Int32: [String: [String: Any]]]

    init(_ json: [String: Any]) {
        version = json["version"] as? String ?? "?"
        processes = [:]
        for entry in json["processes"] as? [[String: Any]] ?? [] {
            guard let pid = entry["pid"] as? Int, let fields = entry["fields"] as? [String: [String: Any]] else { continue }
            processes[Int32(pid)] = fields
        }
    }

    /// Start time since boot, which with the pid tells one process from a later one with its pid.
    func start(_ pid: Int32) -> Double? { processes[pid]?["create_time"]?["v"] as? Double }
}

/// One field of the comparison: psutil's name, zscan's JSON key, the rule and its reason, and the
/// comparison itself on zscan's record (with the snapshot's host facts) and psutil's value (nil
/// when psutil could not read it: denied, or a zombie's).
private struct Field: Sendable {
    let name: String
    let zscanKey: String
    let rule: String
    let agree: @Sendable (_ record: [String: Any], _ host: [String: Any], _ psutil: Any?) -> Bool

    /// Equal, or no value on both sides (null, "", [] and unreadable alike: "nothing to show").
    static func same(_ name: String, _ zscanKey: String, rule: String = "equal") -> Field {
        Field(name: name, zscanKey: zscanKey, rule: rule) { record, _, psutil in
            isNone(record[zscanKey]) ? isNone(psutil) : (record[zscanKey] as? NSObject)?.isEqual(psutil) == true
        }
    }

    static func isNone(_ value: Any?) -> Bool {
        switch value {
        case nil, is NSNull: return true
        case let text as String: return text.isEmpty
        case let list as [Any]: return list.isEmpty
        default: return false
        }
    }

    static let all: [Field] = [
        same("ppid", "ppid"),
        Field(name: "name", zscanKey: "name", rule: "equal; psutil extends a 15-byte comm to the command's base name") {
            record, _, psutil in
            guard let name = record["name"] as? String, let other = psutil as? String else { return false }
            return name == other || (name.utf8.count == 15 && other.hasPrefix(name))
        },
        same("exe", "exe", rule: "equal; ' (deleted)' stripped when no such file exists"),
        same("cmdline", "args"),
        same("cwd", "cwd", rule: "equal; a kernel thread's is /"),
        same("status", "state", rule: "same state letter"),
        same("uids.effective", "uid"),
        Field(name: "create_time", zscanKey: "started_at", rule: "since boot, ≤ 0.02 s: zscan writes boot and start time to 10 ms") {
            record, host, psutil in
            guard let started = record["started_at"] as? Double, let boot = host["boot_time"] as? Double,
                let since = psutil as? Double
            else { return false }
            return abs((started - boot) - since) <= 0.02
        },
        same("num_threads", "threads"),
        same("num_fds", "fds", rule: "equal; a zombie holds none"),
        // /proc/PID/stat (zscan) gives the resident set from the kernel's per-CPU counters as they
        // stand (file, anon and shmem pages, each off by at most CPUs × batch pages, the batch being
        // max(32, 2 × CPUs)); statm (psutil, and status for ps) sums them exactly.
        Field(name: "rss", zscanKey: "rss", rule: "≤ 3 × CPUs × max(32, 2 × CPUs) pages: stat's per-CPU counters, unsummed") {
            record, host, psutil in
            guard let rss = record["rss"] as? Int, let other = psutil as? Int else { return false }
            let cpus = max(1, sysconf(Int32(_SC_NPROCESSORS_CONF)))
            let pages = 3 * cpus * max(32, 2 * cpus)
            return abs(rss - other) <= pages * (host["page_size"] as? Int ?? 4096)
        },
        Field(name: "terminal", zscanKey: "tty", rule: "/dev/ + zscan's name") { record, _, psutil in
            guard let tty = record["tty"] as? String else { return isNone(psutil) }
            return psutil as? String == "/dev/" + tty
        },
    ]
}

/// One round of psutil, zscan, psutil, compared field by field.
private struct Round {
    enum Outcome {
        case agree, unstable
        case differ(String)
        /// A difference the Linux reader of today's main still has.
        case known
    }

    var psutilVersion: String
    /// Whether zscan's reader follows the agreed field semantics (it writes `exe_deleted`); before
    /// it does, two differences are known and tolerated: a kernel thread's cwd (zscan: null) and an
    /// exe ending in " (deleted)" (zscan keeps the suffix).
    var readerFollowsContract: Bool
    var zscanProcesses: [Int32: [String: Any]] = [:]
    /// By field name, by process ("pid@start"): what the comparison found.
    var outcomes: [String: [String: Outcome]] = [:]
    var comparedPids: Set<Int32> = []
    var appearedOrVanished = 0
    let excludedPid = ProcessInfo.processInfo.processIdentifier

    var compared: Int { comparedPids.count }

    init(before: PsutilRead, zscan: [String: Any], after: PsutilRead) {
        psutilVersion = before.version
        let host = zscan["host"] as? [String: Any] ?? [:]
        let hz = Double(host["clock_ticks"] as? Int ?? 100)
        let records = zscan["processes"] as? [[String: Any]] ?? []
        readerFollowsContract = records.contains { $0.keys.contains("exe_deleted") }
        for record in records {
            if let pid = record["pid"] as? Int { zscanProcesses[Int32(pid)] = record }
        }
        var pids = Set(before.processes.keys).union(after.processes.keys).union(zscanProcesses.keys)
        pids.remove(excludedPid)
        for pid in pids.sorted() {
            guard let old = before.processes[pid], let new = after.processes[pid], let start = before.start(pid),
                after.start(pid) == start
            else {
                appearedOrVanished += 1
                continue
            }
            let key = "\(pid)@\(Int((start * hz).rounded()))"
            guard let record = zscanProcesses[pid], let ticks = record["start_ticks"] as? Int,
                abs(Double(ticks) / hz - start) < 0.5 / hz
            else {
                outcomes["pid", default: [:]][key] = .differ("in psutil's reads before and after, not in zscan's")
                continue
            }
            outcomes["pid", default: [:]][key] = .agree
            comparedPids.insert(pid)
            for field in Field.all {
                let value = old[field.name]?["v"]
                guard (value as? NSObject)?.isEqual(new[field.name]?["v"]) ?? (new[field.name]?["v"] == nil) else {
                    outcomes[field.name, default: [:]][key] = .unstable
                    continue
                }
                outcomes[field.name, default: [:]][key] =
                    field.agree(record, host, value)
                    ? .agree
                    : isKnown(field.name, record, value)
                        ? .known : .differ("zscan \(Round.show(record[field.zscanKey])), psutil \(Round.show(value))")
            }
        }
    }

    /// Today's reader: a kernel thread's cwd is null (psutil reads /), an exe keeps " (deleted)".
    private func isKnown(_ field: String, _ record: [String: Any], _ psutil: Any?) -> Bool {
        guard !readerFollowsContract else { return false }
        switch field {
        case "cwd": return record["kernel_thread"] as? Bool == true && Field.isNone(record["cwd"]) && psutil as? String == "/"
        case "exe": return (record["exe"] as? String).map { $0 == (psutil as? String ?? "") + " (deleted)" } ?? false
        default: return false
        }
    }

    var differences: [(field: String, key: String, reason: String)] {
        var list: [(String, String, String)] = []
        for (field, byKey) in outcomes.sorted(by: { $0.key < $1.key }) {
            for (key, outcome) in byKey.sorted(by: { $0.key < $1.key }) {
                if case .differ(let reason) = outcome { list.append((field, key, reason)) }
            }
        }
        return list
    }

    /// A difference that some later round does not show again (the value changed between reads
    /// and back, or the process is gone) was churn: it counts as unstable.
    mutating func keepPersistentDifferences(seenIn later: [Round]) {
        for (field, key, _) in differences {
            let persists = later.allSatisfy { round in
                if case .differ = round.outcomes[field]?[key] { return true }
                return false
            }
            if !persists { outcomes[field]?[key] = .unstable }
        }
    }

    var table: String {
        var lines = [
            "psutil \(psutilVersion) and zscan snapshot: \(compared) processes in both tools' reads"
                + " (\(appearedOrVanished) appeared or vanished meanwhile; this test's own process \(excludedPid) left out:"
                + " it starts the readers, so its descriptors and threads change while they read)",
            "| field | compared | agree | differ | known | unstable | agreement | rule |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name in ["pid"] + Field.all.map(\.name) {
            let values = Array((outcomes[name] ?? [:]).values)
            func count(_ test: (Outcome) -> Bool) -> Int { values.filter(test).count }
            let agree = count { if case .agree = $0 { return true } else { return false } }
            let differ = count { if case .differ = $0 { return true } else { return false } }
            let known = count { if case .known = $0 { return true } else { return false } }
            let unstable = count { if case .unstable = $0 { return true } else { return false } }
            let compared = agree + differ + known
            let rate = compared == 0 ? "-" : String(format: "%.1f%%", Double(agree) * 100 / Double(compared))
            let rule = name == "pid" ? "in psutil's reads before and after: in zscan's" : Field.all.first { $0.name == name }!.rule
            lines.append("| \(name) | \(compared) | \(agree) | \(differ) | \(known) | \(unstable) | \(rate) | \(rule) |")
        }
        if !readerFollowsContract {
            lines.append(
                "known: until the Linux reader change lands, a kernel thread's cwd is null (psutil: /) and an exe"
                    + " keeps ' (deleted)' (psutil strips it when no such file exists)")
        }
        return lines.joined(separator: "\n")
    }

    static func show(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        return value is String ? "'\(value)'" : "\(value)"
    }
}

/// A copy of `sleep` run from a temporary directory and deleted while it runs, so its `exe` link
/// reads "PATH (deleted)"; ended by its pid.
private final class DeletedBinary {
    let process = Process()
    let path: String
    var pid: Int32 { process.processIdentifier }

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-deleted-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("sleep").path
        let source = ["/usr/bin/sleep", "/bin/sleep"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/bin/sleep"
        try FileManager.default.copyItem(atPath: source, toPath: path)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["120"]
        try process.run()
        // exec has happened once /proc/PID/exe names the copy.
        let deadline = Date().addingTimeInterval(5)
        while (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) != path && Date() < deadline {
            usleep(1000)
        }
        try FileManager.default.removeItem(at: directory)
    }

    func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        process.waitUntilExit()
    }
}
