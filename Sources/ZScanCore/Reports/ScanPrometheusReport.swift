/// The scan as Prometheus metrics in the text exposition format, for node_exporter's textfile
/// collector (`--report prometheus=/var/lib/node_exporter/zscan.prom`, written atomically by the CLI).
///
/// Every series is present on every run, zeros included, so a rule going quiet reads as 0 rather
/// than as a series that vanished: `zscan_findings` for each enabled rule, `zscan_cleanup_actions_total`
/// for each outcome. Labels are low-cardinality by design: rule, severity, outcome and version;
/// never a pid or a command line. No sample carries a timestamp (the textfile collector forbids it).
///
/// `zscan_findings` alone also has `container_id`: the container's short id, and `""` for the host
/// on every rule's series rather than no label, so the family has one label set (as a client
/// library writes a labelled metric; Prometheus stores `""` as absent, so `{container_id=""}`
/// selects the host and `sum by (rule)` reads as before). A container's series exists only while
/// it has findings, so the series stay bounded by the findings.
///
/// All metrics are gauges. `zscan_cleanup_actions_total` keeps its documented name (docs/formats.md), but each
/// run replaces the file, so its value is the last run's count, which falls back to 0 on the next
/// run: typed as a counter, `rate()` and `increase()` would read every such fall as a reset.
public struct ScanPrometheusReport: ScanReporter {
    public static let identifier = "prometheus"
    public static let description = "For node_exporter's textfile collector: counts per rule and outcome, never a name."

    public static func render(_ result: ScanResult, layout: ReportLayout) -> [UInt8] {
        Array(ScanPrometheusReport(result: result).render().utf8)
    }

    public let result: ScanResult

    public init(result: ScanResult) {
        self.result = result
    }

    public func render() -> String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for sample in samples {
                out += name
                if !sample.labels.isEmpty {
                    out += "{" + sample.labels.map { "\($0.0)=\"" + ReportEscaping.prometheusLabel($0.1) + "\"" }.joined(separator: ",") + "}"
                }
                out += " " + sample.value + "\n"
            }
        }
        func int(_ n: Int) -> String { String(n) }

        // Per rule, the host's series (container_id="", zeros included), then one per container
        // with findings of the rule, in the order of their first finding.
        var findings: [(labels: [(String, String)], value: String)] = []
        for rule in result.reportedRules {
            var ids = [""]
            var counts = ["": 0]
            for finding in result.findings where finding.rule.id == rule.id {
                let id = ReportWording.container(finding).map(Self.containerID) ?? ""
                if counts[id] == nil { ids.append(id) }
                counts[id, default: 0] += 1
            }
            findings += ids.map { ([("rule", rule.id), ("severity", rule.severity.rawValue), ("container_id", $0)], int(counts[$0]!)) }
        }
        family(
            "zscan_findings", "Findings of each enabled rule in the last scan (0 when it found nothing), by container (\"\": the host).",
            findings)
        family(
            "zscan_failing_findings", "Findings selected by --fail-on in the last scan (non-zero: zscan exited 1).",
            [([], int(result.failing.count))])
        family("zscan_processes", "Processes the last scan looked at.", [([], int(result.scope.processes))])
        family("zscan_sockets", "Sockets the last scan looked at.", [([], int(result.scope.sockets))])
        family(
            "zscan_scan_duration_seconds", "Wall time of the last scan (collecting, sampling and evaluating rules).",
            [([], ReportWording.decimal(result.durationMs / 1000, places: 6))])
        var byOutcome: [ActionOutcome: Int] = [:]
        for action in result.actions { byOutcome[action.outcome, default: 0] += 1 }
        family(
            "zscan_cleanup_actions_total", "Cleanup actions of the last run by outcome (a gauge: each run replaces the value).",
            ActionOutcome.allCases.map { ([("outcome", $0.rawValue)], int(byOutcome[$0] ?? 0)) })
        family(
            "zscan_last_run_timestamp_seconds", "When the last scan started, in seconds since the epoch.",
            [([], ReportWording.decimal(result.startedAt, places: 3))])
        family("zscan_build_info", "The zscan version that wrote these metrics (always 1).", [([("version", ToolInfo.version)], "1")])
        return out
    }

    /// `container_id`: the short id (12 hex digits, as `docker ps` shows), or the runtime's name
    /// for a container it gives no id, so such a container is never counted as the host and no
    /// cgroup path (untrusted, unbounded) becomes a label.
    static func containerID(_ container: ContainerInfo) -> String {
        container.shortID ?? container.runtime
    }
}
