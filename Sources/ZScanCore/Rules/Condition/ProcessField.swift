/// The fields of a process. `ConditionEvaluator.processField` reads each one, and
/// `ExampleBuilder.State.set(_:_:on:)` sets it from a rule example.
enum ProcessField: String, SubjectField {
    case pid, ppid, pgid, sid, tty, state, name, exe, cmdline, args, cwd, user, uid
    case startTicks = "start_ticks", startedAt = "started_at", age, cpu, stateBefore = "state_before"
    case cpuTime = "cpu_time", rss, threads, fds, ports, listening, connections, sockets, children, parent
    case env, cgroup, kernelThread = "kernel_thread", reparented, sessionAlive = "session_alive", orphaned
    case new, tracked

    var spec: FieldSpec {
        typealias K = ProcessRecord.CodingKeys
        switch self {
        case .pid: return field(.int, json: K.pid)
        case .ppid: return field(.int, json: K.ppid)
        case .pgid: return field(.int, json: K.pgid)
        case .sid: return field(.int, json: K.sid)
        case .tty: return field(.string, json: K.tty)
        case .state: return field(.string, json: K.state)
        case .name: return field(.string, json: K.name)
        case .exe: return field(.string, .exe, json: K.exe)
        case .cmdline: return field(.string, .cmdline, json: K.cmdline)
        case .args: return field(.list(.string), [.cmdline, .args], json: K.args)
        case .cwd: return field(.string, .cwd, json: K.cwd)
        case .user: return field(.string, .status, json: K.user)
        case .uid: return field(.int, .status, json: K.uid)
        case .startTicks: return field(.int, json: K.startTicks)
        case .startedAt: return field(.float, json: K.startedAt)
        case .age: return field(.duration, json: K.age)
        case .cpu: return field(.float, sampled: true)
        case .stateBefore: return field(.string, sampled: true)
        case .cpuTime: return field(.duration, json: K.cpuTime)
        case .rss: return field(.bytes, json: K.rss)
        case .threads: return field(.int, json: K.threads)
        case .fds: return field(.int, .fds, json: K.fds)
        case .ports: return field(.list(.int), .listeners, json: K.ports)
        case .listening: return field(.bool, .listeners, json: K.listening)
        case .connections: return field(.int, .sockets, json: K.connections)
        // Sockets are linked to their owners when a snapshot loads (`socket_inodes`).
        case .sockets: return field(.list(.socket), [.fds, .sockets])
        // The snapshot stores children as pids; the field is the processes they name.
        case .children: return field(.list(.process), json: K.children)
        case .parent: return field(.process)
        case .env: return field(.map, .env, json: K.env)
        case .cgroup: return field(.string, .cgroup, json: K.cgroup)
        case .kernelThread: return field(.bool, json: K.kernelThread)
        case .reparented: return field(.bool, json: K.reparented)
        case .sessionAlive: return field(.bool, json: K.sessionAlive)
        case .orphaned: return field(.bool, json: K.orphaned)
        case .new: return field(.bool, baseline: true)
        // No environments need reading: `zscan run` knows its descendants and reads the cookie
        // itself; elsewhere an unread environment leaves it unknown.
        case .tracked: return field(.bool)
        }
    }
}
