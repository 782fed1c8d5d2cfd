/// Which container a process lives in, as its cgroup path names it (docs/containers.md).
public struct ContainerInfo: Sendable, Hashable {
    /// docker, containerd, cri-o, podman, kubernetes, lxc, nspawn, or unknown
    public var runtime: String
    public var id: String?
    public var podUID: String?
    public var qos: String?
    public var path: String

    public init(runtime: String, id: String?, podUID: String? = nil, qos: String? = nil, path: String) {
        self.runtime = runtime
        self.id = id
        self.podUID = podUID
        self.qos = qos
        self.path = path
    }

    public var shortID: String? { id.map { String($0.prefix(12)) } }
    public var label: String { "\(runtime) \(shortID ?? path)" }
}
