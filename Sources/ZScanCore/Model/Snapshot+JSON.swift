/// The snapshot's JSON form (`zscan snapshot`): written by `JSONWriter`, read back through
/// `JSONValue`. Processes and sockets are written and read key by key, each key handing its field
/// to a `FieldAccess` (`SnapshotRecord`), so both sides follow one list. This is what
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
        w.key(K.userDatabaseError.rawValue); w.string(userDatabaseError)
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
            fields: fields, counters: counters, userDatabaseError: try c.optionalString(K.userDatabaseError.rawValue),
            processes: processes, sockets: sockets, formatVersion: version)
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
            collectorSubreaper: try c.optionalBool(K.collectorSubreaper.rawValue) ?? false,
            pidNamespace: try c.optionalInteger(K.pidNamespace.rawValue),
            container: try c.present(K.container.rawValue).map { (json: JSONValue) throws(ScanError) in
                try ContainerInfo(json: json, in: c, at: { c.place(K.container.rawValue) })
            })
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
        w.key(K.pidNamespace.rawValue); w.int(pidNamespace)
        w.key(K.container.rawValue); container.write(to: &w)
        w.endObject()
    }
}
