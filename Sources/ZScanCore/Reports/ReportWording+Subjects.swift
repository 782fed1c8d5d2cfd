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

    /// The cells as one line, for formats without columns: `pid 4244  45s  Z  [sleep]`, and with
    /// the container after the process it is about when there is one:
    /// `pid 4244 in docker 1fce13e5e58e  45s  Z  [sleep]`, `pid 42 (node) in kubernetes 0c1d2e3f4a5b`.
    static func subjectLine(_ finding: Finding) -> String {
        var cells = cells(finding)
        if let container = container(finding) {
            // The cell that names the process: a process's pid, a socket's owners, a PID file's pid.
            let i =
                switch finding.subject {
                case .process: 0
                case .socket: cells.count - 1
                case .pidfile: 1
                }
            cells[i] += " in " + containerLabel(container)
        }
        return cells.filter { !$0.isEmpty }.joined(separator: "  ")
    }

    /// The container a finding is about, nil on the host: its process's, for a socket the first
    /// owner's that is in one (the owners of one socket share its network namespace, so in
    /// practice one container), for a PID file the process its pid names now.
    static func container(_ finding: Finding) -> ContainerInfo? {
        switch finding.subject {
        case .process(let p): p.container
        case .socket(_, let owners): owners.lazy.compactMap(\.container).first
        case .pidfile(_, let process): process?.container
        }
    }

    /// `docker 1fce13e5e58e`, escaped: without an id the label holds the cgroup path, which a
    /// process chose (untrusted text).
    static func containerLabel(_ container: ContainerInfo) -> String {
        TerminalText.escape(container.label)
    }

    /// The findings of one container (nil: the host), grouped by rule as `groups` does.
    struct Section {
        var container: ContainerInfo?
        var groups: [Group]
    }

    /// One section per container, in the order of each one's first finding in `ordered` (so the
    /// most severe first), then the host's; a single host section when no finding is in a
    /// container. Containers are told apart by their label (runtime and short id, or path).
    static func sections(_ findings: [Finding]) -> [Section] {
        var labels: [String?] = []
        var byLabel: [String?: (container: ContainerInfo?, findings: [Finding])] = [:]
        for finding in ordered(findings) {
            let container = container(finding)
            let label = container?.label
            if byLabel[label] == nil {
                labels.append(label)
                byLabel[label] = (container, [])
            }
            byLabel[label]!.findings.append(finding)
        }
        if let host = labels.firstIndex(where: { $0 == nil }) { labels.append(labels.remove(at: host)) }
        if labels.isEmpty { return [Section(container: nil, groups: [])] }
        return labels.map { label in
            let entry = byLabel[label]!
            return Section(container: entry.container, groups: groups(entry.findings))
        }
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
