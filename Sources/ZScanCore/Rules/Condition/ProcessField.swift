/// The fields of a process. `ConditionEvaluator.processField` reads each one, and
/// `ExampleBuilder.ProcessExample.set(_:_:)` sets it from a rule example.
enum ProcessField: String, SubjectField {
    case pid, ppid, pgid, sid, tty, state, name, exe, cmdline, args, cwd, user, uid
    case startTicks = "start_ticks", startedAt = "started_at", age, cpu, stateBefore = "state_before"
    case cpuTime = "cpu_time", rss, threads, fds, ports, listening, connections, sockets, children, parent
    case env, cgroup, kernelThread = "kernel_thread", reparented, sessionAlive = "session_alive", orphaned
    case new, tracked

    private typealias K = ProcessRecord.CodingKeys

    var spec: FieldSpec {
        switch self {
        case .pid: field(.int, json: K.pid)
        case .ppid: field(.int, json: K.ppid)
        case .pgid: field(.int, json: K.pgid)
        case .sid: field(.int, json: K.sid)
        case .tty: field(.string, json: K.tty)
        case .state: field(.string, json: K.state)
        case .name: field(.string, json: K.name)
        case .exe: field(.string, .exe, json: K.exe)
        case .cmdline: field(.string, .cmdline, json: K.cmdline)
        case .args: field(.list(.string), [.cmdline, .args], json: K.args)
        case .cwd: field(.string, .cwd, json: K.cwd)
        case .user: field(.string, .status, json: K.user)
        case .uid: field(.int, .status, json: K.uid)
        case .startTicks: field(.int, json: K.startTicks)
        case .startedAt: field(.float, json: K.startedAt)
        case .age: field(.duration, json: K.age)
        case .cpu: field(.float, sampled: true)
        case .stateBefore: field(.string, sampled: true)
        case .cpuTime: field(.duration, json: K.cpuTime)
        case .rss: field(.bytes, json: K.rss)
        case .threads: field(.int, json: K.threads)
        case .fds: field(.int, .fds, json: K.fds)
        case .ports: field(.list(.int), .listeners, json: K.ports)
        case .listening: field(.bool, .listeners, json: K.listening)
        case .connections: field(.int, .sockets, json: K.connections)
        // Sockets are linked to their owners when a snapshot loads (`socket_inodes`).
        case .sockets: field(.list(.socket), [.fds, .sockets])
        // The snapshot stores children as pids; the field is the processes they name.
        case .children: field(.list(.process), json: K.children)
        case .parent: field(.process)
        case .env: field(.map, .env, json: K.env)
        case .cgroup: field(.string, .cgroup, json: K.cgroup)
        case .kernelThread: field(.bool, json: K.kernelThread)
        case .reparented: field(.bool, json: K.reparented)
        case .sessionAlive: field(.bool, json: K.sessionAlive)
        case .orphaned: field(.bool, json: K.orphaned)
        case .new: field(.bool, baseline: true)
        // No environments need reading: `zscan run` knows its descendants and reads the cookie
        // itself; elsewhere an unread environment leaves it unknown.
        case .tracked: field(.bool)
        }
    }
}
