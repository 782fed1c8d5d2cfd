/// The fields of a socket. `ConditionEvaluator.socketField` reads each one, and
/// `ExampleBuilder.State.set(_:_:on:)` sets it from a rule example.
enum SocketField: String, SubjectField {
    case proto, localAddress = "local_address", localPort = "local_port", remoteAddress = "remote_address"
    case remotePort = "remote_port", state, inode, uid, owners, owner, ownerKnown = "owner_known"

    var spec: FieldSpec {
        typealias K = SocketRecord.CodingKeys
        switch self {
        case .proto: return field(.string, json: K.proto)
        case .localAddress: return field(.string, json: K.localAddress)
        case .localPort: return field(.int, json: K.localPort)
        case .remoteAddress: return field(.string, json: K.remoteAddress)
        case .remotePort: return field(.int, json: K.remotePort)
        case .state: return field(.string, json: K.state)
        case .inode: return field(.int, json: K.inode)
        case .uid: return field(.int, json: K.uid)
        case .owners: return field(.list(.process), json: K.owners)
        case .owner: return field(.process)
        case .ownerKnown: return field(.bool, json: K.ownerKnown)
        }
    }
}
