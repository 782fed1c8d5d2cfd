/// One TCP or UDP socket from a network namespace's `/proc/net/{tcp,tcp6,udp,udp6}` table, with the
/// processes that hold it open.
public struct SocketRecord: Sendable, Equatable {
    public enum Proto: String, Sendable, CaseIterable {
        case tcp, tcp6, udp, udp6
        public var isTCP: Bool { self == .tcp || self == .tcp6 }
    }

    public var proto: Proto
    public var localAddress: String
    public var localPort: Int
    public var remoteAddress: String
    public var remotePort: Int
    /// TCP state by its kernel name (`LISTEN`, `ESTABLISHED`, `CLOSE_WAIT`, …); UDP: `UNCONN` or `ESTABLISHED`.
    public var state: String
    /// Socket inode (0 for sockets no descriptor refers to any more, such as TIME_WAIT).
    public var inode: UInt64
    public var uid: UInt32
    /// Pids of every process with a descriptor on this socket, ascending.
    public var owners: [Int32]
    /// False when an owner could not be seen because some `/proc/PID/fd` was unreadable; a socket
    /// with no owners and `ownerKnown == true` really has no process holding it.
    public var ownerKnown: Bool
    /// The network namespace inode the table was read from, when known.
    public var netns: UInt64?

    public init(
        proto: Proto, localAddress: String, localPort: Int, remoteAddress: String = "",
        remotePort: Int = 0, state: String, inode: UInt64, uid: UInt32 = 0, owners: [Int32] = [],
        ownerKnown: Bool = true, netns: UInt64? = nil
    ) {
        self.proto = proto
        self.localAddress = localAddress
        self.localPort = localPort
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.state = state
        self.inode = inode
        self.uid = uid
        self.owners = owners
        self.ownerKnown = ownerKnown
        self.netns = netns
    }

    /// A TCP socket in LISTEN, or a bound UDP socket with no peer (what `ss -l` lists).
    public var isListening: Bool {
        proto.isTCP ? state == "LISTEN" : (state == "UNCONN" && localPort != 0)
    }

    /// The keys of a socket in snapshot JSON, in the order they are written, each with the field it
    /// keeps; `netns` is not a rule field, and `owner` (the first of `owners`) is not stored.
    public enum CodingKeys: String, CaseIterable, RecordKey {
        case proto
        case localAddress = "local_address"
        case localPort = "local_port"
        case remoteAddress = "remote_address"
        case remotePort = "remote_port"
        case state, inode, uid, owners
        case ownerKnown = "owner_known"
        case netns

        typealias Record = SocketRecord

        func access<Access: FieldAccess<SocketRecord>>(_ a: inout Access) throws(Access.Failure) {
            switch self {
            case .proto: try a(\.proto, required: true)
            case .localAddress: try a(\.localAddress, required: true)
            case .localPort: try a(\.localPort, required: true)
            case .remoteAddress: try a(\.remoteAddress)
            case .remotePort: try a(\.remotePort)
            case .state: try a(\.state, required: true)
            case .inode: try a(\.inode, required: true)
            case .uid: try a(\.uid)
            case .owners: try a(\.owners)
            case .ownerKnown: try a(\.ownerKnown)
            case .netns: try a(\.netns)
            }
        }
    }
}

extension SocketRecord: SnapshotRecord {
    static var blank: SocketRecord { SocketRecord(proto: .tcp, localAddress: "", localPort: 0, state: "", inode: 0) }
    static let keys = CodingKeys.allCases
}

extension SocketRecord.Proto: SnapshotValue {
    func write(to w: inout JSONWriter) { w.string(rawValue) }

    init(json: JSONValue, in record: JSONFields, at path: () -> String) throws(ScanError) {
        let name = try String(json: json, in: record, at: path)
        guard let proto = Self(rawValue: name) else { throw .invalidSnapshot("unknown proto '\(name)'\(JSONFields.at(record.path))") }
        self = proto
    }

    init(example: JSON5Node, as _: ValueType, field _: String) throws(ExampleError) {
        guard let proto = Self(rawValue: try ExampleBuilder.string(example)) else {
            throw ExampleError(message: "proto must be tcp, tcp6, udp or udp6", location: example.location)
        }
        self = proto
    }
}
