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
    static func tcp(states: UInt32, netns: UInt64?) -> [SocketRecord]? {
        var sockets: [SocketRecord] = []
        for (family, proto) in [(AF_INET, SocketRecord.Proto.tcp), (AF_INET6, .tcp6)] {
            var count = 0
            guard let raw = zs_tcp_diag(family, states, &count) else { return nil }
            defer { zs_free(raw) }
            sockets.reserveCapacity(sockets.count + count)
            for i in 0..<count {
                var entry = raw[i]
                let ipv6 = family == AF_INET6
                let local = withUnsafeBytes(of: &entry.local_address) { AddressText.format(networkOrder: $0.baseAddress!, ipv6: ipv6) }
                let remote = withUnsafeBytes(of: &entry.remote_address) { AddressText.format(networkOrder: $0.baseAddress!, ipv6: ipv6) }
                sockets.append(
                    SocketRecord(
                        proto: proto, localAddress: local, localPort: Int(entry.local_port),
                        remoteAddress: remote, remotePort: Int(entry.remote_port),
                        state: NetTableParser.stateName(Int(entry.state), proto: proto),
                        inode: entry.inode, uid: entry.uid, netns: netns))
            }
        }
        return sockets
    }
}
