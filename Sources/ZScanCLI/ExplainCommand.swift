import Glibc
import ZScanCore

/// `zscan explain PID`: the whole reasoning for one process: who it is, who its parent and session
/// leader are, whether it was adopted, detached on purpose or belongs to another CI job (each with
/// its evidence), and what the loaded rules find about it, hidden ones included, with what an
/// unscoped `--cleanup` would do to it.
enum ExplainCommand {
    static let spec = CommandSpec(
        name: "explain",
        abstract: "Explain why zscan reports a process, or why it does not.",
        discussion:
            "Reads this machine (or a snapshot given with --from) as a scan does, with the same rules and config, and prints what zscan decided about one process: its parent and session, adopted, detached and job with their evidence, the PID file naming it, its ports, and every finding the rules give for it (hidden rules included) with what a bare --cleanup would do. Exits 0 when the process exists and 2 when it does not.",
        arguments: [("<pid>", "The process to explain.")],
        usage: "<pid> [--rules <path> ...] [--config <file>] [--format <format>]",
        options: [
            OptionSpec(long: "rules", value: "<path>", help: "More rule files or directories, as for scan.", repeatable: true),
            OptionSpec(long: "config", value: "<file>", help: "Config file.", defaultText: ".zscan.json5 if present"),
            OptionSpec(long: "format", value: "<format>", help: "text or json.", defaultText: "text"),
            OptionSpec(long: "pidfiles", value: "<glob>", help: "PID files to look for one naming it.", repeatable: true),
            OptionSpec(long: "from", value: "<file>", help: "Explain a process of a saved snapshot instead of this machine."),
            ProcRoot.option,
            CommandSpec.help,
        ],
        examples: [
            ("zscan explain 4242", "Why process 4242 is (or is not) reported, with the evidence."),
            ("zscan explain 4242 --format json", "The same as one JSON object."),
        ])

    static func run(_ arguments: ParsedArguments, environment: [String: String]) throws(CLIError) -> Int32 {
        guard arguments.positionals.count == 1, let pid = Int32(arguments.positionals[0]), pid > 0 else {
            let message =
                arguments.positionals.isEmpty
                ? "Missing expected argument '<pid>'" : "Expected one process id, not '\(arguments.positionals.joined(separator: " "))'"
            throw .usage(UsageError(message: message, command: spec))
        }
        let format = arguments.value("format") ?? "text"
        guard format == "text" || format == "json" else {
            throw .usage(UsageError(message: "Unknown format '\(format)' (expected text or json)", command: spec))
        }
        var options = try ScanOptions.load(arguments, spec: spec, environment: environment)
        // The rules a scan would run (the config's only and skip apply), hidden ones too, about
        // this process only, whoever owns it; every field the built-in rules read, and provenance.
        let rules = Scanner.select(options.rules, only: options.settings.only, skip: options.settings.skip)
        var scanner = Scanner(rules: rules, allow: options.settings.allow)
        scanner.onlyPids = [pid]
        scanner.alsoRead = .standard
        options.scanner = scanner
        let (result, context) = try options.evaluate(progress: Progress(enabled: false))
        guard let explanation = Explanation(pid: pid, result: result, context: context, options: options) else {
            throw .failure("no process \(pid)" + (options.from.map { " in \($0.name)" } ?? ""))
        }
        if format == "json" {
            Output.write(explanation.json())
        } else {
            Output.out(explanation.text())
        }
        return 0
    }
}

/// What `zscan explain` found out about one process, worded for text and for JSON.
struct Explanation {
    struct Line {
        var answer: String
        var evidence: [String]
    }

    struct Verdict {
        var finding: Finding
        var hidden: Bool
        /// Whether an unscoped `--cleanup` would end it, and why (not).
        var ends: Bool
        var cleanup: String
    }

    let process: ProcessRecord
    /// zscan's own PID namespace, which the process's is compared with.
    let ownNamespace: UInt64?
    /// Whether namespaces were read (a snapshot saved before format 1.2 has none).
    let namespaceRead: Bool
    let parent: ProcessRecord?
    let parentIsInit: Bool
    let leader: ProcessRecord?
    let leaderAlive: Bool?
    let adopted: Line
    let detached: Line
    let job: Line
    let verdicts: [Verdict]

    init?(pid: Int32, result: ScanResult, context: EvaluationContext, options: ScanOptions) {
        let snapshot = context.snapshot
        let index = snapshot.pidIndex
        guard let i = index[pid] else { return nil }
        let process = snapshot.processes[i]
        self.process = process
        ownNamespace = snapshot.host.pidNamespace
        namespaceRead = snapshot.fields.contains(.namespace) || process.read.contains(.namespace)
        parent = index[process.ppid].map { snapshot.processes[$0] }
        parentIsInit = parent.map { $0.ppid == 0 || $0.pid == snapshot.host.initPid } ?? false
        leader = process.sid > 0 ? index[process.sid].map { snapshot.processes[$0] } : nil
        leaderAlive = Lineage.sessionAlive(of: process, leader: leader)

        let signs = DetachedSign.signs(in: process.evidence)
        let jobItems = process.evidence.filter { item in Self.jobPrefixes.contains { item.hasPrefix($0) } }
        let adoption = process.evidence.filter { !signs.contains($0) && !jobItems.contains($0) }
        adopted = Self.adoption(process, parent: parent, parentIsInit: parentIsInit, evidence: adoption)
        detached = Self.detachment(process, signs: signs)
        job = Self.job(process, evidence: jobItems)

        let hidden = Set(options.rules.filter(\.hidden).map(\.id))
        let cleanupGuard = CleanupGuard(snapshot: snapshot, protect: options.settings.cleanupProtect, onlyUID: options.settings.cleanupUID(getuid()))
        let unscoped = CleanupScope(narrowed: false, failOn: options.settings.failOn)
        verdicts = result.findings.map { finding in
            let plan = CleanupPlan(findings: [finding], context: context, guard: cleanupGuard, scope: unscoped)
            let (ends, why) = Self.cleanup(of: finding, pid: pid, plan: plan, scope: unscoped)
            return Verdict(finding: finding, hidden: hidden.contains(finding.rule.id), ends: ends, cleanup: why)
        }
    }

    /// The evidence items `Snapshot.deriveProvenance` writes about the job cookie.
    static let jobPrefixes = ["job cookie", "carries this job's cookie", "its job still runs", "environment unreadable"]

    static func name(_ process: ProcessRecord) -> String { "\(process.name) (\(process.pid))" }

    /// Adopted, with the evidence; for a process whose provenance was never read (it is no
    /// adoption candidate), what the snapshot alone says.
    static func adoption(_ process: ProcessRecord, parent: ProcessRecord?, parentIsInit: Bool, evidence: [String]) -> Line {
        if process.kernelThread { return Line(answer: "no: a kernel thread", evidence: []) }
        if process.isZombie { return Line(answer: "no: a zombie (it has exited; its parent has not reaped it)", evidence: []) }
        if process.ppid == 0 { return Line(answer: "no: it is the namespace's init (its parent is outside this PID namespace)", evidence: []) }
        guard let parent else { return Line(answer: "unknown: its parent (\(process.ppid)) is not visible", evidence: evidence) }
        switch process.adopted {
        case true?: return Line(answer: "yes", evidence: evidence)
        case false? where !evidence.isEmpty: return Line(answer: "no", evidence: evidence)
        default: break
        }
        if process.sid == 0 { return Line(answer: "unknown: its session's leader is outside this PID namespace", evidence: evidence) }
        if process.sid == parent.sid { return Line(answer: "no: its parent \(name(parent)) started it (same session)", evidence: evidence) }
        if process.sid == process.pid {
            if parentIsInit && process.adopted == nil {
                return Line(answer: "unknown: it leads its own session under init, and what would tell was not read", evidence: evidence)
            }
            return Line(answer: "no: it leads its own session under \(name(parent)), which started it", evidence: evidence)
        }
        return Line(answer: process.adopted == nil ? "unknown" : "no", evidence: evidence)
    }

    static func detachment(_ process: ProcessRecord, signs: [String]) -> Line {
        guard process.adopted == true else { return Line(answer: "not asked: only an adopted process can be detached", evidence: []) }
        switch process.detached {
        case true?: return Line(answer: "yes: meant to outlive its starter", evidence: signs)
        case false?: return Line(answer: "no: nothing says it was meant to outlive its starter", evidence: signs)
        case nil: return Line(answer: "unknown: its facts could not be read", evidence: signs)
        }
    }

    /// `same`, `other`, `none` or `unknown`, with the cookie as stored (shortened), never the environment.
    static func job(_ process: ProcessRecord, evidence: [String]) -> Line {
        var answer = process.job ?? "unknown"
        if let cookie = process.jobCookie { answer += " (\(cookie))" }
        if let optOut = process.ciOptOut { answer += " (opted out: \(optOut))" }
        if process.job == nil {
            answer += process.adopted == true ? ": its environment could not be read" : ": read only for processes that may have been adopted"
        }
        return Line(answer: answer, evidence: evidence)
    }

    /// What an unscoped `--cleanup` (none of `--only`, `--pattern`, `--port`, `--where`) would do
    /// to `pid` for this finding, from the plan it would make.
    static func cleanup(of finding: Finding, pid: Int32, plan: CleanupPlan, scope: CleanupScope) -> (Bool, String) {
        let id = finding.rule.id
        if finding.rule.action == .none { return (false, "leaves it: rule \(id) has no action") }
        if !scope.targets(finding) {
            return (false, "leaves it: --fail-on does not select this \(finding.rule.severity.rawValue); name it: --only \(id)")
        }
        for item in plan.items {
            guard let member = item.members.first(where: { $0.identity.pid == pid }) else { continue }
            if let why = item.skipped { return (false, "skips it: " + why) }
            if let why = member.protected { return (false, "leaves it: protected (\(why))") }
            return (true, "ends it (\(item.action.rawValue))")
        }
        if case .pidfile = finding.subject, finding.rule.action == .removeFile { return (false, "removes the PID file, not the process") }
        return (false, "leaves it: nothing to signal")
    }

    // MARK: - Text

    func text() -> String {
        func esc(_ text: String) -> String { TerminalText.escape(text) }
        let command = process.cmdline.flatMap { $0.isEmpty ? nil : $0 } ?? "[\(process.name)]"
        var lines = [esc(Self.name(process)) + "  " + esc(command)]
        func field(_ label: String, _ value: String, _ evidence: [String] = []) {
            lines.append("  " + label + String(repeating: " ", count: max(1, 10 - label.count)) + value)
            lines += evidence.map { "            because: " + esc($0) }
        }
        var state = "\(esc(process.state)), \(DurationText.short(process.age)) old"
        if let user = process.user ?? process.uid.map(String.init) { state += ", user " + esc(user) }
        field("state", state)
        if let parent {
            field("parent", esc(Self.name(parent)) + (parentIsInit ? ", the namespace init" : ""))
        } else {
            field("parent", process.ppid == 0 ? "none (outside this PID namespace)" : "\(process.ppid), not visible")
        }
        field("session", sessionText(esc))
        if namespaceRead {
            field("namespace", namespaceText())
            field(
                "container", process.container.map { esc($0.label) + (process.nsInit == true ? ", and this is its init" : "") } ?? "none (the host's cgroups)")
        }
        field("adopted", esc(adopted.answer), adopted.evidence)
        field("detached", esc(detached.answer), detached.evidence)
        field("job", esc(job.answer), job.evidence)
        field("pidfile", process.pidfile.map { "named by " + esc($0) } ?? "none names it")
        let ports = process.ports ?? []
        field("ports", process.ports == nil ? "unknown" : ports.isEmpty ? "none" : ports.map(String.init).joined(separator: ", "))
        if verdicts.isEmpty {
            field("findings", "none from the loaded rules")
        }
        for (n, verdict) in verdicts.enumerated() {
            let f = verdict.finding
            field(
                n == 0 ? "findings" : "",
                f.rule.severity.rawValue + "  " + esc(f.rule.id) + (verdict.hidden ? " (hidden: shown with -v or --only \(esc(f.rule.id)))" : "") + "  "
                    + esc(f.message))
            lines.append("            unscoped --cleanup: " + esc(verdict.cleanup))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func sessionText(_ esc: (String) -> String) -> String {
        if process.sid == 0 { return "led from outside this PID namespace" }
        if process.sid == process.pid { return "\(process.sid), its own" }
        guard let leader, leader.sid == process.sid else { return "\(process.sid), whose leader is gone" }
        return "\(process.sid), led by " + esc(Self.name(leader)) + (leaderAlive == true ? ", still running" : ", which has exited")
    }

    /// Which PID namespace, the pid inside it, and whether it is that namespace's init.
    func namespaceText() -> String {
        guard let namespace = process.pidNs else { return "unknown (ns/pid unreadable)" }
        var text = namespace == ownNamespace ? "zscan's own" : "another than zscan's (\(namespace))"
        if let nsPid = process.nsPid, nsPid != process.pid { text += ", pid \(nsPid) inside" }
        if process.nsInit == true { text += ", its init: it reaps the namespace's orphans, and ending it ends them all" }
        return text
    }

    // MARK: - JSON

    func json() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("pid"); w.int(process.pid)
        w.key("name"); w.string(process.name)
        w.key("cmdline"); w.string(process.cmdline)
        w.key("state"); w.string(process.state)
        w.key("user"); w.string(process.user)
        w.key("age"); w.double(process.age)
        /// `{"pid": …, "name": …}` and any further keys, or null.
        func brief(_ key: String, _ other: ProcessRecord?, _ more: (inout JSONWriter) -> Void = { _ in }) {
            w.key(key)
            guard let other else { return w.null() }
            w.beginObject()
            w.key("pid"); w.int(other.pid)
            w.key("name"); w.string(other.name)
            more(&w)
            w.endObject()
        }
        brief("parent", parent) { w in
            w.key("namespace_init"); w.bool(parentIsInit)
        }
        w.key("session")
        w.beginObject()
        w.key("sid"); w.int(process.sid)
        brief("leader", leader.flatMap { $0.sid == process.sid ? $0 : nil })
        w.key("leader_alive"); w.bool(leaderAlive)
        w.endObject()
        for (key, value, line) in [("adopted", process.adopted, adopted), ("detached", process.detached, detached)] {
            w.key(key); w.bool(value)
            w.key(key + "_because"); w.string(line.answer)
            w.key(key + "_evidence"); w.stringArray(line.evidence)
        }
        w.key("job"); w.string(process.job)
        w.key("job_cookie"); w.string(process.jobCookie)
        w.key("ci_opt_out"); w.string(process.ciOptOut)
        w.key("job_evidence"); w.stringArray(job.evidence)
        w.key("pidfile"); w.string(process.pidfile)
        w.key("pid_ns"); w.int(process.pidNs)
        w.key("own_pid_ns"); w.bool(process.pidNs.map { $0 == ownNamespace })
        w.key("ns_pid"); w.int(process.nsPid)
        w.key("ns_init"); w.bool(process.nsInit)
        w.key("container")
        if let container = process.container { container.write(to: &w) } else { w.null() }
        w.key("ports")
        if let ports = process.ports { w.intArray(ports) } else { w.null() }
        w.key("findings")
        w.beginArray()
        for verdict in verdicts {
            let f = verdict.finding
            w.beginObject()
            w.key("rule"); w.string(f.rule.id)
            w.key("severity"); w.string(f.rule.severity.rawValue)
            w.key("hidden"); w.bool(verdict.hidden)
            w.key("message"); w.string(f.message)
            w.key("evidence"); w.stringArray(f.evidence)
            w.key("unscoped_cleanup_ends_it"); w.bool(verdict.ends)
            w.key("cleanup"); w.string(verdict.cleanup)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.newline()
        return w.bytes
    }
}
