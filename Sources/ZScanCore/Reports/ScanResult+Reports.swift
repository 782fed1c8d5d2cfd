/// What several reports derive alike from a result.
extension ScanResult {
    /// The rules that ran, then any rule that has findings but is missing from `rules` (a result
    /// assembled by hand), so a report that lists every rule never drops a finding's rule.
    var reportedRules: [RuleSummary] {
        var rules = self.rules
        for finding in findings where !rules.contains(where: { $0.id == finding.rule.id }) {
            rules.append(finding.rule)
        }
        return rules
    }

    /// Findings per rule id.
    var findingCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for finding in findings { counts[finding.rule.id, default: 0] += 1 }
        return counts
    }
}
