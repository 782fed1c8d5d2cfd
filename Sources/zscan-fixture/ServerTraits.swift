import Glibc

/// What the server of a provenance mode does to itself before it reports ready: the traces that
/// tell a process left behind from one detached on purpose (SIGHUP ignored, the daemon(3)
/// conventions, a PID file, a lock, a CI job's environment, an output pipe).
struct ServerTraits {
    var port: Int?
    var address: BindAddress
    var proto: Proto
    /// nohup: SIGHUP set to SIG_IGN (bit 0 of `SigIgn`), which execve keeps.
    var ignoresHangup = false
    /// daemon(3): cwd `/` and standard streams on /dev/null.
    var conventions = false
    /// Writes its own pid to this file (its directory is made if missing).
    var pidFile: String?
    /// Holds an exclusive flock on this file, created empty if missing.
    var lockFile: String?
    /// `VAR=value` entries for its environment. /proc/PID/environ shows only what execve was
    /// given, so a server with these re-executes itself (`IdleImage`).
    var environment: [String] = []
    /// Standard output and error go to this descriptor (a pipe's write end), which is then closed.
    var output: Int32?
    /// The handle's process name, which the server takes back from the role its parent played.
    var comm: [UInt8] = []

    /// In a child: applies everything but the environment, in an order where relative paths
    /// still mean the caller's directory.
    func apply() throws(FixtureError) {
        if !comm.isEmpty { try ProcessIdentity.setComm(comm) }
        if ignoresHangup { signal(SIGHUP, SIG_IGN) }
        if let pidFile {
            let fd = try ServerTraits.open(pidFile)
            defer { close(fd) }
            guard ftruncate(fd, 0) == 0, Output.writeAll(fd, Array("\(getpid())\n".utf8)) else {
                throw .system("write \(pidFile)")
            }
        }
        if let lockFile {
            // Kept open (and inherited across execve) for the whole life of the server.
            let fd = try ServerTraits.open(lockFile)
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw .system("flock \(lockFile)") }
        }
        if let output {
            dup2(output, 1)
            dup2(output, 2)
            close(output)
        }
        if conventions {
            guard chdir("/") == 0 else { throw .system("chdir /") }
            let devNull = Glibc.open("/dev/null", O_RDWR)
            guard devNull >= 0 else { throw .system("open /dev/null") }
            for fd in Int32(0)...2 { dup2(devNull, fd) }
            if devNull > 2 { close(devNull) }
        }
    }

    /// Opens (creating) a file for the server, making its directory first if needed.
    private static func open(_ path: String) throws(FixtureError) -> Int32 {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let directory = String(path[..<slash])
            if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw .system("mkdir \(directory)") }
        }
        let fd = Glibc.open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw .system("open \(path)") }
        return fd
    }
}

extension Fixture {
    /// The server options every provenance mode shares.
    func serverTraits() throws(FixtureError) -> ServerTraits {
        let (address, proto) = try endpoint()
        var traits = ServerTraits(port: try options.optionalInt("--listen", in: 0...65535), address: address, proto: proto)
        traits.comm = (readSmallFile("/proc/self/comm") ?? []).filter { $0 != UInt8(ascii: "\n") }
        traits.ignoresHangup = options.has("--nohup")
        traits.conventions = options.has("--conventions")
        traits.pidFile = options.values["--pidfile"]
        traits.lockFile = options.values["--lock"]
        if let entry = options.values["--env"] {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw .usage("--env needs VAR=VALUE")
            }
            traits.environment = [entry]
        }
        return traits
    }
}

extension Context {
    /// In a child: binds, applies the traits, reports ready with the port (or -1), closes
    /// `thenClose` (a readiness pipe its parent waits on), and idles until the lifeline ends.
    func becomeServer(_ traits: ServerTraits, thenClose: Int32 = -1) -> Never {
        let port = bindInChild(traits.port, traits.address, traits.proto)
        do throws(FixtureError) {
            try traits.apply()
        } catch {
            report.fail(error)
        }
        finishReady(value: port, environment: traits.environment, thenClose: thenClose)
    }

    /// Reports ready and idles; with `environment`, re-executes first so /proc shows it.
    func finishReady(value: Int32, environment: [String], thenClose: Int32 = -1) -> Never {
        guard environment.isEmpty else {
            IdleImage.exec(self, environment: environment, value: value, thenClose: thenClose)
        }
        var context = self
        context.reportReady(value: value)
        if thenClose >= 0 { close(thenClose) }
        lifeline.idle()
    }
}
