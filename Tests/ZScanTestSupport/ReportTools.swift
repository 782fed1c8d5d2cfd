import Foundation

/// The repository, found from this file: Tests/ZScanTestSupport/ReportTools.swift → root.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// The tools that check zscan's CI formats the way CI systems read them (installed by .ci/run):
/// `xmllint` with the Jenkins JUnit schema, Python's `junitparser` and `prometheus_client`.
public enum ReportTools {
    /// Whether `python3 -c 'import MODULE'` works.
    public static func hasPython(_ module: String) -> Bool {
        (try? runCapturing("/usr/bin/env", ["python3", "-c", "import " + module]))?.status == 0
    }

    /// Runs a Python script with arguments; the script prints JSON, which is returned parsed.
    public static func python(_ script: String, _ arguments: [String]) throws -> Any {
        let run = try runCapturing("/usr/bin/env", ["python3", "-c", script] + arguments)
        guard run.status == 0 else { throw Failure.tool("python3 exited \(run.status): \(run.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    public static var xmllint: String? {
        ["/usr/bin/xmllint", "/usr/local/bin/xmllint"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `xmllint --noout --schema Tests/Schemas/junit-10.xsd FILE`: nil when valid, else its complaint.
    public static func junitSchemaProblems(_ file: String) throws -> String? {
        guard let xmllint else { throw Failure.tool("xmllint is not installed") }
        let run = try runCapturing(xmllint, ["--noout", "--schema", Repository.path("Tests/Schemas/junit-10.xsd"), file])
        return run.status == 0 ? nil : run.stderr
    }

    /// The JUnit file as junitparser reads it: suites with their counts, cases with their result.
    public static let junitScript = """
        import json, sys
        from junitparser import JUnitXml, Failure, Error, Skipped
        xml = JUnitXml.fromfile(sys.argv[1])
        suites = []
        for suite in xml:
            cases = []
            for case in suite:
                failures = [r for r in case.result if isinstance(r, Failure)]
                cases.append({"classname": case.classname, "name": case.name,
                              "failures": [{"type": f.type, "message": f.message, "text": f.text or ""} for f in failures],
                              "errors": len([r for r in case.result if isinstance(r, (Error, Skipped))]),
                              "system_out": case.system_out or ""})
            suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "errors": suite.errors,
                           "skipped": suite.skipped, "hostname": suite.hostname, "timestamp": suite.timestamp, "cases": cases})
        print(json.dumps({"tests": xml.tests, "failures": xml.failures, "suites": suites}))
        """

    /// The metrics as prometheus_client parses them: `[{"name", "type", "samples": [{"name", "labels", "value"}]}]`.
    public static let prometheusScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = []
        for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
            families.append({"name": family.name, "type": family.type, "documentation": family.documentation,
                             "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]})
        print(json.dumps(families))
        """

    public enum Failure: Error { case tool(String) }
}

/// A command run to completion with its wall time and peak resident memory (the kernel's
/// ru_maxrss of the child, via Python's resource module: Foundation's Process reaps without it).
public struct MeasuredRun {
    public var result: ToolResult
    public var seconds: Double
    /// Peak RSS in KiB; nil when python3 is missing.
    public var maxRSSKiB: Int?

    public static func run(_ path: String, _ arguments: [String]) throws -> MeasuredRun {
        guard ReportTools.hasPython("resource") else {
            let start = Date()
            let result = try runCapturing(path, arguments)
            return MeasuredRun(result: result, seconds: Date().timeIntervalSince(start), maxRSSKiB: nil)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zscan-measured-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out").path, err = directory.appendingPathComponent("err").path
        let script = """
            import json, os, resource, subprocess, sys, time
            out, err = open(sys.argv[1], "wb"), open(sys.argv[2], "wb")
            start = time.monotonic()
            status = subprocess.run(sys.argv[3:], stdout=out, stderr=err, stdin=subprocess.DEVNULL).returncode
            seconds = time.monotonic() - start
            print(json.dumps({"status": status, "seconds": seconds, "maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
            """
        let run = try runCapturing("/usr/bin/env", ["python3", "-c", script, out, err, path] + arguments)
        guard run.status == 0, let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
            let status = json["status"] as? Int, let seconds = json["seconds"] as? Double, let maxRSS = json["maxrss"] as? Int
        else { throw ReportTools.Failure.tool("measuring \(path) failed: \(run.stderr)") }
        let stdout = (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data()
        let stderr = (try? Data(contentsOf: URL(fileURLWithPath: err))) ?? Data()
        let result = ToolResult(
            stdoutBytes: Array(stdout), stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), status: Int32(truncatingIfNeeded: status))
        return MeasuredRun(result: result, seconds: seconds, maxRSSKiB: maxRSS)
    }
}

/// Whether this test run (and so the zscan it built) carries AddressSanitizer or ThreadSanitizer,
/// whose shadow memory makes every process several times larger: memory bounds do not apply.
public enum Sanitizers {
    public static let active: Bool = ["__asan_init", "__tsan_init"].contains { (name: String) in dlsym(nil, name) != nil }

    /// How much longer a time bound is under a sanitizer: ThreadSanitizer's documented slowdown
    /// is 5-15x, and a ThreadSanitizer zscan scanning with 10 000 rules on a loaded 2-core machine took 66 s
    /// against 17.6 s unloaded (a debug zscan without one: 5.7 s).
    public static let slowdown: Double = active ? 5 : 1
}
