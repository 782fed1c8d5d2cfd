/// The fields of a process, one entry each. `ConditionEvaluator.processField` reads each one.
enum ProcessField: String, ExampleField {
    case pid, ppid, pgid, sid, tty, state, name, exe, exeDeleted = "exe_deleted", cmdline, args, cwd, user, uid
    case startTicks = "start_ticks", startedAt = "started_at", age, cpu, stateBefore = "state_before"
    case cpuTime = "cpu_time", rss, threads, fds, ports, listening, connections, sockets, children, parent
    case env, cgroup, kernelThread = "kernel_thread", adopted, reparented, sessionAlive = "session_alive", detached, orphaned
    case evidence, pidfile, ignoresSighup = "ignores_sighup", stdio, lockedFile = "locked_file", job, jobAlive = "job_alive"
    case ciOptOut = "ci_opt_out"
    case pidNs = "pid_ns", nsPid = "ns_pid", nsInit = "ns_init", container
    case new, tracked

    private typealias K = ProcessRecord.CodingKeys

    var entry: FieldEntry<ExampleBuilder.ProcessExample> {
        switch self {
        case .pid: stored(K.pid, .int)
        case .ppid: stored(K.ppid, .int)
        case .pgid: stored(K.pgid, .int)
        case .sid: stored(K.sid, .int)
        case .tty: stored(K.tty, .string)
        case .state: stored(K.state, .string)
        case .name: stored(K.name, .string)
        case .exe: stored(K.exe, .string, .exe)
        case .exeDeleted: stored(K.exeDeleted, .bool, .exe)
        case .cmdline: stored(K.cmdline, .string, .cmdline)
        case .args: stored(K.args, .list(.string), [.cmdline, .args])
        case .cwd: stored(K.cwd, .string, .cwd)
        case .user: stored(K.user, .string, .status)
        case .uid: stored(K.uid, .int, .status)
        case .startTicks: stored(K.startTicks, .int)
        case .startedAt: stored(K.startedAt, .float)
        case .age: stored(K.age, .duration)
        case .cpu: field(.float, sampled: true, example: \.cpu)
        case .stateBefore: field(.string, sampled: true, example: \.stateBefore)
        case .cpuTime: stored(K.cpuTime, .duration)
        case .rss: stored(K.rss, .bytes)
        case .threads: stored(K.threads, .int)
        case .fds: stored(K.fds, .int, .fds)
        case .ports: stored(K.ports, .list(.int), .listeners)
        case .listening: stored(K.listening, .bool, .listeners)
        case .connections: stored(K.connections, .int, .sockets)
        // Sockets are linked to their owners when a snapshot loads (`socket_inodes`).
        case .sockets: field(.list(.socket), [.fds, .sockets], example: \.sockets)
        // The snapshot stores children as pids; the field is the processes they name.
        case .children: stored(K.children, .list(.process), example: \.children)
        case .parent: field(.process, example: \.parent)
        case .env: stored(K.env, .map, .env)
        case .cgroup: stored(K.cgroup, .string, .cgroup)
        case .kernelThread: stored(K.kernelThread, .bool)
        case .adopted: stored(K.adopted, .bool, .provenance)
        // The name `adopted` had before it counted session leaders; kept so rules keep working.
        case .reparented: field(.bool, .provenance, example: \.record.adopted)
        case .sessionAlive: stored(K.sessionAlive, .bool)
        case .detached: stored(K.detached, .bool, .provenance)
        case .orphaned: stored(K.orphaned, .bool, .provenance)
        case .evidence: stored(K.evidence, .list(.string), .provenance)
        case .pidfile: stored(K.pidfile, .string, .provenance)
        case .ignoresSighup: stored(K.ignoresSighup, .bool, .provenance)
        case .stdio: stored(K.stdio, .list(.string), .provenance)
        case .lockedFile: stored(K.lockedFile, .string, .provenance)
        case .job: stored(K.job, .string, .provenance)
        case .jobAlive: stored(K.jobAlive, .bool, .provenance)
        case .ciOptOut: stored(K.ciOptOut, .string, .provenance)
        case .pidNs: stored(K.pidNs, .int, .namespace)
        case .nsPid: stored(K.nsPid, .int, .namespace)
        case .nsInit: stored(K.nsInit, .bool, .namespace)
        // Outside zscan's PID namespace, a path no runtime is known by is an `unknown` container.
        case .container: stored(K.container, .map, [.cgroup, .namespace])
        case .new: field(.bool, baseline: true, example: \.new)
        // No environments need reading: `zscan run` knows its descendants and reads the cookie
        // itself; elsewhere an unread environment leaves it unknown.
        case .tracked: field(.bool, example: \.tracked)
        }
    }
}
