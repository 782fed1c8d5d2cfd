import Foundation
import XCTest
import ZScanTestSupport

/// A cleanup scenario, written as a shell script. When `unshare --pid --fork --mount-proc` works
/// (root, as here and on CI), the script is PID 1 of a private PID namespace: only what it starts
/// is visible to zscan, and the kernel ends all of it when the script exits. Elsewhere it runs on
/// this machine, and every zscan call is scoped by the scenario's unique marker all the same.
///
/// The script sees `FIXTURE`, `ZSCAN`, `MARKER`, `CONFIG` (age thresholds of zero) and works in its
/// own directory, with these helpers:
/// - `start NAME MODE ARGS...` starts a fixture in the background and waits for its ready line,
///   kept in `NAME.json`; `field NAME KEY` reads a number from it;
/// - `zscan ARGS...` runs zscan scoped by the marker, with `CONFIG`;
/// - `processes FILE` writes `pid stat start args` of every visible process (`ps`);
/// - `stop NAME` ends a fixture by the pid the script started it with.
struct CleanupSandbox {
    static let isolated: Bool = {
        // ZSCAN_TEST_NO_UNSHARE=1 tries the marker-scoped fallback where namespaces work.
        guard ProcessInfo.processInfo.environment["ZSCAN_TEST_NO_UNSHARE"] == nil,
            FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
        else { return false }
        let out = try? runCapturing("/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", "/bin/sh", "-c", "echo $$"])
        return out?.status == 0 && out?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }()

    let marker = "zscan-cleanup-\(UUID().uuidString.prefix(8))"
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(marker)
        // Not writable by others whatever the umask: zscan refuses PID files in such a directory.
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let config = #"{ thresholds: { orphan_min_age: "0s" } }"#
        try config.write(to: directory.appendingPathComponent("config.json5"), atomically: true, encoding: .utf8)
    }

    static let prelude = #"""
        set -u
        start() {
          name=$1; shift
          "$FIXTURE" "$@" --marker "$MARKER" --ttl 60 > "$name.json" &
          eval "${name}_handle=$!"
          tries=0
          until grep -q '}' "$name.json" 2>/dev/null; do
            tries=$((tries + 1))
            [ "$tries" -lt 1500 ] || { echo "fixture $name did not get ready" >&2; exit 90; }
            sleep 0.01
          done
        }
        field() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1.json"; }
        zscan() { "$ZSCAN" --config "$CONFIG" --pattern "$MARKER" "$@"; }
        processes() { ps -eo pid=,stat=,lstart=,args= > "$1"; }
        stop() { eval "kill \${$1_handle} 2>/dev/null; wait \${$1_handle} 2>/dev/null"; }

        """#

    /// Runs the scenario; returns what the script printed. Fixtures it left running (outside a
    /// namespace) are ended by their handles' pids from their ready lines.
    @discardableResult
    func run(_ body: String, extra: [String: String] = [:]) throws -> ToolResult {
        let script = directory.appendingPathComponent("scenario.sh")
        try (Self.prelude + "cd \"$WORKDIR\"\n" + body).write(to: script, atomically: true, encoding: .utf8)
        var environment = neutralEnvironment
        environment["FIXTURE"] = Products.path("zscan-fixture")
        environment["ZSCAN"] = Products.path("zscan")
        environment["MARKER"] = marker
        environment["CONFIG"] = directory.appendingPathComponent("config.json5").path
        environment["WORKDIR"] = directory.path
        environment.merge(extra) { _, new in new }
        let result: ToolResult
        if Self.isolated {
            result = try runCapturing("/usr/bin/unshare", ["--pid", "--fork", "--mount-proc", "/bin/sh", script.path], environment: environment)
        } else {
            result = try runCapturing("/bin/sh", [script.path], environment: environment)
            endLeftovers()
        }
        XCTAssertNotEqual(result.status, 90, "a fixture did not get ready: \(result.stderr)")
        return result
    }

    /// Outside a namespace: ends fixtures still running, by the handle pid each one reported.
    private func endLeftovers() {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files where file.hasSuffix(".json") {
            guard let object = json(String(file.dropLast(5))), let pid = object["pid"] as? Int else { continue }
            // Only a process still carrying this scenario's marker is ours.
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            if cmdline.contains(marker) { kill(Int32(pid), SIGTERM) }
        }
    }

    func text(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    func json(_ name: String) -> [String: Any]? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(name + ".json")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    func int(_ name: String, _ key: String) -> Int32? { (json(name)?[key] as? Int).map(Int32.init) }
    func ints(_ name: String, _ key: String) -> [Int32] { (json(name)?[key] as? [Int] ?? []).map(Int32.init) }

    /// A zscan JSON report the script wrote to `NAME.json`.
    func report(_ name: String) -> CleanupReport { CleanupReport(json: json(name) ?? [:]) }

    /// `pid stat start args` rows from `processes FILE`, keyed by pid.
    func processes(_ name: String) -> [Int32: ProcessRow] {
        var rows: [Int32: ProcessRow] = [:]
        for line in text(name).split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            // pid, stat, then lstart's five words (e.g. "Sat Nov 21 10:00:00 2026"), then args.
            guard words.count >= 7, let pid = Int32(words[0]) else { continue }
            rows[pid] = ProcessRow(
                pid: pid, stat: String(words[1]), start: words[2...6].joined(separator: " "),
                args: words.dropFirst(7).joined(separator: " "))
        }
        return rows
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

struct ProcessRow: Equatable {
    var pid: Int32
    var stat: String
    var start: String
    var args: String
}

/// The `actions` of a zscan JSON report.
struct CleanupReport {
    var json: [String: Any]

    struct Action {
        var rule: String
        var action: String
        var outcome: String
        var steps: [String]
        var reason: String?
        var pid: Int32?
        var path: String?
    }

    var actions: [Action] {
        (json["actions"] as? [[String: Any]] ?? []).map { a in
            Action(
                rule: a["rule"] as? String ?? "", action: a["action"] as? String ?? "", outcome: a["outcome"] as? String ?? "",
                steps: a["steps"] as? [String] ?? [], reason: a["reason"] as? String,
                pid: ((a["process"] as? [String: Any])?["pid"] as? Int).map(Int32.init), path: a["path"] as? String)
        }
    }

    func action(for pid: Int32) -> Action? { actions.first { $0.pid == pid } }
    func outcome(of pid: Int32) -> String? { action(for: pid)?.outcome }
    var failingCount: Int { (json["summary"] as? [String: Any])?["failing"] as? Int ?? -1 }
}
