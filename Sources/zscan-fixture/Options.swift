/// The parsed command line: global options, the mode, and the mode's own options.
struct Options {
    var mode: String?
    var timeToLive = 600.0
    /// Raw bytes for /proc/self/comm (from --name or --name-hex).
    var name: [UInt8]?
    /// Raw bytes of --argv (words separated by single spaces).
    var fakeArgv: [UInt8]?
    /// Indices in the raw argument list taken by --argv and its value, dropped at re-exec.
    var fakeArgvIndices: [Int] = []
    var title: [UInt8]?
    var help = false
    /// --ignore-term: every process the fixture makes (not the handle) ignores SIGTERM.
    var ignoreTerm = false
    /// Mode options with values, keyed by option name ("--count").
    var values: [String: String] = [:]
    /// Mode flags that are present ("--udp").
    var flags: Set<String> = []

    /// Options every mode accepts; each takes a value.
    static let globalValued: Set<String> = ["--marker", "--pad", "--ttl", "--name", "--name-hex", "--argv", "--argv-hex", "--title"]
    /// Flags every mode accepts.
    static let globalFlags: Set<String> = ["--ignore-term"]

    /// The server options of the provenance modes (`ServerTraits`), with values and flags.
    static let serverValued: Set<String> = ["--listen", "--host", "--pidfile", "--lock", "--env"]
    static let serverFlags: Set<String> = ["--udp", "--nohup", "--conventions"]

    /// Per mode: the options that take a value, and the flags.
    static let modes: [String: (valued: Set<String>, flags: Set<String>)] = [
        "sleep": ([], []),
        "zombies": (["--count"], []),
        "orphan": (serverValued.union(["--zombies"]), serverFlags.union(["--keep-session"])),
        "daemon": (["--listen", "--host"], ["--udp", "--clean", "--conventions"]),
        "attached": (["--listen", "--host"], ["--udp"]),
        "listen": (["--port", "--host", "--share", "--count"], ["--udp"]),
        "stopped-listener": (["--port", "--host"], ["--udp"]),
        "spin": (["--seconds"], []),
        "tree": (["--depth", "--width"], []),
        "forker": (["--interval-ms"], []),
        "escaper": (["--interval-ms"], ["--own-group"]),
        "population": (["--count", "--listeners", "--fds", "--zombies", "--stopped"], []),
        "script-leak": (serverValued, serverFlags),
        "harness-killed": (serverValued, serverFlags),
        "job": (serverValued, serverFlags.union(["--keep-parent", "--job-alive"])),
        "session-daemon": (["--panes"], []),
    ]

    static let usage = """
        usage: zscan-fixture MODE [MODE OPTIONS] [GLOBAL OPTIONS]

        Creates real process situations for tests, prints one JSON line on stdout when ready,
        then ends everything it made on SIGTERM/SIGINT/SIGHUP or after --ttl seconds.
        Errors go to stderr with exit status 2.

        modes and their JSON:
          sleep                                   {"pid"}
          zombies [--count N=1]                   {"pid","zombies":[...]}
          orphan [SERVER OPTIONS] [--keep-session] [--zombies N=0]
                                                  {"pid","orphan","session_leader","port"|null,"zombies":[...]}
          daemon [--listen PORT] [--udp] [--host ADDR=127.0.0.1] [--clean] [--conventions]
                                                  {"pid","daemon","port"|null}
          attached [--listen PORT] [--udp] [--host ADDR=127.0.0.1]
                                                  {"pid","session_leader","process","port"|null}
          listen [--port P=0] [--count N=1] [--share K=0] [--udp] [--host ADDR=127.0.0.1]
                                                  {"pid","ports":[...],"workers":[...],"proto","host"}
          stopped-listener [--port P=0] [--udp] [--host ADDR=127.0.0.1]
                                                  {"pid","listener","port"}
          spin [--seconds S]                      {"pid","spinner"}
          tree [--depth D=1] [--width W=1]        {"pid","nodes":[{"pid","ppid","depth"},...]}
          forker [--interval-ms M=20]             {"pid","forker"}
          escaper [--interval-ms M=20] [--own-group]
                                                  {"pid","escaper","pgid"}
          population [--count N=100] [--listeners L=50] [--fds K=4] [--zombies Z=0] [--stopped S=0]
                                                  {"pid","pgid","count","ports":[...],"zombies":[...],"stopped":[...]}
          script-leak [SERVER OPTIONS]            {"pid","session_leader","server","port"|null}
          harness-killed [SERVER OPTIONS]         {"pid","harness","server","port"|null}
          job [SERVER OPTIONS] [--keep-parent] [--job-alive]
                                                  {"pid","agent","job_shell"|null,"job_step"|null,"server","port"|null}
          session-daemon [--panes N=0]            {"pid","daemon","panes":[...],"commands":[...]}
        Port 0 means an ephemeral port; listen --count N with P > 0 uses ports P...P+N-1.
        daemon: double-forks D (setsid), prints its JSON line and exits 0 at once, leaving D alive
        until --ttl (a command that leaks a daemon); --clean ends D first (one that cleans up).
        orphan --zombies N: once ready, the orphan forks N children that exit at once and never
        reaps them, so it is an orphaned parent of N zombies (all in state Z before the JSON line).
        daemon --conventions: D also moves to / (its standard streams are on /dev/null already).
        population: N idle children with K extra fds each, the first L holding a TCP listener on
        127.0.0.1; --zombies Z more that exit at once and are never waited for (state Z) and
        --stopped S more that stop themselves with SIGSTOP (state T). All of them are children of
        the handle in its process group and end with it (SIGTERM, SIGINT, SIGHUP or --ttl).
        script-leak: a terminal's shell S (setsid, "bash", stays) runs a script ("sh") that starts
        the server L in the background and exits, so L is adopted while its session leader lives.
        harness-killed: a harness H ("pytest") starts L with setsid, L's stdout and stderr on a
        pipe H holds; the fixture SIGKILLs H, so L leads its own session and nobody reads it.
        job: a CI agent A (setsid, "Runner.Worker", stays) runs a job shell J that starts L and
        exits (L adopted while A lives); --env gives the job's cookie to L, and to J and K.
        --keep-parent: J stays, so L keeps its live parent. --job-alive: A also runs K, another
        step of the same job that stays, so the job still runs.
        session-daemon: D calls setsid, puts stdio on /dev/null and keeps its cwd; its starter
        exits (ssh-agent). --panes N: D runs N panes, each leading its own session with one
        command in it (a tmux server).
        In these modes the processes that play a role carry its name (bash, sh, pytest,
        Runner.Worker); the server keeps the fixture's own (--name, --argv).

        server options (orphan's O and the server L of script-leak, harness-killed, job):
          --listen PORT     bind a TCP listener (0: ephemeral) on --host ADDR=127.0.0.1 (--udp: UDP)
          --nohup           ignore SIGHUP
          --conventions     daemon(3) conventions: cwd /, stdin, stdout and stderr on /dev/null
          --pidfile PATH    write its pid to PATH (its directory is made if missing)
          --lock PATH       hold an exclusive flock on PATH (created empty if missing)
          --env VAR=VALUE   carry VAR=VALUE in its environment: it re-executes itself, since
                            /proc/PID/environ shows only what execve was given

        global options (before or after the mode; also as --option=value):
          --marker STR      ignored; stays in the command line so tests can find their processes
          --pad STR         ignored; room in the argv area for --title
          --ttl SECONDS     end everything after this long (default 600)
          --name NAME       process name (comm) of everything, max 15 bytes
          --name-hex HEX    the same as raw bytes in hex (e.g. 1b5b33316d, fffe)
          --argv "WORDS"    re-exec so the command line starts with WORDS (split on single spaces);
                            comm becomes the base name of the first word unless --name is given
          --argv-hex HEX    the same as raw bytes in hex (20 separates words; no 00)
          --title STR       overwrite the argv area in place with STR (setproctitle style)
          --ignore-term     every process the fixture makes (not the handle) ignores SIGTERM, so
                            a cleanup tool must escalate to SIGKILL; SIGTERM to the handle still
                            ends everything (its teardown uses SIGKILL)

        """

    /// Parses raw arguments from `start` on (arguments before it are fake --argv words).
    static func parse(_ arguments: [[UInt8]], from start: Int) throws(FixtureError) -> Options {
        var options = Options()
        let allValued = Options.modes.values.reduce(into: Set<String>()) { $0.formUnion($1.valued) }
        let allFlags = Options.modes.values.reduce(into: Set<String>()) { $0.formUnion($1.flags) }
        var index = start
        while index < arguments.count {
            let raw = arguments[index]
            let text = String(decoding: raw, as: UTF8.self)
            let taken = index
            index += 1
            if text == "-h" || text == "--help" {
                options.help = true
                continue
            }
            guard text.hasPrefix("--") else {
                guard options.mode == nil else { throw .usage("unexpected argument: \(text)") }
                options.mode = text
                continue
            }
            // "--key=value" or "--key value"; the value stays raw bytes for names and titles.
            let key: String
            var value: [UInt8]?
            if let equals = raw.firstIndex(of: UInt8(ascii: "=")) {
                key = String(decoding: raw[..<equals], as: UTF8.self)
                value = Array(raw[(equals + 1)...])
            } else {
                key = text
            }
            if globalFlags.contains(key) {
                guard value == nil else { throw .usage("\(key) takes no value") }
                options.ignoreTerm = true
                continue
            }
            if allFlags.contains(key) {
                guard value == nil else { throw .usage("\(key) takes no value") }
                options.flags.insert(key)
                continue
            }
            guard globalValued.contains(key) || allValued.contains(key) else {
                throw .usage("unknown option: \(key)")
            }
            if value == nil {
                guard index < arguments.count else { throw .usage("\(key) needs a value") }
                value = arguments[index]
                index += 1
            }
            try options.store(key, value!, indices: Array(taken..<index))
        }
        return options
    }

    /// Stores one option with its raw value.
    private mutating func store(_ key: String, _ value: [UInt8], indices: [Int]) throws(FixtureError) {
        let text = String(decoding: value, as: UTF8.self)
        switch key {
        case "--marker", "--pad":
            break
        case "--ttl":
            guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
                throw .usage("--ttl needs a positive number of seconds")
            }
            timeToLive = seconds
        case "--name":
            guard !value.isEmpty else { throw .usage("--name needs a non-empty value") }
            name = value
        case "--name-hex":
            guard let bytes = decodeHex(text), !bytes.isEmpty else {
                throw .usage("--name-hex needs an even number of hex digits")
            }
            name = bytes
        case "--argv":
            fakeArgv = value
            fakeArgvIndices = indices
        case "--argv-hex":
            guard let bytes = decodeHex(text), !bytes.isEmpty, !bytes.contains(0) else {
                throw .usage("--argv-hex needs an even number of hex digits, no 00")
            }
            fakeArgv = bytes
            fakeArgvIndices = indices
        case "--title":
            title = value
        default:
            values[key] = text
        }
    }

    /// Checks that a known mode was given and that only its own options were used.
    func validated() throws(FixtureError) -> Options {
        guard let mode else { throw .usage("missing mode") }
        guard let allowed = Options.modes[mode] else { throw .usage("unknown mode: \(mode)") }
        for key in values.keys.sorted() where !allowed.valued.contains(key) {
            throw .usage("\(key) is not an option of \(mode)")
        }
        for key in flags.sorted() where !allowed.flags.contains(key) {
            throw .usage("\(key) is not an option of \(mode)")
        }
        return self
    }

    /// An integer mode option within `range`, or `fallback` when absent.
    func int(_ key: String, default fallback: Int?, in range: ClosedRange<Int>) throws(FixtureError) -> Int {
        guard let text = values[key] else {
            guard let fallback else { throw .usage("\(mode ?? "") needs \(key)") }
            return fallback
        }
        guard let number = Int(text), range.contains(number) else {
            throw .usage("\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// An optional integer mode option within `range`.
    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(FixtureError) -> Int? {
        values[key] == nil ? nil : try int(key, default: nil, in: range)
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }
}

/// Decodes "1b5b33" into bytes; nil for odd length or non-hex characters.
func decodeHex(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = 0
    while index < digits.count {
        guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
        index += 2
    }
    return bytes
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    default: return nil
    }
}
