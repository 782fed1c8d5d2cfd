/// The scan's JSON report (`--format json`, docs/formats.md), valid against `Tests/Schemas/zscan-report.schema.json`.
/// Keys are snake_case, absent facts are `null`, findings keep the scanner's order; additive changes
/// bump `format_version`'s minor number (and the schema with it).
public struct ScanJSONReport: ScanReporter {
    public static let identifier = "json"
    public static let description = "For programs: every fact of the scan, valid against the report schema."

    public static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8] {
        ScanJSONReport(result: result, pretty: layout.pretty).render()
    }

    public static let formatVersion = "1.4"

    public let result: ScanResult
    public let pretty: Bool

    public init(result: ScanResult, pretty: Bool = false) {
        self.result = result
        self.pretty = pretty
    }

    public func render() -> [UInt8] {
        var w = JSONWriter(pretty: pretty, capacity: 1024 + 512 * result.findings.count)
        w.beginObject()
        w.key("format_version"); w.string(Self.formatVersion)
        w.key("tool")
        w.beginObject()
        w.key("name"); w.string(ToolInfo.name)
        w.key("version"); w.string(ToolInfo.version)
        w.endObject()
        w.key("host")
        w.beginObject()
        w.key("hostname"); w.string(result.host.hostname)
        w.key("kernel"); w.string(result.host.kernel)
        w.key("boot_time"); w.double(result.host.bootTime)
        w.key("init_pid"); w.int(result.host.initPid)
        w.key("pid_ns"); w.int(result.host.pidNamespace)
        w.key("container"); Self.write(result.host.container, to: &w)
        w.endObject()
        w.key("started_at"); w.double(result.startedAt)
        w.key("duration_ms"); w.double(result.durationMs)
        w.key("scope"); writeScope(&w)
        w.key("summary"); writeSummary(&w)
        w.key("findings")
        w.beginArray()
        for finding in result.findings { write(finding, to: &w) }
        w.endArray()
        w.key("actions")
        w.beginArray()
        for action in result.actions { ScanJSONReport.write(action, to: &w) }
        w.endArray()
        w.key("errors"); w.stringArray(result.errors)
        w.endObject()
        w.newline()
        return w.bytes
    }

    private func writeScope(_ w: inout JSONWriter) {
        let scope = result.scope
        w.beginObject()
        w.key("processes"); w.int(scope.processes)
        w.key("sockets"); w.int(scope.sockets)
        w.key("pidfiles"); w.int(scope.pidfiles)
        w.key("sample_seconds")
        if let seconds = scope.sampleSeconds { w.double(seconds) } else { w.null() }
        w.key("sampled_processes"); w.int(scope.sampledProcesses)
        w.key("from"); w.string(scope.fromFile)
        w.key("baseline"); w.string(scope.baseline)
        w.key("filters"); w.stringArray(scope.filters)
        w.key("users_as_uids"); w.bool(scope.usersAsUids)
        w.endObject()
    }

    /// Counts by severity (all three, zeros included) and by rule: every rule that ran, zeros included,
    /// so a dashboard sees a rule go quiet rather than disappear.
    private func writeSummary(_ w: inout JSONWriter) {
        var byRule = result.findingCounts
        let ruleOrder = result.reportedRules.map(\.id)
        for id in ruleOrder where byRule[id] == nil { byRule[id] = 0 }
        w.beginObject()
        w.key("findings"); w.int(result.findings.count)
        w.key("failing"); w.int(result.failing.count)
        w.key("by_severity")
        w.beginObject()
        for severity in Severity.allCases.reversed() {
            w.key(severity.rawValue); w.int(result.findings.count(where: { $0.rule.severity == severity }))
        }
        w.endObject()
        w.key("by_rule")
        w.beginObject()
        for id in ruleOrder where byRule[id] != nil {
            w.key(id); w.int(byRule.removeValue(forKey: id)!)
        }
        w.endObject()
        w.key("rules"); w.stringArray(result.rules.map(\.id))
        w.endObject()
    }

    private func write(_ finding: Finding, to w: inout JSONWriter) {
        let rule = finding.rule
        w.beginObject()
        w.key("rule"); w.string(rule.id)
        w.key("title"); w.string(rule.title)
        w.key("severity"); w.string(rule.severity.rawValue)
        w.key("tags"); w.stringArray(rule.tags)
        w.key("message"); w.string(finding.message)
        w.key("hint"); w.string(finding.hint)
        w.key("evidence"); w.stringArray(finding.evidence)
        w.key("subject"); w.string(finding.subject.kind)
        w.key("action"); w.string(rule.action.rawValue)
        switch finding.subject {
        case .process(let process):
            w.key("process"); Self.write(process, to: &w)
        case .socket(let socket, let owners):
            w.key("socket"); Self.write(socket, owners: owners, to: &w)
        case .pidfile(let file, let process):
            w.key("pidfile"); Self.write(file, process: process, to: &w)
        }
        w.endObject()
    }

    private static func write(_ p: ProcessRecord, to w: inout JSONWriter) {
        w.beginObject()
        w.key("pid"); w.int(p.pid)
        w.key("ppid"); w.int(p.ppid)
        w.key("pgid"); w.int(p.pgid)
        w.key("sid"); w.int(p.sid)
        w.key("start_ticks"); w.int(p.startTicks)
        w.key("state"); w.string(p.state)
        w.key("name"); w.string(p.name)
        w.key("user"); w.string(p.user)
        w.key("uid"); w.int(p.uid)
        w.key("age"); w.double(p.age)
        w.key("cmdline"); w.string(p.cmdline)
        w.key("exe"); w.string(p.exe)
        w.key("cwd"); w.string(p.cwd)
        w.key("ports")
        if let ports = p.ports { w.intArray(ports) } else { w.null() }
        w.key("orphaned"); w.bool(p.orphaned)
        w.key("adopted"); w.bool(p.adopted)
        w.key("detached"); w.bool(p.detached)
        w.key("job"); w.string(p.job)
        w.key("pid_ns"); w.int(p.pidNs)
        w.key("ns_pid"); w.int(p.nsPid)
        w.key("ns_init"); w.bool(p.nsInit)
        w.key("container"); write(p.container, to: &w)
        w.endObject()
    }

    /// A container as snapshots write it (runtime, id, short id, pod, QoS, path, label), or null.
    private static func write(_ container: ContainerInfo?, to w: inout JSONWriter) {
        if let container { container.write(to: &w) } else { w.null() }
    }

    /// `owner_known` is reported: without it "no owner" and "owner hidden" look alike.
    private static func write(_ s: SocketRecord, owners: [ProcessRecord], to w: inout JSONWriter) {
        w.beginObject()
        w.key("proto"); w.string(s.proto.rawValue)
        w.key("local_address"); w.string(s.localAddress)
        w.key("local_port"); w.int(s.localPort)
        w.key("remote_address"); w.string(s.remoteAddress)
        w.key("remote_port"); w.int(s.remotePort)
        w.key("state"); w.string(s.state)
        w.key("inode"); w.int(s.inode)
        w.key("owner_known"); w.bool(s.ownerKnown)
        w.key("owners")
        w.beginArray()
        for owner in owners { writeBrief(owner, to: &w) }
        w.endArray()
        w.endObject()
    }

    private static func write(_ f: PidFileRecord, process: ProcessRecord?, to w: inout JSONWriter) {
        w.beginObject()
        w.key("path"); w.string(f.path)
        w.key("pid"); w.int(f.pid)
        w.key("exists"); w.bool(f.exists)
        w.key("alive"); w.bool(f.alive)
        w.key("reused"); w.bool(f.reused)
        w.key("age"); w.double(f.age)
        w.key("locked"); w.bool(f.locked)
        w.key("process")
        if let process { writeBrief(process, to: &w) } else { w.null() }
        w.endObject()
    }

    /// One cleanup action: what was done to which process or file, step by step, and the outcome.
    private static func write(_ a: CleanupAction, to w: inout JSONWriter) {
        w.beginObject()
        w.key("rule"); w.string(a.rule)
        w.key("action"); w.string(a.action.rawValue)
        w.key("outcome"); w.string(a.outcome.rawValue)
        w.key("steps"); w.stringArray(a.steps)
        w.key("reason"); w.string(a.reason)
        w.key("process")
        if let identity = a.process {
            writeBrief(identity, name: a.name, cmdline: a.cmdline, to: &w)
        } else {
            w.null()
        }
        w.key("path"); w.string(a.path)
        w.endObject()
    }

    /// A process named from another subject (a socket's owner, a PID file's process): its identity
    /// (pid + start ticks), what it runs and the container it is in.
    private static func writeBrief(_ p: ProcessRecord, to w: inout JSONWriter) {
        writeBrief(p.identity, name: p.name, cmdline: p.cmdline, to: &w) { w in
            w.key("container"); write(p.container, to: &w)
        }
    }

    /// An action's process is known by identity only: its record is the finding's.
    private static func writeBrief(
        _ identity: ProcessIdentity, name: String, cmdline: String?, to w: inout JSONWriter, more: (inout JSONWriter) -> Void = { _ in }
    ) {
        w.beginObject()
        w.key("pid"); w.int(identity.pid)
        w.key("start_ticks"); w.int(identity.startTicks)
        w.key("name"); w.string(name)
        w.key("cmdline"); w.string(cmdline)
        more(&w)
        w.endObject()
    }
}
