import Foundation
import XCTest
import ZScanCore
import ZScanTestSupport

/// Rule files built to hurt the loader: 10 MB and 10 000 rules, conditions nested or chained
/// past any stack, macros that expand exponentially, regexes that make backtracking engines
/// run for ages. Each loads within a bounded time and memory, or is refused with exit 2 and a
/// `file:line:col` error with a caret; never a hang, never a crash. The bounds are generous
/// (a debug build on a busy 2-core machine; `Sanitizers.slowdown` times that under a sanitizer);
/// the measured times are in the failure messages.
final class RuleFileAbuseTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-abuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// A rule file with one rule whose condition is `when`.
    func oneRule(_ name: String, when: String, macros: String = "") throws -> String {
        try write(
            name,
            """
            { format_version: 1, macros: { \(macros) },
              rules: [{ id: "abuse", title: "abuse", severity: "warning", tags: ["abuse"], when: "\(when)", message: "{name}" }] }
            """)
    }

    func measured(_ arguments: [String]) throws -> MeasuredRun {
        try MeasuredRun.run(Products.path("zscan"), arguments)
    }

    /// Refused: exit 2 quickly, the first line `PATH:LINE:COL: error: MESSAGE [CODE]` (mentioning
    /// `mentioning`, where the wording is the point), then a caret line.
    func assertRefused(
        _ path: String, _ code: DiagnosticCode, mentioning message: String = "", seconds: Double = 20,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let run = try measured(["rules", "check", "--rules", path])
        XCTAssertEqual(run.result.status, 2, "\(run.result.stderr.prefix(500))", file: file, line: line)
        XCTAssertLessThan(run.seconds, seconds * Sanitizers.slowdown, file: file, line: line)
        let lines = run.result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        let first = String(lines.first ?? "")
        XCTAssertNotNil(first.wholeMatch(of: /.+:[0-9]+:[0-9]+: error: .+/), first, file: file, line: line)
        XCTAssertTrue(
            first.hasPrefix(path + ":") && first.hasSuffix(" [\(code.rawValue)]") && (message.isEmpty || first.contains(message)), first, file: file, line: line
        )
        XCTAssertTrue(lines.count > 2 && lines[2].trimmingCharacters(in: .whitespaces) == "^", "\(lines.prefix(3))", file: file, line: line)
    }

    func testTenThousandRulesInTenMegabytesLoadAndScanInBoundedTimeAndMemory() throws {
        var text = "// 10 000 rules of about 1 KB each\n{ format_version: 1, rules: [\n"
        let padding = String(repeating: "x", count: 800)
        for index in 0..<10_000 {
            text += """
                  { id: "bulk_\(index)", title: "bulk rule \(index) \(padding)", severity: "warning", tags: ["bulk"],
                    when: "name == 'bulk-\(index)' && cmdline matches '^(a+)+$|--port[= ]\(index)\\\\\\\\b'",
                    message: "{name} ({pid}) is bulk \(index)",
                    examples: { match: [{ name: "bulk-\(index)", cmdline: "aaaa" }], no_match: [{ name: "other" }] } },

                """
        }
        text += "] }\n"
        let path = try write("bulk.json5", text)
        XCTAssertGreaterThan(text.utf8.count, 10_000_000)

        let check = try measured(["rules", "check", "--rules", path])
        XCTAssertEqual(check.result.status, 0, check.result.stderr)
        XCTAssertNotNil(check.result.stdout.firstMatch(of: /^ok: 100[0-9]{2} rules in [0-9]+ files, 200[0-9]{2} examples hold/), check.result.stdout)
        XCTAssertLessThan(check.seconds, 60 * Sanitizers.slowdown, "10 000 rules took \(check.seconds) s to check")
        if let rss = check.maxRSSKiB, !Sanitizers.active { XCTAssertLessThan(rss, 512 * 1024, "10 000 rules took \(rss) KiB") }

        let scan = try measured(["--rules", path, "--only", "bulk", "--format", "json", "--fail-on", "none"])
        XCTAssertEqual(scan.result.status, 0, scan.result.stderr)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(scan.result.stdoutBytes)))
        XCTAssertLessThan(scan.seconds, 60 * Sanitizers.slowdown, "10 000 rules took \(scan.seconds) s to scan")

        // The same rules each with an error: 10 000 diagnostics, each rendered from its own line.
        let broken = try write("broken.json5", text.replacingOccurrences(of: "\\\\\\\\b", with: "\\\\b"))
        let errors = try measured(["rules", "check", "--rules", broken])
        XCTAssertEqual(errors.result.status, 2, errors.result.stderr.prefix(300).description)
        XCTAssertEqual(errors.result.stderr.components(separatedBy: " [invalid_condition]\n").count - 1, 10_000, errors.result.stderr.prefix(300).description)
        XCTAssertLessThan(errors.seconds, 30 * Sanitizers.slowdown, "10 000 errors took \(errors.seconds) s")
    }

    func testAFileOverSixteenMegabytesIsRefusedUnread() throws {
        let path = try write("huge.json5", "{ format_version: 1, rules: [], pad: \"" + String(repeating: "x", count: 17 << 20) + "\" }\n")
        let run = try measured(["rules", "check", "--rules", path])
        XCTAssertEqual(run.result.status, 2)
        XCTAssertEqual(run.result.stderr, "Error: \(path) is larger than 16 MiB\n")
        if let rss = run.maxRSSKiB, !Sanitizers.active { XCTAssertLessThan(rss, 64 * 1024, "the file was read anyway") }
    }

    func testDeepNestingIsRefusedWithoutExhaustingTheStack() throws {
        let depth = 100_000
        try assertRefused(
            try oneRule("parens.json5", when: String(repeating: "(", count: depth) + "pid == 1" + String(repeating: ")", count: depth)),
            .conditionTooComplex)
        try assertRefused(
            try oneRule("nots.json5", when: String(repeating: "!", count: depth) + "kernel_thread"),
            .conditionTooComplex)
        try assertRefused(
            try oneRule("lists.json5", when: "pid in " + String(repeating: "[", count: depth)),
            .conditionTooComplex)
        try assertRefused(
            try write("json.json5", "{ format_version: 1, rules: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + " }"),
            .json5Syntax)
    }

    func testLongChainsAreRefusedNotOverflowed() throws {
        // Left-deep trees as tall as they are long: 30 000 operands once crashed the checker.
        try assertRefused(
            try oneRule("or.json5", when: (1...30_000).map { "pid == \($0)" }.joined(separator: " || ")),
            .conditionTooComplex, mentioning: "(write a long list of values as 'pid in [1, 2, 3]')")
        try assertRefused(
            try oneRule("and.json5", when: (1...30_000).map { "name != 'n\($0)'" }.joined(separator: " && ")),
            .conditionTooComplex)
        // The advice works: the same 30 000 values as a list load.
        let list = try oneRule("list.json5", when: "pid in [" + (1...30_000).map(String.init).joined(separator: ", ") + "]")
        let run = try measured(["rules", "check", "--rules", list])
        XCTAssertEqual(run.result.status, 0, run.result.stderr.prefix(500).description)
        XCTAssertLessThan(run.seconds, 20 * Sanitizers.slowdown)
    }

    func testMacrosThatExplodeOrChainAreRefused() throws {
        // m_n = m_(n-1) || m_(n-1): 2^59 terms if expanded ("billion laughs").
        let laughs = ["m0: \"pid == 1\""] + (1..<60).map { "m\($0): \"m\($0 - 1) || m\($0 - 1)\"" }
        try assertRefused(
            try oneRule("laughs.json5", when: "m59", macros: laughs.joined(separator: ", ")),
            .conditionTooComplex)
        let chain = ["c0: \"pid == 1\""] + (1..<5_000).map { "c\($0): \"c\($0 - 1) && pid > 0\"" }
        try assertRefused(
            try oneRule("chain.json5", when: "c4999", macros: chain.joined(separator: ", ")),
            .conditionTooComplex)
        try assertRefused(try oneRule("cycle.json5", when: "a", macros: "a: \"b\", b: \"a\""), .invalidCondition, mentioning: "(a -> b -> a)")
    }

    func testPatternsThatMakeBacktrackersExplodeRunInLinearTime() throws {
        // Run against 100 KB command lines in a procfs tree: all a's (every pattern but the last
        // matches), and all a's then '!' (none matches). A backtracking engine needs 2^100000 steps.
        let patterns = ["^(a+)+$", "^(a|aa)*$", "(.*a){20}$", "^(a|a?)+$", "(x+x+)+y"]
        let rules = patterns.enumerated().map { index, pattern in
            "{ id: \"redos_\(index)\", title: \"t\", severity: \"warning\", tags: [\"redos\"], when: \"cmdline matches '\(pattern)'\", message: \"{pid}\" }"
        }
        let path = try write("redos.json5", "{ format_version: 1, rules: [\(rules.joined(separator: ", "))] }")
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, comm: Array("init".utf8), cmdline: Array("/sbin/init\0".utf8), uid: 0)
        let a = String(repeating: "a", count: 100_000)
        try tree.addProcess(pid: 10, ppid: 1, comm: Array("as".utf8), cmdline: Array(a.utf8) + [0])
        try tree.addProcess(pid: 11, ppid: 1, comm: Array("bang".utf8), cmdline: Array((a + "!").utf8) + [0])
        let run = try measured(["--proc-root", tree.path, "--rules", path, "--only", "redos", "--format", "json", "--fail-on", "none"])
        XCTAssertEqual(run.result.status, 0, run.result.stderr)
        XCTAssertLessThan(run.seconds, 20 * Sanitizers.slowdown, "5 patterns on 200 KB of command lines took \(run.seconds) s")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.result.stdoutBytes)) as? [String: Any])
        let found = (json["findings"] as? [[String: Any]] ?? []).map { "\($0["rule"] ?? "") \(($0["process"] as? [String: Any])?["pid"] ?? "")" }
        XCTAssertEqual(found.sorted(), ["redos_0 10", "redos_1 10", "redos_2 10", "redos_3 10"])

        // A pattern whose counted repeats would make a million instructions is refused up front.
        try assertRefused(
            try oneRule("big-regex.json5", when: "cmdline matches '((a{100}){100}){100}'"),
            .invalidRegex)
    }
}
