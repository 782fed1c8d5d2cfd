/// The scan as Prometheus metrics in the text exposition format, for node_exporter's textfile
/// collector (`--report prometheus=/var/lib/node_exporter/zscan.prom`, written atomically by the CLI).
///
/// Every series is present on every run, zeros included, so a rule going quiet reads as 0 rather
/// than as a series that vanished: `zscan_findings` for each enabled rule, `zscan_cleanup_actions_total`
/// for each outcome. Labels are low-cardinality by design: rule, severity, outcome and version;
/// never a pid or a command line. No sample carries a timestamp (the textfile collector forbids it).
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

        let byRule = result.findingCounts
        family(
            "zscan_findings", "Findings of each enabled rule in the last scan (0 when it found nothing).",
            result.reportedRules.map { ([("rule", $0.id), ("severity", $0.severity.rawValue)], int(byRule[$0.id] ?? 0)) })
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
}
