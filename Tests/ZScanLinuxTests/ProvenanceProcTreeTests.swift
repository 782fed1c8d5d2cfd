import Foundation
import XCTest
@testable import ZScanCore
@testable import ZScanLinux
import ZScanTestSupport

/// Provenance from systemd's cgroups, in fake procfs trees (a live test machine has no systemd):
/// which unit a process runs in says whether init could have started it.
final class ProvenanceProcTreeTests: XCTestCase {
    static let user = "/user.slice/user-1000.slice"

    func collect(_ tree: ProcTree) throws -> Snapshot {
        try LinuxSnapshotSource(procRoot: tree.path, passwdPath: tree.path + "/passwd").collect(what: .standard)
    }

    /// systemd as init, one system service, one login session, and a user manager with an app
    /// scope and a user service.
    func systemdTree() throws -> ProcTree {
        let tree = try ProcTree()
        try tree.addProcess(pid: 1, ppid: 0, sid: 1, comm: Array("systemd".utf8), uid: 0, cgroup: "/init.scope")
        try tree.addProcess(
            pid: 300, ppid: 1, sid: 300, comm: Array("nginx".utf8), cmdline: Array("nginx: master process\0".utf8), uid: 0,
            cgroup: "/system.slice/nginx.service")
        // A helper the service started that left its session (double fork), adopted by init.
        try tree.addProcess(
            pid: 310, ppid: 1, pgid: 305, sid: 305, comm: Array("helper".utf8), uid: 0, cgroup: "/system.slice/nginx.service")
        try tree.addProcess(
            pid: 400, ppid: 1, sid: 400, comm: Array("python3".utf8),
            cmdline: Array("python3\0-m\0uvicorn\0app:app\0--port\08001\0".utf8),
            cgroup: Self.user + "/session-3.scope", stdio: ["/dev/null", "/dev/pts/0", "/dev/pts/0"])
        try tree.addProcess(
            pid: 450, ppid: 1, sid: 450, comm: Array("systemd".utf8), cmdline: Array("/lib/systemd/systemd\0--user\0".utf8),
            cgroup: Self.user + "/user@1000.service/init.scope")
        try tree.addProcess(
            pid: 460, ppid: 450, sid: 460, comm: Array("pipewire".utf8),
            cgroup: Self.user + "/user@1000.service/session.slice/pipewire.service")
        try tree.addProcess(
            pid: 500, ppid: 450, sid: 500, comm: Array("foo".utf8),
            cgroup: Self.user + "/user@1000.service/app.slice/app-foo.scope", stdio: ["/dev/null", "/dev/null", "/dev/null"])
        return tree
    }

    func testSystemdUnitsSayWhoStartedAProcess() throws {
        let snapshot = try collect(try systemdTree())
        let nginx = try XCTUnwrap(snapshot.process(pid: 300))
        XCTAssertEqual(nginx.adopted, false, "a service's main process leads its own session under init: a daemon")
        XCTAssertFalse(nginx.orphaned)
        XCTAssertEqual(nginx.evidence, ["leads its own session under init (1), with no sign its starter died: a daemon"])

        let helper = try XCTUnwrap(snapshot.process(pid: 310))
        XCTAssertEqual(helper.adopted, true)
        XCTAssertEqual(helper.detached, true, "a *.service unit is deliberate")
        XCTAssertFalse(helper.orphaned)
        XCTAssertEqual(Array(helper.evidence.prefix(2)), ["parent exited; now init (1)", "session leader (305) is gone"])
        XCTAssertTrue(helper.evidence.contains("runs as systemd service nginx.service"), "\(helper.evidence)")

        let login = try XCTUnwrap(snapshot.process(pid: 400))
        XCTAssertEqual(login.adopted, true, "init starts nothing in a login session")
        XCTAssertEqual(
            Array(login.evidence.prefix(2)),
            ["leads its own session; parent is now init (1)", "in login session session-3.scope, where init starts nothing"])

        let manager = try XCTUnwrap(snapshot.process(pid: 450))
        XCTAssertEqual(manager.adopted, false, "systemd --user is a subreaper, not a leftover")
        XCTAssertFalse(manager.orphaned)

        let userService = try XCTUnwrap(snapshot.process(pid: 460))
        XCTAssertEqual(userService.adopted, false, "a user service leads its own session under systemd --user: a daemon")
        XCTAssertEqual(userService.evidence, ["leads its own session under systemd (450), with no sign its starter died: a daemon"])

        let app = try XCTUnwrap(snapshot.process(pid: 500))
        XCTAssertEqual(app.adopted, true)
        XCTAssertEqual(
            Array(app.evidence.prefix(2)),
            ["leads its own session; parent is now systemd (450)", "in user app scope app-foo.scope, where init starts nothing"])
        XCTAssertNotEqual(app.detached, true, "user@N.service is the user's manager, not a service of its own")
    }

    /// Needs the collector to read the candidates' standard streams (`FieldSet.provenance`): a
    /// login session's server on a terminal is orphaned, an app scope's on /dev/null with cwd /srv too.
    func testLoginSessionAndAppScopeProcessesAreOrphaned() throws {
        let snapshot = try collect(try systemdTree())
        let login = try XCTUnwrap(snapshot.process(pid: 400))
        XCTAssertEqual(login.stdio, ["/dev/null", "/dev/pts/0", "/dev/pts/0"])
        XCTAssertEqual(login.detached, false)
        XCTAssertTrue(login.orphaned)
        let app = try XCTUnwrap(snapshot.process(pid: 500))
        XCTAssertEqual(app.detached, false, "stdio on /dev/null alone is how scripts background a server")
        XCTAssertTrue(app.orphaned)
        XCTAssertNil(snapshot.process(pid: 300)?.detached, "not adopted: nothing to detach from")
    }
}
