import Glibc

/// The handle process while it sets up one mode: shared pipes, the tracker, and the options.
struct Fixture {
    var context: Context
    let tracker: Tracker
    let options: Options
    /// Setting up must finish by then (the earlier of --ttl and a fixed limit).
    let setupDeadline: Deadline
    let handlePid: pid_t = getpid()

    /// Creates every process of the chosen mode and returns the JSON to announce.
    mutating func setUp() throws(FixtureError) -> JSON {
        switch options.mode {
        case "sleep": return object([])
        case "zombies": return try runZombies()
        case "orphan": return try runOrphan()
        case "daemon": return try runDaemon()
        case "attached": return try runAttached()
        case "listen": return try runListen()
        case "stopped-listener": return try runStoppedListener()
        case "spin": return try runSpin()
        case "tree": return try runTree()
        case "forker": return try runForker()
        case "escaper": return try runEscaper()
        case "population": return try runPopulation()
        case "script-leak": return try runScriptLeak()
        case "harness-killed": return try runHarnessKilled()
        case "job": return try runJob()
        case "session-daemon": return try runSessionDaemon()
        default: throw .usage("unknown mode: \(options.mode ?? "")")
        }
    }

    /// {"pid":F, ...members}.
    func object(_ members: [(String, JSON)]) -> JSON {
        .object([("pid", .int(Int(handlePid)))] + members)
    }

    /// Polls `condition` every millisecond until it holds; throws at the setup deadline.
    func waitUntil(_ what: String, _ condition: () -> Bool) throws(FixtureError) {
        while !condition() {
            if setupDeadline.hasPassed { throw FixtureError("timed out waiting for \(what)") }
            sleepMillis(1)
        }
    }

    /// The --host option (default 127.0.0.1) and --udp flag.
    func endpoint() throws(FixtureError) -> (address: BindAddress, proto: Proto) {
        (try BindAddress(options.values["--host"] ?? "127.0.0.1"), options.has("--udp") ? .udp : .tcp)
    }
}

extension Context {
    /// In a child: binds the requested port (if any) and returns the real port, or -1 when no
    /// port was asked for. On failure the child explains, reports, and exits.
    func bindInChild(_ port: Int?, _ address: BindAddress, _ proto: Proto) -> Int32 {
        guard let port else { return -1 }
        do throws(FixtureError) {
            return Int32(try Net.bind(address, port: port, proto: proto).port)
        } catch {
            report.fail(error)
        }
    }
}
