import Foundation
import XCTest
@testable import ZScanCore
@testable import ZScanLinux

/// Where PID files are found without flags: the default locations (relative ones under a chosen
/// working directory, the runtime directory from an injected environment), directories reached
/// twice, the budget on directory entries. Nothing here touches the real /run or /var/run.
final class PidFileSearchTests: XCTestCase {
    private var tree: PidFileTree!

    override func setUpWithError() throws { tree = try PidFileTree() }
    override func tearDown() { tree = nil }

    private func paths(_ records: [PidFileRecord]) -> [String] { records.map(\.path) }

    /// The default locations that are not the system's (/run, /var/run): those are searched too,
    /// but what they hold on this machine is not the test's.
    private func projectDefaults(runtime: String?) -> [String] {
        let environment = runtime.map { ["XDG_RUNTIME_DIR": $0] } ?? [:]
        return PidFileLocations.resolve(PidFileLocations.defaults, environment: environment).filter { !$0.hasPrefix("/run/") && !$0.hasPrefix("/var/run/") }
    }

    func testDefaultsFindProjectAndRuntimePidFiles() throws {
        try tree.write("project/.run/web.pid", "11\n")
        try tree.write("project/tmp/pids/server.pid", "12\n")
        try tree.write("project/tmp/pids/deeper/no.pid", "13\n")
        try tree.write("project/web.pid", "14\n")
        try tree.write("runtime/app.pid", "15\n")
        try tree.write("runtime/svc/svc.pid", "16\n")
        try tree.write("runtime/svc/deeper/no.pid", "17\n")
        try tree.write("runtime/.hidden.pid", "18\n")
        try tree.write("runtime/.hidden/no.pid", "19\n")
        let locations = projectDefaults(runtime: tree.path("runtime"))
        XCTAssertEqual(
            locations,
            [tree.path("runtime") + "/*.pid", tree.path("runtime") + "/*/*.pid", "tmp/pids/*.pid", ".run/*.pid"])
        let reader = PidFileReader(workingDirectory: tree.path("project"))
        let (records, problems) = reader.read(globs: [], locations: locations, snapshot: PidFileTree.snapshot())
        XCTAssertEqual(problems, [])
        XCTAssertEqual(
            paths(records),
            [".run/web.pid", tree.path("runtime/app.pid"), tree.path("runtime/svc/svc.pid"), "tmp/pids/server.pid"])
        XCTAssertEqual(records.map(\.pid), [11, 15, 16, 12])
        XCTAssertTrue(records.allSatisfy { $0.identity != nil && $0.directory != nil })
    }

    func testRuntimeDirectoryComesFromTheEnvironment() {
        let defaults = PidFileLocations.defaults
        XCTAssertFalse(PidFileLocations.resolve(defaults, environment: [:]).contains { $0.contains("XDG") }, "no runtime directory: nothing to search")
        XCTAssertFalse(PidFileLocations.resolve(defaults, environment: ["XDG_RUNTIME_DIR": ""]).contains { $0.contains("XDG") })
        XCTAssertFalse(PidFileLocations.resolve(defaults, environment: ["XDG_RUNTIME_DIR": "relative"]).contains { $0.contains("relative") })
        XCTAssertEqual(
            PidFileLocations.resolve(
                ["$XDG_RUNTIME_DIR/*.pid", "~/x/*.pid", "$OTHER", "/a/$B/*.pid"], environment: ["XDG_RUNTIME_DIR": "/run/user/1000", "HOME": "/h[1]"]),
            ["/run/user/1000/*.pid", "/h\\[1\\]/x/*.pid", "/a/$B/*.pid"])
    }

    func testInAnotherPidNamespaceOnlyTheProjectIsSearchedByDefault() throws {
        try tree.link("initial", to: "pid:[4026531836]")
        try tree.link("container", to: "pid:[4026532175]")
        XCTAssertEqual(PidFileLocations.defaultsHere(namespaceLink: tree.path("initial")), PidFileLocations.defaults)
        XCTAssertEqual(PidFileLocations.defaultsHere(namespaceLink: tree.path("container")), ["tmp/pids/*.pid", ".run/*.pid"])
        XCTAssertEqual(PidFileLocations.defaultsHere(namespaceLink: tree.path("missing")), PidFileLocations.defaults, "no PID namespaces")
        try tree.write("unreadable", "")
        XCTAssertEqual(PidFileLocations.defaultsHere(namespaceLink: tree.path("unreadable")), PidFileLocations.project, "not a link: unknown")
    }

    func testNoLocationsNoSearch() throws {
        try tree.write(".run/a.pid", "1\n")
        let (records, problems) = tree.reader.read(globs: [], locations: [], snapshot: PidFileTree.snapshot())
        XCTAssertEqual(records, [])
        XCTAssertEqual(problems, [])
    }

    func testDirectoryReachedTwiceIsSearchedOnce() throws {
        // /var/run is a link to /run on most systems: its files are found once, under one name,
        // and its entries are read once (the budget covers exactly one reading of each directory).
        try tree.write("run/a.pid", "1\n")
        try tree.write("run/svc/b.pid", "2\n")
        try tree.directory("var")
        try tree.link("var/run", to: "../run")
        let locations = ["run/*.pid", "run/*/*.pid", "var/run/*.pid", "var/run/*/*.pid", "run/a.pid"]
        let reader = PidFileReader(workingDirectory: tree.root, searchBudget: 3)
        let (records, problems) = reader.read(globs: [], locations: locations, snapshot: PidFileTree.snapshot())
        XCTAssertEqual(problems, [])
        XCTAssertEqual(paths(records), ["run/a.pid", "run/svc/b.pid"])
    }

    func testWildcardsDoNotFollowLinksToDirectories() throws {
        try tree.write("elsewhere/far.pid", "1\n")
        try tree.write("run/real/near.pid", "2\n")
        try tree.link("run/link", to: tree.path("elsewhere"))
        let (records, problems) = tree.reader.read(globs: [], locations: ["run/*/*.pid"], snapshot: PidFileTree.snapshot())
        XCTAssertEqual(problems, [])
        XCTAssertEqual(paths(records), ["run/real/near.pid"])
    }

    func testBudgetStopsTheSearchAndSaysSo() throws {
        try tree.directory("big")
        for i in 0..<50 { try tree.write(String(format: "big/f%02d.txt", i), "") }
        try tree.write("small/a.pid", "1\n")
        let locations = ["small/*.pid", "big/*.pid", "small/*/*.pid"]
        let enough = PidFileReader(workingDirectory: tree.root, searchBudget: 51).read(globs: [], locations: locations, snapshot: PidFileTree.snapshot())
        XCTAssertEqual(enough.problems, [])
        XCTAssertEqual(paths(enough.pidfiles), ["small/a.pid"])

        let short = PidFileReader(workingDirectory: tree.root, searchBudget: 20).read(globs: [], locations: locations, snapshot: PidFileTree.snapshot())
        XCTAssertEqual(short.problems, ["PID file search stopped after 20 directory entries"])
        XCTAssertEqual(paths(short.pidfiles), ["small/a.pid"], "what was found before the budget ran out is kept")

        var search = PidFileSearch(budget: 10, base: AT_FDCWD)
        search.search(tree.path("big") + "/*")
        XCTAssertTrue(search.exhausted)
        XCTAssertEqual(search.budget, 0)
        XCTAssertEqual(search.found.count, 10)
    }

    func testFileNamedByAGlobAndFoundInALocationIsReadOnce() throws {
        try tree.write(".run/a.pid", "1\n")
        let (records, problems) = tree.reader.read(
            globs: [tree.path(".run/a.pid")], locations: [".run/*.pid", tree.path(".run") + "/*.pid"], snapshot: PidFileTree.snapshot())
        XCTAssertEqual(problems, [])
        XCTAssertEqual(records.count, 1)
    }

    func testExplicitGlobsAreNotBudgeted() throws {
        for i in 0..<30 { try tree.write("many/p\(i).pid", "\(i + 1)\n") }
        let reader = PidFileReader(workingDirectory: tree.root, searchBudget: 5)
        let (records, problems) = reader.read(globs: [tree.path("many") + "/*.pid"], locations: [], snapshot: PidFileTree.snapshot())
        XCTAssertEqual(problems, [])
        XCTAssertEqual(records.count, 30)
    }

    func testSearchPassesOverWhatItMayNotReadButGlobsSayWhy() throws {
        try tree.write("run/gone/x.pid", "1\n")
        try tree.write("run/fifo-dir/keep.pid", "2\n")
        XCTAssertEqual(mkfifo(tree.path("run/fifo-dir/pipe.pid"), 0o600), 0)
        // A file found in a location that vanished before it was opened, like one this user may
        // not read, is no news; a FIFO named *.pid is.
        let (records, problems) = tree.reader.read(globs: [], locations: ["run/*/*.pid", "run/gone/y.pid"], snapshot: PidFileTree.snapshot())
        XCTAssertEqual(paths(records), ["run/fifo-dir/keep.pid", "run/gone/x.pid"])
        XCTAssertEqual(problems, ["cannot read run/fifo-dir/pipe.pid: not a regular file"])
    }

    func testUnreadableDirectoriesArePassedOverInSilence() throws {
        guard getuid() != 0 else { throw XCTSkip("root reads every directory") }
        try tree.write("run/closed/x.pid", "1\n")
        try tree.write("run/open/y.pid", "2\n")
        XCTAssertSystem(chmod(tree.path("run/closed"), 0o000))
        defer { chmod(tree.path("run/closed"), 0o755) }
        let (records, problems) = tree.reader.read(globs: [], locations: ["run/*/*.pid", "run/closed/x.pid"], snapshot: PidFileTree.snapshot())
        XCTAssertEqual(paths(records), ["run/open/y.pid"])
        XCTAssertEqual(problems, [])
    }
}
