import CZScanSys
import Glibc
import ZScanCore

/// TCP sockets of zscan's own network namespace through netlink sock_diag, as `ss` reads them.
/// Measured here: a third of the kernel time of `/proc/net/tcp{,6}`, which walk the whole
/// established-connection hash even when it is empty; a LISTEN-only request skips it entirely.
enum NetlinkSocketTable {
    /// `TCP_LISTEN` (include/net/tcp_states.h) as a state bit.
    static let listenOnly: UInt32 = 1 << 10
    static let allStates: UInt32 = 0xFFFF_FFFF

    /// The sockets, or nil when netlink sock_diag is unavailable (no inet_diag, a seccomp filter…).
    /// Both families from one request when the kernel takes it, one request per family otherwise.
    static func tcp(states: UInt32, netns: UInt64?) -> [SocketRecord]? {
        if let both = dump(family: AF_UNSPEC, states: states, netns: netns) { return both }
        guard let v4 = dump(family: AF_INET, states: states, netns: netns), let v6 = dump(family: AF_INET6, states: states, netns: netns)
        else { return nil }
        return v4 + v6
    }

    private static func dump(family: Int32, states: UInt32, netns: UInt64?) -> [SocketRecord]? {
        var count = 0
        guard let raw = zs_tcp_diag(family, states, &count) else { return nil }
        defer { zs_free(raw) }
        var sockets: [SocketRecord] = []
        sockets.reserveCapacity(count)
        for i in 0..<count {
            var entry = raw[i]
            let ipv6 = Int32(entry.family) == AF_INET6
            let proto: SocketRecord.Proto = ipv6 ? .tcp6 : .tcp
            let local = withUnsafeBytes(of: &entry.local_address) { AddressText.format(networkOrder: $0.baseAddress!, ipv6: ipv6) }
            let remote = withUnsafeBytes(of: &entry.remote_address) { AddressText.format(networkOrder: $0.baseAddress!, ipv6: ipv6) }
            sockets.append(
                SocketRecord(
                    proto: proto, localAddress: local, localPort: Int(entry.local_port),
                    remoteAddress: remote, remotePort: Int(entry.remote_port),
                    state: NetTableParser.stateName(Int(entry.state), proto: proto),
                    inode: entry.inode, uid: entry.uid, netns: netns))
        }
        return sockets
    }
}
