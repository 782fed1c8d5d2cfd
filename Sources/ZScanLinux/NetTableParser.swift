import Glibc
import ZScanCore

/// Parses `/proc/net/{tcp,tcp6,udp,udp6}` (one table per network namespace).
///
/// Addresses are hex words in host byte order: an IPv4 address is one 32-bit word (`0100007F` is
/// 127.0.0.1 on little-endian machines); an IPv6 address is four such words. Ports are big-endian hex.
enum NetTableParser {
    /// TCP states by number (include/net/tcp_states.h).
    static let tcpStates: [String] = [
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE",
    ]

    static func stateName(_ code: Int, proto: SocketRecord.Proto) -> String {
        if !proto.isTCP {
            // UDP reuses TCP_ESTABLISHED for a connected socket and TCP_CLOSE for an unconnected one.
            return code == 1 ? "ESTABLISHED" : code == 7 ? "UNCONN" : tcpStates.indices.contains(code) ? tcpStates[code] : "UNKNOWN"
        }
        return tcpStates.indices.contains(code) ? tcpStates[code] : "UNKNOWN"
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, proto: SocketRecord.Proto, netns: UInt64?) -> [SocketRecord] {
        var sockets: [SocketRecord] = []
        var lineStart = 0
        var first = true
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            if first {
                first = false
                continue
            }
            if let socket = parseLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), proto: proto, netns: netns) {
                sockets.append(socket)
            }
        }
        return sockets
    }

    /// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`
    static func parseLine(_ line: UnsafeBufferPointer<UInt8>, proto: SocketRecord.Proto, netns: UInt64?) -> SocketRecord? {
        var fields: [UnsafeBufferPointer<UInt8>] = []
        var i = 0
        while i < line.count && fields.count < 10 {
            while i < line.count && line[i] == 0x20 { i += 1 }
            let start = i
            while i < line.count && line[i] != 0x20 { i += 1 }
            if i > start { fields.append(UnsafeBufferPointer(rebasing: line[start..<i])) }
        }
        guard fields.count >= 10,
            let local = endpoint(fields[1]), let remote = endpoint(fields[2]),
            let state = Hex.parse(fields[3]), state <= 0xFF, let uid = Decimal.parse(fields[7]), let inode = Decimal.parse(fields[9])
        else { return nil }
        return SocketRecord(
            proto: proto, localAddress: local.address, localPort: local.port,
            remoteAddress: remote.address, remotePort: remote.port,
            state: stateName(Int(state), proto: proto), inode: inode, uid: UInt32(truncatingIfNeeded: uid),
            netns: netns)
    }

    /// `ADDR:PORT` with ADDR 8 (IPv4) or 32 (IPv6) hex digits.
    static func endpoint(_ field: UnsafeBufferPointer<UInt8>) -> (address: String, port: Int)? {
        guard let colon = field.firstIndex(of: UInt8(ascii: ":")),
            let port = Hex.parse(UnsafeBufferPointer(rebasing: field[(colon + 1)...])), port <= 0xFFFF
        else { return nil }
        let addressHex = UnsafeBufferPointer(rebasing: field[0..<colon])
        guard addressHex.count == 8 || addressHex.count == 32 else { return nil }
        var words: [UInt32] = []
        for w in stride(from: 0, to: addressHex.count, by: 8) {
            guard let word = Hex.parse(UnsafeBufferPointer(rebasing: addressHex[w..<(w + 8)])) else { return nil }
            words.append(UInt32(word))
        }
        return (format(hostOrderWords: words), Int(port))
    }

    /// Formats the address whose words the kernel printed in host order, with inet_ntop(3), so text
    /// agrees with ss (IPv4-mapped IPv6 is `::ffff:a.b.c.d`).
    static func format(hostOrderWords words: [UInt32]) -> String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = words.count == 1 ? AF_INET : AF_INET6
        let ok = words.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &out, socklen_t(out.count)) != nil
        }
        guard ok else { return "?" }
        return out.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
