/// The snapshot's JSON form (`zscan snapshot`): written by `JSONWriter`, read back through
/// `JSONValue`; both sides take their key names from the same `CodingKeys`, and a round-trip test
/// keeps them in step. This is what `--baseline` and `--from` read.
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
    init(json c: JSONFields) throws(ScanError) {
        typealias K = CodingKeys
        self.init(
            pid: try c.integer(K.pid.rawValue),
            ppid: try c.integer(K.ppid.rawValue),
            pgid: try c.optionalInteger(K.pgid.rawValue) ?? 0,
            sid: try c.optionalInteger(K.sid.rawValue) ?? 0,
            tty: try c.optionalString(K.tty.rawValue),
            state: try c.string(K.state.rawValue),
            name: try c.string(K.name.rawValue),
            exe: try c.optionalString(K.exe.rawValue),
            cmdline: try c.optionalString(K.cmdline.rawValue),
            args: try c.optionalStrings(K.args.rawValue),
            cwd: try c.optionalString(K.cwd.rawValue),
            user: try c.optionalString(K.user.rawValue),
            uid: try c.optionalInteger(K.uid.rawValue),
            startTicks: try c.integer(K.startTicks.rawValue),
            startedAt: try c.optionalDouble(K.startedAt.rawValue) ?? 0,
            age: try c.optionalDouble(K.age.rawValue) ?? 0,
            cpuTime: try c.optionalDouble(K.cpuTime.rawValue) ?? 0,
            rss: try c.optionalInteger(K.rss.rawValue) ?? 0,
            threads: try c.optionalInteger(K.threads.rawValue) ?? 1,
            fds: try c.optionalInteger(K.fds.rawValue),
            ports: try c.optionalIntegers(K.ports.rawValue),
            listening: try c.optionalBool(K.listening.rawValue),
            connections: try c.optionalInteger(K.connections.rawValue),
            children: try c.optionalIntegers(K.children.rawValue) ?? [],
            env: try c.optionalStringMap(K.env.rawValue),
            cgroup: try c.optionalString(K.cgroup.rawValue),
            kernelThread: try c.optionalBool(K.kernelThread.rawValue) ?? false,
            reparented: try c.optionalBool(K.reparented.rawValue),
            sessionAlive: try c.optionalBool(K.sessionAlive.rawValue),
            orphaned: try c.optionalBool(K.orphaned.rawValue) ?? false,
            netns: try c.optionalInteger(K.netns.rawValue),
            socketInodes: try c.optionalIntegers(K.socketInodes.rawValue) ?? [])
    }

    func write(to w: inout JSONWriter) {
        typealias K = CodingKeys
        w.beginObject()
        w.key(K.pid.rawValue); w.int(pid)
        w.key(K.ppid.rawValue); w.int(ppid)
        w.key(K.pgid.rawValue); w.int(pgid)
        w.key(K.sid.rawValue); w.int(sid)
        w.key(K.tty.rawValue); w.string(tty)
        w.key(K.state.rawValue); w.string(state)
        w.key(K.name.rawValue); w.string(name)
        w.key(K.exe.rawValue); w.string(exe)
        w.key(K.cmdline.rawValue); w.string(cmdline)
        w.key(K.args.rawValue)
        if let args { w.stringArray(args) } else { w.null() }
        w.key(K.cwd.rawValue); w.string(cwd)
        w.key(K.user.rawValue); w.string(user)
        w.key(K.uid.rawValue); w.int(uid)
        w.key(K.startTicks.rawValue); w.int(startTicks)
        w.key(K.startedAt.rawValue); w.double(startedAt)
        w.key(K.age.rawValue); w.double(age)
        w.key(K.cpuTime.rawValue); w.double(cpuTime)
        w.key(K.rss.rawValue); w.int(rss)
        w.key(K.threads.rawValue); w.int(threads)
        w.key(K.fds.rawValue); w.int(fds)
        w.key(K.ports.rawValue)
        if let ports { w.intArray(ports) } else { w.null() }
        w.key(K.listening.rawValue); w.bool(listening)
        w.key(K.connections.rawValue); w.int(connections)
        w.key(K.children.rawValue); w.intArray(children)
        w.key(K.env.rawValue)
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
        w.key(K.cgroup.rawValue); w.string(cgroup)
        w.key(K.kernelThread.rawValue); w.bool(kernelThread)
        w.key(K.reparented.rawValue); w.bool(reparented)
        w.key(K.sessionAlive.rawValue); w.bool(sessionAlive)
        w.key(K.orphaned.rawValue); w.bool(orphaned)
        w.key(K.netns.rawValue); w.int(netns)
        w.key(K.socketInodes.rawValue); w.intArray(socketInodes)
        w.endObject()
    }

}

extension SocketRecord {
    init(json c: JSONFields) throws(ScanError) {
        typealias K = CodingKeys
        let protoName = try c.string(K.proto.rawValue)
        guard let proto = Proto(rawValue: protoName) else {
            throw ScanError.invalidSnapshot("unknown proto '\(protoName)'\(JSONFields.at(c.path))")
        }
        self.init(
            proto: proto,
            localAddress: try c.string(K.localAddress.rawValue),
            localPort: try c.integer(K.localPort.rawValue),
            remoteAddress: try c.optionalString(K.remoteAddress.rawValue) ?? "",
            remotePort: try c.optionalInteger(K.remotePort.rawValue) ?? 0,
            state: try c.string(K.state.rawValue),
            inode: try c.integer(K.inode.rawValue),
            uid: try c.optionalInteger(K.uid.rawValue) ?? 0,
            owners: try c.optionalIntegers(K.owners.rawValue) ?? [],
            ownerKnown: try c.optionalBool(K.ownerKnown.rawValue) ?? true,
            netns: try c.optionalInteger(K.netns.rawValue))
    }

    func write(to w: inout JSONWriter) {
        typealias K = CodingKeys
        w.beginObject()
        w.key(K.proto.rawValue); w.string(proto.rawValue)
        w.key(K.localAddress.rawValue); w.string(localAddress)
        w.key(K.localPort.rawValue); w.int(localPort)
        w.key(K.remoteAddress.rawValue); w.string(remoteAddress)
        w.key(K.remotePort.rawValue); w.int(remotePort)
        w.key(K.state.rawValue); w.string(state)
        w.key(K.inode.rawValue); w.int(inode)
        w.key(K.uid.rawValue); w.int(uid)
        w.key(K.owners.rawValue); w.intArray(owners)
        w.key(K.ownerKnown.rawValue); w.bool(ownerKnown)
        w.key(K.netns.rawValue); w.int(netns)
        w.endObject()
    }

}
