import Glibc

/// Addresses as text, with inet_ntop(3) so zscan writes them exactly as ss does
/// (IPv4-mapped IPv6 is `::ffff:a.b.c.d`, zero runs compressed).
enum AddressText {
    static func format(networkOrder bytes: UnsafeRawPointer, ipv6: Bool) -> String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes, &out, socklen_t(out.count)) != nil else { return "?" }
        return out.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
