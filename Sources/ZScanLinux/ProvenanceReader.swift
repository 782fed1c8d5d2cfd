import Glibc
import ZScanCore

/// Reads the facts `Snapshot.deriveProvenance` rests on, for the adoption candidates only
/// (`Lineage.adoptionCandidates`), once the table is read and linked: `SigIgn`, descriptors 0-2,
/// `cwd` and `cgroup` (when the scan did not read them), a lock held on a PID or lock file, and
/// the CI job cookie from `environ`, of which nothing else is kept. Candidates are few (adopted
/// processes and session leaders under an adopter), so they are read one after the other.
///
/// Each candidate is reopened by its identity (`ProcessReader.reopen`) and read through that one
/// directory descriptor; one that exits, turns zombie or whose pid is reused meanwhile keeps no
/// facts at all, so nothing is read from a dying process and taken for its choice.
struct ProvenanceReader {
    let procRoot: String
    let fields: FieldSet
    /// zscan's own environment: whose job cookie `job` compares with.
    let ownEnvironment: [String: String]
    private let file = ProcFile()
    private var walker = DirectoryWalker()
    private(set) var counters = ScanCounters()

    /// The variables a candidate's environment is read for; nothing else of it becomes a string.
    private static let cookieVariables = JobCookie.variables.map { Array($0.utf8) }

    init(procRoot: String, fields: FieldSet, ownEnvironment: [String: String]) {
        self.procRoot = procRoot
        self.fields = fields
        self.ownEnvironment = ownEnvironment
    }

    /// What one candidate showed.
    private struct Facts {
        var ignoresSighup: Bool?
        var stdio: [String]?
        var lockedFile: String?
        var cwd: String?
        var cgroup: String?
        var verdict: JobCookie.Verdict?
    }

    /// Fills the candidates' facts (only those with a pid in `pids`, when given), zscan's own
    /// `cgroup` (a `*.service` unit that is zscan's own, a CI agent's, is not a sign of detaching)
    /// and `jobAlive`.
    mutating func read(into snapshot: inout Snapshot, procFD: Int32, pids: Set<Int32>? = nil) {
        var candidates = Lineage.adoptionCandidates(in: snapshot)
        if let pids { candidates.removeAll { !pids.contains(snapshot.processes[$0].pid) } }
        guard !candidates.isEmpty else { return }
        let locks = FileLocks.read(path: procRoot + "/locks", file: file) ?? []
        var otherJobs: [String: [Int]] = [:]
        for i in candidates {
            guard let facts = facts(of: snapshot.processes[i], procFD: procFD, locks: locks) else { continue }
            snapshot.processes[i].ignoresSighup = facts.ignoresSighup
            snapshot.processes[i].stdio = facts.stdio
            snapshot.processes[i].lockedFile = facts.lockedFile
            if let cwd = facts.cwd { snapshot.processes[i].cwd = cwd }
            if let cgroup = facts.cgroup { snapshot.processes[i].cgroup = cgroup }
            guard let verdict = facts.verdict else { continue }
            snapshot.processes[i].job = verdict.job
            snapshot.processes[i].jobCookie = verdict.cookie
            snapshot.processes[i].ciOptOut = verdict.optOut
            if verdict.job == "other", let match = verdict.match { otherJobs[match, default: []].append(i) }
        }
        if let own = snapshot.pidIndex[snapshot.host.collectorPid], snapshot.processes[own].cgroup == nil {
            snapshot.processes[own].cgroup = try? cgroup("\(snapshot.host.collectorPid)/cgroup", relativeTo: procFD)
        }
        if !otherJobs.isEmpty {
            let running = runningJobs(otherJobs.keys, in: snapshot, excluding: Set(candidates), procFD: procFD)
            for (match, indices) in otherJobs {
                for i in indices { snapshot.processes[i].jobAlive = running.contains(match) }
            }
        }
    }

    /// The facts of one candidate, or nil when it exited, turned zombie or was replaced meanwhile.
    private mutating func facts(of process: ProcessRecord, procFD: Int32, locks: Set<FileKey>) -> Facts? {
        guard let (dirfd, _) = ProcessReader.reopen(process.identity, procFD: procFD, file: file) else { return nil }
        defer { close(dirfd) }
        var facts = Facts()
        do {
            let n = try file.read("status", relativeTo: dirfd)
            facts.ignoresSighup = file.parse(n) { StatusParser.ignoredSignals($0) }.map { $0 & 1 != 0 }
        } catch {
            if error == .gone { return nil }
            note(error)
        }
        do {
            let fdDir = try ProcFile.openDirectory("fd", relativeTo: dirfd)
            defer { close(fdDir) }
            facts.stdio = standardStreams(fdDir: fdDir)
            if !locks.isEmpty { facts.lockedFile = lockedFile(fdDir: fdDir, locks: locks) }
        } catch {
            if error == .gone { return nil }
            note(error)
        }
        if !fields.contains(.cwd) {
            do { facts.cwd = file.string(try file.readLink("cwd", relativeTo: dirfd)) } catch { note(error) }
        }
        if !fields.contains(.cgroup) {
            do { facts.cgroup = try cgroup("cgroup", relativeTo: dirfd) } catch { note(error) }
        }
        if fields.contains(.env) {
            facts.verdict = process.env.map { JobCookie.classify($0, own: ownEnvironment) }
        } else {
            do {
                let n = try file.read("environ", relativeTo: dirfd)
                let markers = file.parse(n) { EnvironParser.parse($0, keeping: ProvenanceReader.cookieVariables) }
                facts.verdict = JobCookie.classify(markers, own: ownEnvironment)
            } catch { note(error) }
        }
        // Still the same live process now, so nothing above was read from one exiting.
        guard let count = try? file.read("stat", relativeTo: dirfd), let stat = file.parse(count, { StatParser.parse($0) }),
            stat.state != "Z"
        else { return nil }
        return facts
    }

    private mutating func note(_ failure: ProcFailure) {
        if failure == .denied { counters.denied += 1 }
    }

    private func cgroup(_ name: String, relativeTo dirfd: Int32) throws(ProcFailure) -> String? {
        let n = try file.read(name, relativeTo: dirfd)
        return file.parse(n) { CgroupParser.path($0) }
    }

    /// Where descriptors 0, 1 and 2 point, "" for a closed one; nil when the links are denied.
    private func standardStreams(fdDir: Int32) -> [String]? {
        var stdio: [String] = []
        for fd in ["0", "1", "2"] {
            do {
                stdio.append(file.string(try file.readLink(fd, relativeTo: fdDir)))
            } catch {
                guard error == .gone else { return nil }
                stdio.append("")
            }
        }
        return stdio
    }

    /// The first `*.pid` or `*.lock` regular file among the descriptors that `locks` holds a lock on.
    private mutating func lockedFile(fdDir: Int32, locks: Set<FileKey>) -> String? {
        var found: String? = nil
        var target = [UInt8](repeating: 0, count: Int(PATH_MAX))
        try? walker.forEachEntry(fd: fdDir) { name, _ in
            let n = target.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { readlinkat(fdDir, name, $0.baseAddress!, $0.count) }
            }
            guard n > 0, target[0] == UInt8(ascii: "/") else { return true }
            let path = target[0..<n]
            guard path.hasSuffix(".pid") || path.hasSuffix(".lock") else { return true }
            // The link followed: the open file itself, whatever its path now names.
            var info = Glibc.stat()
            guard fstatat(fdDir, name, &info, 0) == 0, info.st_mode & S_IFMT == S_IFREG,
                locks.contains(FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
            else { return true }
            found = String(decoding: path, as: UTF8.self)
            return false
        }
        return found
    }

    /// The cookies (`VARIABLE=value`) that some process other than the candidates, zombies and
    /// kernel threads carries: that job still runs, so its runner will end what it left. Stops as
    /// soon as every cookie is found. A pid reused meanwhile does no harm: a newcomer that carries
    /// the cookie belongs to the job as much.
    private func runningJobs(
        _ matches: Dictionary<String, [Int]>.Keys, in snapshot: Snapshot, excluding candidates: Set<Int>, procFD: Int32
    ) -> Set<String> {
        var pending = Set(matches)
        let variables = Set(pending.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        let names = variables.map { Array($0.utf8) }
        var running: Set<String> = []
        for (i, process) in snapshot.processes.enumerated() where !candidates.contains(i) && !process.isZombie && !process.kernelThread {
            let environment: [String: String]
            if fields.contains(.env) {
                guard let env = process.env else { continue }
                environment = env
            } else {
                guard let n = try? file.read("\(process.pid)/environ", relativeTo: procFD) else { continue }
                environment = file.parse(n) { EnvironParser.parse($0, keeping: names) }
            }
            for variable in variables {
                guard let value = environment[variable], pending.remove(variable + "=" + value) != nil else { continue }
                running.insert(variable + "=" + value)
            }
            if pending.isEmpty { break }
        }
        return running
    }
}

extension ArraySlice<UInt8> {
    fileprivate func hasSuffix(_ suffix: StaticString) -> Bool {
        let tail = UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
        return count >= tail.count && self.suffix(tail.count).elementsEqual(tail)
    }
}
