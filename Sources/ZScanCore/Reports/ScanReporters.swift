/// The report formats, in the order help and error messages name them.
public enum ScanReporters {
    public static let all: [any ScanReporter.Type] = [
        ScanTextReport.self, ScanJSONReport.self, ScanJUnitReport.self, ScanGitHubReport.self, ScanPrometheusReport.self,
    ]

    /// The format named `identifier`, or nil for a name no format has.
    public static func named(_ identifier: String) -> (any ScanReporter.Type)? {
        all.first { $0.identifier == identifier }
    }

    /// `text, json, junit, github or prometheus`, as help and usage errors list the formats.
    public static var identifierList: String {
        let names = all.map { $0.identifier }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
