import Glibc

/// TCP or UDP.
enum Proto: String {
    case tcp, udp
}

/// A numeric IPv4 or IPv6 address to bind to.
struct BindAddress {
    let text: String
    private let v4: in_addr?
    private let v6: in6_addr?

    /// Parses "127.0.0.1", "::1", "::", ... (numeric only, no name lookup).
    init(_ text: String) throws(FixtureError) {
        self.text = text
        if text.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else {
                throw .usage("invalid IPv6 address: \(text)")
            }
            v4 = nil
            v6 = address
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else {
                throw .usage("invalid IPv4 address: \(text)")
            }
            v4 = address
            v6 = nil
        }
    }

    /// "127.0.0.1:80" or "[::1]:80", as used in error messages.
    func display(port: Int) -> String {
        v6 == nil ? "\(text):\(port)" : "[\(text)]:\(port)"
    }

    /// Calls `body` with a sockaddr for this address and `port`.
    fileprivate func withSockaddr<R>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let networkPort = in_port_t(UInt16(port)).bigEndian
        if let v6 {
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = networkPort
            storage.sin6_addr = v6
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var storage = sockaddr_in()
        storage.sin_family = sa_family_t(AF_INET)
        storage.sin_port = networkPort
        storage.sin_addr = v4!
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    var family: Int32 { v6 == nil ? AF_INET : AF_INET6 }
}

/// A socket bound (and, for TCP, listening) on a local port.
struct BoundSocket {
    let fd: Int32
    /// The real port, also when 0 (ephemeral) was asked for.
    let port: Int
}

enum Net {
    /// Opens a TCP listener (SO_REUSEADDR, backlog 128) or a bound UDP socket.
    /// IPV6_V6ONLY is left at the system default, so "::" is dual-stack where the system allows it.
    static func bind(_ address: BindAddress, port: Int, proto: Proto) throws(FixtureError) -> BoundSocket {
        let type = proto == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        let fd = socket(address.family, type, 0)
        guard fd >= 0 else { throw .system("socket") }
        let where_ = address.display(port: port)
        if proto == .tcp {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockaddr(port: port) { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .system("bind \(where_)", errno: code)
        }
        if proto == .tcp {
            guard listen(fd, 128) == 0 else {
                let code = errno
                close(fd)
                throw .system("listen \(where_)", errno: code)
            }
        }
        guard let actual = localPort(fd) else {
            let code = errno
            close(fd)
            throw .system("getsockname \(where_)", errno: code)
        }
        return BoundSocket(fd: fd, port: actual)
    }

    /// The local port of a bound socket, via getsockname (works for IPv4 and IPv6).
    private static func localPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        // sin_port and sin6_port share the same offset, right after the family.
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}
