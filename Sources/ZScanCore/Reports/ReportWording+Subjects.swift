/// What a finding is about, in words every format shares: the text report's table cells and, for
/// formats without columns (JUnit, GitHub, Markdown), the same cells as one subject line.
extension ReportWording {
    /// The findings of one rule, in the order the scanner produced them.
    struct Group {
        var rule: RuleSummary
        var findings: [Finding]
    }

    /// Groups by rule id, ordered by severity (error first) and then by rule id: the order of every
    /// report that lists findings for people.
    static func groups(_ findings: [Finding]) -> [Group] {
        var byID: [String: Group] = [:]
        for finding in findings {
            byID[finding.rule.id, default: Group(rule: finding.rule, findings: [])].findings.append(finding)
        }
        return byID.values.sorted {
            $0.rule.severity != $1.rule.severity ? $0.rule.severity > $1.rule.severity : $0.rule.id < $1.rule.id
        }
    }

    /// The findings in that order, one list.
    static func ordered(_ findings: [Finding]) -> [Finding] {
        groups(findings).flatMap(\.findings)
    }

    /// A finding's table cells by subject; the last cell is the one the text report cuts to width.
    ///
    /// process: `pid 4242  2m  S  :8001,8002  python3 -m uvicorn app:app`
    /// socket:  `tcp  127.0.0.1:8001  LISTEN  pid 42 (node)`
    /// pidfile: `/run/app.pid  pid 4245  3h03m  reused by another program: sleep 1000`
    static func cells(_ finding: Finding) -> [String] {
        switch finding.subject {
        case .process(let p):
            let ports = p.ports.map { $0.isEmpty ? "" : ":" + $0.map(String.init).joined(separator: ",") } ?? ""
            return ["pid \(p.pid)", DurationText.short(p.age), TerminalText.escape(p.state), ports, command(p)]
        case .socket(let s, let owners):
            var address = ReportWording.endpoint(TerminalText.escape(s.localAddress), s.localPort)
            if s.remotePort != 0 {
                address += " -> " + ReportWording.endpoint(TerminalText.escape(s.remoteAddress), s.remotePort)
            }
            return [s.proto.rawValue, address, TerminalText.escape(s.state), Self.owners(s, owners)]
        case .pidfile(let f, let process):
            let holds = f.pid.map { "pid \($0)" } ?? "no pid"
            return [TerminalText.escape(f.path), holds, f.exists ? DurationText.short(f.age) : "-", status(f, process)]
        }
    }

    /// The cells as one line, for formats without columns: `pid 4244  45s  Z  [sleep]`.
    static func subjectLine(_ finding: Finding) -> String {
        cells(finding).filter { !$0.isEmpty }.joined(separator: "  ")
    }

    /// `because: parent exited; now init (1)`: one line per item of a finding's evidence, escaped,
    /// so every format that writes for people says why in the same words.
    static func becauseLines(_ finding: Finding) -> [String] {
        finding.evidence.map { "because: " + TerminalText.escape($0) }
    }

    /// ` (because: a; b)` after a one-line message, or nothing when the finding has no evidence.
    static func becauseSuffix(_ finding: Finding) -> String {
        finding.evidence.isEmpty ? "" : " (because: " + finding.evidence.map { TerminalText.escape($0) }.joined(separator: "; ") + ")"
    }

    /// The command line, or `[name]` like `ps` when there is none (zombies, kernel threads, unreadable).
    static func command(_ process: ProcessRecord) -> String {
        let command = process.cmdline.flatMap { $0.isEmpty ? nil : $0 } ?? "[\(process.name)]"
        return TerminalText.escape(command)
    }

    /// `pid 42 (node)`, `pids 42, 43 (uvicorn); pid 50 (nginx)`: pre-fork workers share one socket.
    static func owners(_ socket: SocketRecord, _ owners: [ProcessRecord]) -> String {
        if owners.isEmpty {
            if !socket.owners.isEmpty { return "pid " + socket.owners.map(String.init).joined(separator: ", ") }
            return socket.ownerKnown ? "no process holds it" : "owner not visible (permission denied)"
        }
        var names: [String] = []
        var pids: [String: [Int32]] = [:]
        for owner in owners {
            if pids[owner.name] == nil { names.append(owner.name) }
            pids[owner.name, default: []].append(owner.pid)
        }
        return names.map { name in
            let list = pids[name]!
            return (list.count == 1 ? "pid " : "pids ") + list.map(String.init).joined(separator: ", ")
                + " (" + TerminalText.escape(name) + ")"
        }.joined(separator: "; ")
    }

    /// What a PID file's pid refers to now.
    static func status(_ file: PidFileRecord, _ process: ProcessRecord?) -> String {
        var status: String
        if !file.exists {
            status = "file missing"
        } else if file.pid == nil {
            status = "holds no pid"
        } else if !file.alive {
            status = "not running"
        } else {
            let now = process.map { ": " + command($0) } ?? ""
            status = (file.reused ? "reused by another program" : "running") + now
        }
        if file.locked == true { status += " (locked)" }
        return status
    }
}
