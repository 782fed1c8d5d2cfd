/// The snapshot's JSON form (`zscan snapshot`): written by `JSONWriter`, read back through
/// `JSONValue`. A record's writer and reader each switch over its `CodingKeys`, so a key one side
/// forgets does not compile, and a round-trip test keeps their values in step. This is what
/// `--baseline` and `--from` read.
extension Snapshot {
    /// The whole document in memory (tests, small snapshots); `writeJSON` streams it.
    public func jsonBytes(pretty: Bool = false) -> [UInt8] {
        var all: [UInt8] = []
        writeJSON(pretty: pretty) { all += $0 }
        return all
    }

    /// Writes the document to `emit` in chunks of about `chunkSize` bytes: 2000 processes make
    /// 2 MB of JSON that need never be held at once.
    public func writeJSON(pretty: Bool = false, chunkSize: Int = 64 * 1024, _ emit: ([UInt8]) -> Void) {
        var w = JSONWriter(pretty: pretty, capacity: chunkSize + 8192)
        typealias K = CodingKeys
        w.beginObject()
        w.key(K.formatVersion.rawValue); w.string(formatVersion)
        w.key(K.tool.rawValue)
        w.beginObject()
        w.key("name"); w.string(ToolInfo.name)
        w.key("version"); w.string(ToolInfo.version)
        w.endObject()
        w.key(K.host.rawValue); host.write(to: &w)
        w.key(K.takenAt.rawValue); w.double(takenAt)
        w.key(K.durationMs.rawValue); w.double(durationMs)
        w.key(K.fields.rawValue); w.stringArray(fields.names)
        w.key(K.counters.rawValue)
        w.beginObject()
        w.key("vanished"); w.int(counters.vanished)
        w.key("denied"); w.int(counters.denied)
        w.key("fds_unreadable"); w.int(counters.fdsUnreadable)
        w.endObject()
        w.key(K.processes.rawValue)
        w.beginArray()
        for process in processes {
            process.write(to: &w)
            if w.bytes.count >= chunkSize { w.flush(emit) }
        }
        w.endArray()
        w.key(K.sockets.rawValue)
        w.beginArray()
        for socket in sockets {
            socket.write(to: &w)
            if w.bytes.count >= chunkSize { w.flush(emit) }
        }
        w.endArray()
        w.endObject()
        w.newline()
        w.flush(emit)
    }

    /// Reads a snapshot written by `writeJSON`; unknown keys are ignored so newer minor versions load.
    public static func decode(json: [UInt8]) throws(ScanError) -> Snapshot {
        let document: JSONValue
        do {
            document = try JSONValue.parse(json)
        } catch {
            throw .invalidSnapshot(error.description)
        }
        typealias K = CodingKeys
        let c = try JSONFields(document, path: "")
        let version = try c.string(K.formatVersion.rawValue)
        guard version.split(separator: ".").first == "1" else {
            throw .invalidSnapshot("unsupported format_version '\(version)' (this zscan reads 1.x)")
        }
        let host = try HostInfo(json: try c.object(K.host.rawValue))
        let takenAt = try c.double(K.takenAt.rawValue)
        var fields: FieldSet = []
        for name in try c.optionalStrings(K.fields.rawValue) ?? [] {
            if let entry = FieldSet.named.first(where: { $0.name == name }) { fields.formUnion(entry.set) }
        }
        var counters = ScanCounters()
        if let n = try c.optionalObject(K.counters.rawValue) {
            counters = ScanCounters(
                vanished: try n.optionalInteger("vanished") ?? 0, denied: try n.optionalInteger("denied") ?? 0,
                fdsUnreadable: try n.optionalInteger("fds_unreadable") ?? 0)
        }
        guard let processList = try c.optionalArray(K.processes.rawValue) else {
            throw .invalidSnapshot("missing key 'processes'")
        }
        var processes: [ProcessRecord] = []
        processes.reserveCapacity(processList.count)
        for element in processList {
            processes.append(try ProcessRecord(json: try JSONFields(element.value, path: element.path)))
        }
        var sockets: [SocketRecord] = []
        for element in try c.optionalArray(K.sockets.rawValue) ?? [] {
            sockets.append(try SocketRecord(json: try JSONFields(element.value, path: element.path)))
        }
        return Snapshot(
            host: host, takenAt: takenAt, durationMs: try c.optionalDouble(K.durationMs.rawValue) ?? 0,
            fields: fields, counters: counters, processes: processes, sockets: sockets, formatVersion: version)
    }
}

extension HostInfo {
    init(json c: JSONFields) throws(ScanError) {
        typealias K = CodingKeys
        self.init(
            hostname: try c.optionalString(K.hostname.rawValue) ?? "",
            kernel: try c.optionalString(K.kernel.rawValue) ?? "",
            bootTime: try c.double(K.bootTime.rawValue),
            uptime: try c.optionalDouble(K.uptime.rawValue) ?? 0,
            clockTicks: try c.integer(K.clockTicks.rawValue),
            pageSize: try c.optionalInteger(K.pageSize.rawValue) ?? 4096,
            initPid: try c.optionalInteger(K.initPid.rawValue),
            initName: try c.optionalString(K.initName.rawValue),
            collectorPid: try c.optionalInteger(K.collectorPid.rawValue) ?? 0,
            collectorSubreaper: try c.optionalBool(K.collectorSubreaper.rawValue) ?? false)
    }

    func write(to w: inout JSONWriter) {
        typealias K = CodingKeys
        w.beginObject()
        w.key(K.hostname.rawValue); w.string(hostname)
        w.key(K.kernel.rawValue); w.string(kernel)
        w.key(K.bootTime.rawValue); w.double(bootTime)
        w.key(K.uptime.rawValue); w.double(uptime)
        w.key(K.clockTicks.rawValue); w.int(clockTicks)
        w.key(K.pageSize.rawValue); w.int(pageSize)
        w.key(K.initPid.rawValue); w.int(initPid)
        w.key(K.initName.rawValue); w.string(initName)
        w.key(K.collectorPid.rawValue); w.int(collectorPid)
        w.key(K.collectorSubreaper.rawValue); w.bool(collectorSubreaper)
        w.endObject()
    }
}

extension ProcessRecord {
    /// `CodingKeys.allCases` builds a new array on every call; records walk this one.
    static let jsonKeys = CodingKeys.allCases

    init(json c: JSONFields) throws(ScanError) {
        self.init(pid: 0, ppid: 0)
        for key in Self.jsonKeys {
            let k = key.rawValue
            switch key {
            case .pid: pid = try c.integer(k)
            case .ppid: ppid = try c.integer(k)
            case .pgid: pgid = try c.optionalInteger(k) ?? 0
            case .sid: sid = try c.optionalInteger(k) ?? 0
            case .tty: tty = try c.optionalString(k)
            case .state: state = try c.string(k)
            case .name: name = try c.string(k)
            case .exe: exe = try c.optionalString(k)
            case .cmdline: cmdline = try c.optionalString(k)
            case .args: args = try c.optionalStrings(k)
            case .cwd: cwd = try c.optionalString(k)
            case .user: user = try c.optionalString(k)
            case .uid: uid = try c.optionalInteger(k)
            case .startTicks: startTicks = try c.integer(k)
            case .startedAt: startedAt = try c.optionalDouble(k) ?? 0
            case .age: age = try c.optionalDouble(k) ?? 0
            case .cpuTime: cpuTime = try c.optionalDouble(k) ?? 0
            case .rss: rss = try c.optionalInteger(k) ?? 0
            case .threads: threads = try c.optionalInteger(k) ?? 1
            case .fds: fds = try c.optionalInteger(k)
            case .ports: ports = try c.optionalIntegers(k)
            case .listening: listening = try c.optionalBool(k)
            case .connections: connections = try c.optionalInteger(k)
            case .children: children = try c.optionalIntegers(k) ?? []
            case .env: env = try c.optionalStringMap(k)
            case .cgroup: cgroup = try c.optionalString(k)
            case .kernelThread: kernelThread = try c.optionalBool(k) ?? false
            case .reparented: reparented = try c.optionalBool(k)
            case .sessionAlive: sessionAlive = try c.optionalBool(k)
            case .orphaned: orphaned = try c.optionalBool(k) ?? false
            case .netns: netns = try c.optionalInteger(k)
            case .socketInodes: socketInodes = try c.optionalIntegers(k) ?? []
            }
        }
    }

    func write(to w: inout JSONWriter) {
        w.beginObject()
        for key in Self.jsonKeys {
            w.key(key.rawValue)
            switch key {
            case .pid: w.int(pid)
            case .ppid: w.int(ppid)
            case .pgid: w.int(pgid)
            case .sid: w.int(sid)
            case .tty: w.string(tty)
            case .state: w.string(state)
            case .name: w.string(name)
            case .exe: w.string(exe)
            case .cmdline: w.string(cmdline)
            case .args: if let args { w.stringArray(args) } else { w.null() }
            case .cwd: w.string(cwd)
            case .user: w.string(user)
            case .uid: w.int(uid)
            case .startTicks: w.int(startTicks)
            case .startedAt: w.double(startedAt)
            case .age: w.double(age)
            case .cpuTime: w.double(cpuTime)
            case .rss: w.int(rss)
            case .threads: w.int(threads)
            case .fds: w.int(fds)
            case .ports: if let ports { w.intArray(ports) } else { w.null() }
            case .listening: w.bool(listening)
            case .connections: w.int(connections)
            case .children: w.intArray(children)
            case .env:
                if let env {
                    w.beginObject()
                    for key in env.keys.sorted() {
                        w.key(key)
                        w.string(env[key]!)
                    }
                    w.endObject()
                } else {
                    w.null()
                }
            case .cgroup: w.string(cgroup)
            case .kernelThread: w.bool(kernelThread)
            case .reparented: w.bool(reparented)
            case .sessionAlive: w.bool(sessionAlive)
            case .orphaned: w.bool(orphaned)
            case .netns: w.int(netns)
            case .socketInodes: w.intArray(socketInodes)
            }
        }
        w.endObject()
    }
}

extension SocketRecord {
    /// `CodingKeys.allCases` builds a new array on every call; records walk this one.
    static let jsonKeys = CodingKeys.allCases

    init(json c: JSONFields) throws(ScanError) {
        self.init(proto: .tcp, localAddress: "", localPort: 0, state: "", inode: 0)
        for key in Self.jsonKeys {
            let k = key.rawValue
            switch key {
            case .proto:
                let name = try c.string(k)
                guard let value = Proto(rawValue: name) else {
                    throw ScanError.invalidSnapshot("unknown proto '\(name)'\(JSONFields.at(c.path))")
                }
                proto = value
            case .localAddress: localAddress = try c.string(k)
            case .localPort: localPort = try c.integer(k)
            case .remoteAddress: remoteAddress = try c.optionalString(k) ?? ""
            case .remotePort: remotePort = try c.optionalInteger(k) ?? 0
            case .state: state = try c.string(k)
            case .inode: inode = try c.integer(k)
            case .uid: uid = try c.optionalInteger(k) ?? 0
            case .owners: owners = try c.optionalIntegers(k) ?? []
            case .ownerKnown: ownerKnown = try c.optionalBool(k) ?? true
            case .netns: netns = try c.optionalInteger(k)
            }
        }
    }

    func write(to w: inout JSONWriter) {
        w.beginObject()
        for key in Self.jsonKeys {
            w.key(key.rawValue)
            switch key {
            case .proto: w.string(proto.rawValue)
            case .localAddress: w.string(localAddress)
            case .localPort: w.int(localPort)
            case .remoteAddress: w.string(remoteAddress)
            case .remotePort: w.int(remotePort)
            case .state: w.string(state)
            case .inode: w.int(inode)
            case .uid: w.int(uid)
            case .owners: w.intArray(owners)
            case .ownerKnown: w.bool(ownerKnown)
            case .netns: w.int(netns)
            }
        }
        w.endObject()
    }
}
