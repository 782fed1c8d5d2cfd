#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The snapshot's JSON form (`zscan snapshot`): written by `JSONWriter` for speed, read back with
/// `JSONDecoder`; both sides take their key names from the same `CodingKeys`, and a round-trip test
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

    /// Reads a snapshot written by `jsonBytes`; unknown keys are ignored so newer minor versions load.
    public static func decode(json: [UInt8]) throws(ScanError) -> Snapshot {
        do {
            return try JSONDecoder().decode(Snapshot.self, from: Data(json))
        } catch let error as DecodingError {
            throw .invalidSnapshot(describe(error))
        } catch {
            throw .invalidSnapshot("\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case let .keyNotFound(key, context): return "missing key '\(key.stringValue)'\(path(context))"
        case let .typeMismatch(_, context): return "\(context.debugDescription)\(path(context))"
        case let .valueNotFound(_, context): return "unexpected null\(path(context))"
        case let .dataCorrupted(context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}

extension Snapshot: Decodable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(String.self, forKey: .formatVersion)
        guard version.split(separator: ".").first == "1" else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: c, debugDescription: "unsupported format_version '\(version)' (this zscan reads 1.x)")
        }
        let names = try c.decodeIfPresent([String].self, forKey: .fields) ?? []
        var fields: FieldSet = []
        for name in names {
            if let entry = FieldSet.named.first(where: { $0.name == name }) { fields.formUnion(entry.set) }
        }
        self.init(
            host: try c.decode(HostInfo.self, forKey: .host),
            takenAt: try c.decode(Double.self, forKey: .takenAt),
            durationMs: try c.decodeIfPresent(Double.self, forKey: .durationMs) ?? 0,
            fields: fields,
            counters: try c.decodeIfPresent(ScanCounters.self, forKey: .counters) ?? ScanCounters(),
            processes: try c.decode([ProcessRecord].self, forKey: .processes),
            sockets: try c.decodeIfPresent([SocketRecord].self, forKey: .sockets) ?? [],
            formatVersion: version)
    }
}

extension HostInfo {
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

extension ProcessRecord: Decodable {
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

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            pid: try c.decode(Int32.self, forKey: .pid),
            ppid: try c.decode(Int32.self, forKey: .ppid),
            pgid: try c.decodeIfPresent(Int32.self, forKey: .pgid) ?? 0,
            sid: try c.decodeIfPresent(Int32.self, forKey: .sid) ?? 0,
            tty: try c.decodeIfPresent(String.self, forKey: .tty),
            state: try c.decode(String.self, forKey: .state),
            name: try c.decode(String.self, forKey: .name),
            exe: try c.decodeIfPresent(String.self, forKey: .exe),
            cmdline: try c.decodeIfPresent(String.self, forKey: .cmdline),
            args: try c.decodeIfPresent([String].self, forKey: .args),
            cwd: try c.decodeIfPresent(String.self, forKey: .cwd),
            user: try c.decodeIfPresent(String.self, forKey: .user),
            uid: try c.decodeIfPresent(UInt32.self, forKey: .uid),
            startTicks: try c.decode(UInt64.self, forKey: .startTicks),
            startedAt: try c.decodeIfPresent(Double.self, forKey: .startedAt) ?? 0,
            age: try c.decodeIfPresent(Double.self, forKey: .age) ?? 0,
            cpuTime: try c.decodeIfPresent(Double.self, forKey: .cpuTime) ?? 0,
            rss: try c.decodeIfPresent(UInt64.self, forKey: .rss) ?? 0,
            threads: try c.decodeIfPresent(Int.self, forKey: .threads) ?? 1,
            fds: try c.decodeIfPresent(Int.self, forKey: .fds),
            ports: try c.decodeIfPresent([Int].self, forKey: .ports),
            listening: try c.decodeIfPresent(Bool.self, forKey: .listening),
            connections: try c.decodeIfPresent(Int.self, forKey: .connections),
            children: try c.decodeIfPresent([Int32].self, forKey: .children) ?? [],
            env: try c.decodeIfPresent([String: String].self, forKey: .env),
            cgroup: try c.decodeIfPresent(String.self, forKey: .cgroup),
            kernelThread: try c.decodeIfPresent(Bool.self, forKey: .kernelThread) ?? false,
            reparented: try c.decodeIfPresent(Bool.self, forKey: .reparented),
            sessionAlive: try c.decodeIfPresent(Bool.self, forKey: .sessionAlive),
            orphaned: try c.decodeIfPresent(Bool.self, forKey: .orphaned) ?? false,
            netns: try c.decodeIfPresent(UInt64.self, forKey: .netns),
            socketInodes: try c.decodeIfPresent([UInt64].self, forKey: .socketInodes) ?? [])
    }
}

extension SocketRecord: Decodable {
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

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            proto: try c.decode(Proto.self, forKey: .proto),
            localAddress: try c.decode(String.self, forKey: .localAddress),
            localPort: try c.decode(Int.self, forKey: .localPort),
            remoteAddress: try c.decodeIfPresent(String.self, forKey: .remoteAddress) ?? "",
            remotePort: try c.decodeIfPresent(Int.self, forKey: .remotePort) ?? 0,
            state: try c.decode(String.self, forKey: .state),
            inode: try c.decode(UInt64.self, forKey: .inode),
            uid: try c.decodeIfPresent(UInt32.self, forKey: .uid) ?? 0,
            owners: try c.decodeIfPresent([Int32].self, forKey: .owners) ?? [],
            ownerKnown: try c.decodeIfPresent(Bool.self, forKey: .ownerKnown) ?? true,
            netns: try c.decodeIfPresent(UInt64.self, forKey: .netns))
    }
}
