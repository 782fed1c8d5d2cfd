/// `zscan ports`: who holds which listening ports, as a table like `ss -ltnp` or as JSON.
public struct PortsReport {
    public struct Entry {
        public var socket: SocketRecord
        public var owners: [ProcessRecord]
    }

    public let snapshot: Snapshot
    /// The ports asked for (empty: all listening ports).
    public let requested: [Int]
    public let entries: [Entry]
    /// Requested ports no listening socket holds.
    public let free: [Int]

    public init(snapshot: Snapshot, requested: [Int], protocols: Set<SocketRecord.Proto> = Set(SocketRecord.Proto.allCases)) {
        self.snapshot = snapshot
        self.requested = requested
        let wanted = Set(requested)
        entries = snapshot.listeningSockets
            .filter { protocols.contains($0.proto) && (wanted.isEmpty || wanted.contains($0.localPort)) }
            .map { socket in Entry(socket: socket, owners: socket.owners.compactMap { snapshot.process(pid: $0) }) }
        let held = Set(entries.map(\.socket.localPort))
        free = requested.filter { !held.contains($0) }
    }

    /// Exit status for scripts: 1 when a named port is held, 0 otherwise.
    public var exitCode: Int32 { !requested.isEmpty && !entries.isEmpty ? 1 : 0 }

    /// The table; `width` cuts command lines to the terminal (nil: never cut).
    public func text(width: Int?) -> String {
        var rows: [[String]] = [["PROTO", "ADDRESS", "PORT", "PID", "USER", "STATE", "AGE", "COMMAND"]]
        for entry in entries {
            let s = entry.socket
            if entry.owners.isEmpty {
                let why = s.ownerKnown ? "(no process holds it)" : "(owner not visible: permission denied)"
                rows.append([s.proto.rawValue, s.localAddress, String(s.localPort), "-", "-", "-", "-", why])
            }
            for owner in entry.owners {
                rows.append([
                    s.proto.rawValue, s.localAddress, String(s.localPort), String(owner.pid),
                    owner.user.map(TerminalText.escape) ?? owner.uid.map(String.init) ?? "?", owner.state,
                    DurationText.short(owner.age), commandText(owner),
                ])
            }
        }
        var lines: [String] = []
        if !entries.isEmpty || requested.isEmpty {
            lines = Table.render(rows, lastColumnWidth: width)
        }
        if entries.isEmpty && requested.isEmpty { lines.append("no listening ports") }
        for port in free { lines.append("port \(port): free (no listening socket)") }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json(pretty: Bool) -> [UInt8] {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.key("format_version"); w.string("1.0")
        w.key("requested"); w.intArray(requested)
        w.key("ports")
        w.beginArray()
        for entry in entries {
            let s = entry.socket
            w.beginObject()
            w.key("proto"); w.string(s.proto.rawValue)
            w.key("address"); w.string(s.localAddress)
            w.key("port"); w.int(s.localPort)
            w.key("state"); w.string(s.state)
            w.key("inode"); w.int(s.inode)
            w.key("owner_known"); w.bool(s.ownerKnown)
            w.key("owners")
            w.beginArray()
            for owner in entry.owners {
                w.beginObject()
                w.key("pid"); w.int(owner.pid)
                w.key("start_ticks"); w.int(owner.startTicks)
                w.key("name"); w.string(owner.name)
                w.key("user"); w.string(owner.user)
                w.key("uid"); w.int(owner.uid)
                w.key("state"); w.string(owner.state)
                w.key("age"); w.double(owner.age)
                w.key("cmdline"); w.string(owner.cmdline)
                w.key("orphaned"); w.bool(owner.orphaned)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("free"); w.intArray(free)
        w.endObject()
        w.newline()
        return w.bytes
    }

    private func commandText(_ process: ProcessRecord) -> String {
        let command = process.cmdline.flatMap { $0.isEmpty ? nil : $0 } ?? "[\(process.name)]"
        return TerminalText.escape(command)
    }
}
