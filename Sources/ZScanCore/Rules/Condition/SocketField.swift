/// The fields of a socket. `ConditionEvaluator.socketField` reads each one, and
/// `ExampleBuilder.set(_:_:on:adding:)` sets it from a rule example.
enum SocketField: String, SubjectField {
    case proto, localAddress = "local_address", localPort = "local_port", remoteAddress = "remote_address"
    case remotePort = "remote_port", state, inode, uid, owners, owner, ownerKnown = "owner_known"

    private typealias K = SocketRecord.CodingKeys

    var spec: FieldSpec {
        switch self {
        case .proto: field(.string, json: K.proto)
        case .localAddress: field(.string, json: K.localAddress)
        case .localPort: field(.int, json: K.localPort)
        case .remoteAddress: field(.string, json: K.remoteAddress)
        case .remotePort: field(.int, json: K.remotePort)
        case .state: field(.string, json: K.state)
        case .inode: field(.int, json: K.inode)
        case .uid: field(.int, json: K.uid)
        case .owners: field(.list(.process), json: K.owners)
        case .owner: field(.process)
        case .ownerKnown: field(.bool, json: K.ownerKnown)
        }
    }
}
