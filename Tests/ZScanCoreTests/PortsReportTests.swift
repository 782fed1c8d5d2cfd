import Foundation
import XCTest
@testable import ZScanCore

final class PortsReportTests: XCTestCase {
    private func snapshot() -> Snapshot {
        var s = Snapshot(
            host: HostInfo(), counters: ScanCounters(fdsUnreadable: 1),
            processes: [
                ProcessRecord(
                    pid: 10, ppid: 1, state: "T", name: "uvicorn", cmdline: "python3 -m uvicorn\u{1B}[2J app:app",
                    user: "dev", uid: 1000, age: 130, fds: 5, socketInodes: [100]),
                ProcessRecord(pid: 11, ppid: 10, name: "uvicorn", cmdline: "python3 -m uvicorn app:app", uid: 1000, age: 20, fds: 5, socketInodes: [100]),
            ],
            sockets: [
                SocketRecord(proto: .tcp, localAddress: "127.0.0.1", localPort: 8001, state: "LISTEN", inode: 100),
                SocketRecord(proto: .tcp6, localAddress: "::", localPort: 2024, state: "LISTEN", inode: 200),
                SocketRecord(proto: .udp, localAddress: "0.0.0.0", localPort: 0, state: "UNCONN", inode: 300),
            ])
        s.link()
        return s
    }

    func testTableListsEveryHolderAndEscapesCommands() {
        let report = PortsReport(snapshot: snapshot(), requested: [])
        XCTAssertEqual(
            report.text(width: nil),
            """
            PROTO  ADDRESS    PORT  PID  USER  STATE  AGE  COMMAND
            tcp6   ::         2024  -    -     -      -    (owner not visible: permission denied)
            tcp    127.0.0.1  8001  10   dev   T      2m   python3 -m uvicorn\\e[2J app:app
            tcp    127.0.0.1  8001  11   1000  S      20s  python3 -m uvicorn app:app

            """)
        XCTAssertEqual(report.exitCode, 0)
    }

    func testNamedPortsHeldAndFree() {
        let held = PortsReport(snapshot: snapshot(), requested: [8001, 9000])
        XCTAssertEqual(held.free, [9000])
        XCTAssertEqual(held.exitCode, 1)
        XCTAssertTrue(held.text(width: nil).hasSuffix("port 9000: free (no listening socket)\n"))
        let free = PortsReport(snapshot: snapshot(), requested: [9000])
        XCTAssertEqual(free.text(width: nil), "port 9000: free (no listening socket)\n")
        XCTAssertEqual(free.exitCode, 0)
    }

    func testWidthCutsOnlyTheCommand() {
        let lines = PortsReport(snapshot: snapshot(), requested: [8001]).text(width: 60).split(separator: "\n")
        XCTAssertTrue(lines.allSatisfy { $0.unicodeScalars.count <= 60 }, "\(lines)")
        XCTAssertTrue(lines[1].hasSuffix("…"))
    }

    func testJSONIsParseable() throws {
        let bytes = PortsReport(snapshot: snapshot(), requested: [8001, 9]).json(pretty: false)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        XCTAssertEqual(object["free"] as? [Int], [9])
        let ports = object["ports"] as! [[String: Any]]
        XCTAssertEqual((ports[0]["owners"] as! [[String: Any]]).map { $0["pid"] as! Int }, [10, 11])
    }
}
