/// The fields of a socket, one entry each. `ConditionEvaluator.socketField` reads each one.
enum SocketField: String, ExampleField {
    case proto, localAddress = "local_address", localPort = "local_port", remoteAddress = "remote_address"
    case remotePort = "remote_port", state, inode, uid, owners, owner, ownerKnown = "owner_known"

    private typealias K = SocketRecord.CodingKeys

    var entry: FieldEntry<ExampleBuilder.SocketExample> {
        switch self {
        case .proto: stored(K.proto, .string)
        case .localAddress: stored(K.localAddress, .string)
        case .localPort: stored(K.localPort, .int)
        case .remoteAddress: stored(K.remoteAddress, .string)
        case .remotePort: stored(K.remotePort, .int)
        case .state: stored(K.state, .string)
        case .inode: stored(K.inode, .int)
        case .uid: stored(K.uid, .int)
        // The snapshot stores owners as pids; an example writes the processes.
        case .owners: stored(K.owners, .list(.process), example: \.owners)
        case .owner: field(.process, example: \.owner)
        case .ownerKnown: stored(K.ownerKnown, .bool)
        }
    }
}
