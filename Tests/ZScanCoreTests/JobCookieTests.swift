import XCTest
@testable import ZScanCore

/// Each CI system's marker as docs/ci-runners.md (section 8) reads it from the runner's source:
/// a job's value, another job's, the documented opt-outs, and which marker decides.
final class JobCookieTests: XCTestCase {
    private let github1 = "github_0c9e1f2a-1111-4222-8333-444455556666"
    private let github2 = "github_7b1c33aa-1111-4222-8333-444455556666"
    private let uuid1 = "0c9e1f2a-1111-4222-8333-444455556666"
    private let uuid2 = "7b1c33aa-1111-4222-8333-444455556666"

    private func job(_ env: [String: String], own: [String: String] = [:]) -> String {
        JobCookie.classify(env, own: own).job
    }

    func testGitHubSameOtherAndNone() {
        XCTAssertEqual(job(["RUNNER_TRACKING_ID": github1], own: ["RUNNER_TRACKING_ID": github1]), "same")
        XCTAssertEqual(job(["RUNNER_TRACKING_ID": github1], own: ["RUNNER_TRACKING_ID": github2]), "other")
        XCTAssertEqual(job(["RUNNER_TRACKING_ID": github1]), "other", "zscan outside CI: every job's process is another job's")
        XCTAssertEqual(
            job(
                ["RUNNER_TRACKING_ID": github1.uppercased().replacingOccurrences(of: "GITHUB_", with: "github_")],
                own: ["RUNNER_TRACKING_ID": github1]), "same", "the runner compares ignoring case")
        XCTAssertEqual(job(["PATH": "/bin"], own: ["RUNNER_TRACKING_ID": github1]), "none")
    }

    func testGitHubOptOutIsAnyOtherValue() {
        for value in ["", "0", "keep-me"] {
            let verdict = JobCookie.classify(["RUNNER_TRACKING_ID": value], own: ["RUNNER_TRACKING_ID": github1])
            XCTAssertEqual(verdict.job, "none", value)
            XCTAssertEqual(verdict.optOut, "RUNNER_TRACKING_ID=\(value)")
            XCTAssertNil(verdict.match)
        }
    }

    func testAzureLookupId() {
        XCTAssertEqual(job(["VSTS_PROCESS_LOOKUP_ID": "vsts_\(uuid1)"], own: ["VSTS_PROCESS_LOOKUP_ID": "vsts_\(uuid2)"]), "other")
        XCTAssertEqual(JobCookie.classify(["VSTS_PROCESS_LOOKUP_ID": "x"], own: [:]).optOut, "VSTS_PROCESS_LOOKUP_ID=x")
    }

    func testJenkinsPipelineCookieAndDontKillMe() {
        XCTAssertEqual(job(["JENKINS_NODE_COOKIE": uuid1], own: ["JENKINS_NODE_COOKIE": uuid1]), "same")
        XCTAssertEqual(job(["JENKINS_NODE_COOKIE": uuid1], own: ["JENKINS_NODE_COOKIE": uuid2]), "other")
        let optOut = JobCookie.classify(["JENKINS_NODE_COOKIE": "dontKillMe", "BUILD_TAG": "jenkins-app-41"], own: ["JENKINS_NODE_COOKIE": uuid2])
        XCTAssertEqual(optOut.job, "none")
        XCTAssertEqual(optOut.optOut, "JENKINS_NODE_COOKIE=dontKillMe")
    }

    func testJenkinsFreestyleBuildTagAndBuildIdOptOut() {
        let build41 = ["BUILD_TAG": "jenkins-app-41", "BUILD_ID": "41", "BUILD_NUMBER": "41"]
        XCTAssertEqual(job(build41, own: ["BUILD_TAG": "jenkins-app-42"]), "other")
        XCTAssertEqual(job(build41, own: ["BUILD_TAG": "jenkins-app-41"]), "same")
        var escaped = build41
        escaped["BUILD_ID"] = "dontKillMe"
        XCTAssertEqual(JobCookie.classify(escaped, own: ["BUILD_TAG": "jenkins-app-42"]).optOut, "BUILD_ID=dontKillMe")
        XCTAssertEqual(JobCookie.classify(["BUILD_ID": "DONTKILLME"], own: [:]).optOut, "BUILD_ID=DONTKILLME", "no BUILD_NUMBER to compare")
        XCTAssertEqual(job(["BUILD_ID": "41"]), "none", "BUILD_ID alone marks no job")
    }

    func testGitLabBuildkiteAndZscanRunHaveNoOptOut() {
        XCTAssertEqual(job(["CI_JOB_ID": "41"], own: ["CI_JOB_ID": "42"]), "other")
        XCTAssertEqual(job(["CI_JOB_ID": "anything"], own: ["CI_JOB_ID": "anything"]), "same")
        XCTAssertEqual(job(["BUILDKITE_JOB_ID": uuid1], own: ["BUILDKITE_JOB_ID": uuid2]), "other")
        XCTAssertEqual(job(["ZSCAN_RUN_ID": "0123456789abcdef"], own: ["ZSCAN_RUN_ID": "0123456789abcdef"]), "same")
        XCTAssertNil(JobCookie.classify(["CI_JOB_ID": ""], own: [:]).optOut)
    }

    func testTheCIJobDecidesOverANestedZscanRun() {
        // A `zscan run` inside a GitHub job: the step's leftovers carry both markers.
        let env = ["RUNNER_TRACKING_ID": github1, "ZSCAN_RUN_ID": "0123456789abcdef"]
        XCTAssertEqual(job(env, own: ["RUNNER_TRACKING_ID": github1]), "same")
    }

    func testDisplayIsShortAndMatchIsWhole() {
        let verdict = JobCookie.classify(["RUNNER_TRACKING_ID": github1], own: [:])
        XCTAssertEqual(verdict.cookie, "RUNNER_TRACKING_ID=github_0c9e1f2a-…")
        XCTAssertEqual(verdict.match, "RUNNER_TRACKING_ID=\(github1)")
    }
}
