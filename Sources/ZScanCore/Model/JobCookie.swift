/// Which CI job a process belongs to, from the marker its CI system puts in every job process's
/// environment, compared with the marker in zscan's own environment. docs/ci-runners.md (section 8)
/// cites where each system sets and reads its marker; rules/README.md lists them for users. A
/// repeated variable counts by its last occurrence, as the runners' own sweeps read it.
///
/// A system's documented opt-out (a value its cleanup does not match) is kept apart: the process
/// left its job on purpose, which is evidence of detaching, not of belonging to another job.
public enum JobCookie {
    /// One CI system's marker variable, and how a job's value looks (anything else set there is
    /// the opt-out).
    struct Marker: Sendable {
        var system: String
        var variable: String
        /// What a job's value looks like; any other value is the system's opt-out.
        var shape: Shape
        /// The variable only ever opts out (Jenkins' `BUILD_ID=dontKillMe`): it marks no job.
        var optOutOnly = false
    }

    enum Shape: Sendable {
        /// Every non-empty value marks a job: the system has no opt-out.
        case any
        case prefix(String)
        /// `8-4-4-4-12` hexadecimal digits (`java.util.UUID.toString()`).
        case uuid
        /// Jenkins' `BUILD_ID`, which Jenkins sets to the build's number: a process whose
        /// `BUILD_ID` differs from its own `BUILD_NUMBER` escaped (`dontKillMe` when there is none).
        case buildNumber

        func matches(_ value: String, in environment: [String: String]) -> Bool {
            switch self {
            case .any: true
            case .prefix(let prefix): value.lowercased().hasPrefix(prefix)
            case .uuid: JobCookie.isUUID(Substring(value))
            case .buildNumber: environment["BUILD_NUMBER"].map { $0 == value } ?? (value.lowercased() != "dontkillme")
            }
        }

        var ignoresCase: Bool {
            if case .prefix = self { return true }
            return false
        }

        var hasOptOut: Bool {
            if case .any = self { return false }
            return true
        }
    }

    /// In the order they decide: a job step can run `zscan run`, whose own marker is nested
    /// inside the CI job's; the CI job's decides.
    static let markers: [Marker] = [
        Marker(system: "GitHub Actions", variable: "RUNNER_TRACKING_ID", shape: .prefix("github_")),
        Marker(system: "Azure Pipelines", variable: "VSTS_PROCESS_LOOKUP_ID", shape: .prefix("vsts_")),
        Marker(system: "Jenkins", variable: "JENKINS_NODE_COOKIE", shape: .uuid),
        Marker(system: "Jenkins", variable: "BUILD_ID", shape: .buildNumber, optOutOnly: true),
        Marker(system: "Jenkins", variable: "BUILD_TAG", shape: .any),
        Marker(system: "GitLab CI", variable: "CI_JOB_ID", shape: .any),
        Marker(system: "Buildkite", variable: "BUILDKITE_JOB_ID", shape: .any),
        Marker(system: "zscan run", variable: EvaluationContext.runCookie, shape: .any),
    ]

    /// The variables zscan looks for (and Jenkins' `BUILD_NUMBER`, which `BUILD_ID` is compared
    /// with); only these are kept from an environment it reads.
    public static var variables: [String] { markers.map(\.variable) + ["BUILD_NUMBER"] }

    public struct Verdict: Sendable, Equatable {
        /// `same`, `other` or `none`.
        public var job: String
        /// The marker that decided, shortened for display (`RUNNER_TRACKING_ID=github_0c9e1f2a…`).
        public var cookie: String?
        /// The whole `VARIABLE=value`, to find other processes of the same job; never printed.
        public var match: String?
        /// The opt-out it carries (`JENKINS_NODE_COOKIE=dontKillMe`), shortened for display.
        public var optOut: String?

        public init(job: String, cookie: String? = nil, match: String? = nil, optOut: String? = nil) {
            self.job = job
            self.cookie = cookie
            self.match = match
            self.optOut = optOut
        }
    }

    /// The process's job compared with zscan's (`own`): an opt-out anywhere wins (the process
    /// asked to be left alone), else the first marker it carries decides: `same` when zscan carries
    /// the same value, `other` when not (zscan outside CI sees every CI job's process as another
    /// job's), `none` when it carries none.
    public static func classify(_ environment: [String: String], own: [String: String]) -> Verdict {
        for marker in markers {
            guard let value = environment[marker.variable], marker.shape.hasOptOut, !marker.shape.matches(value, in: environment) else { continue }
            return Verdict(job: "none", optOut: display(marker.variable, value))
        }
        for marker in markers where !marker.optOutOnly {
            guard let value = environment[marker.variable], !value.isEmpty else { continue }
            // GitHub's and Azure's runners compare their ids ignoring case; the others exactly.
            let same = marker.shape.ignoresCase ? own[marker.variable]?.lowercased() == value.lowercased() : own[marker.variable] == value
            return Verdict(
                job: same ? "same" : "other", cookie: display(marker.variable, value),
                match: marker.variable + "=" + value)
        }
        return Verdict(job: "none")
    }

    /// `VARIABLE=value`, the value cut to 16 characters: enough to tell two jobs apart in a
    /// report, not the whole of a value the runner never meant to show (reports escape it).
    static func display(_ variable: String, _ value: String) -> String {
        let shown = value.count > 16 ? String(value.prefix(16)) + "…" : value
        return variable + "=" + shown
    }

    static func isUUID(_ value: Substring) -> Bool {
        let groups = value.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
