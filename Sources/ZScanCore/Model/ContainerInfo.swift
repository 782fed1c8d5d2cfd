/// Which container a process lives in, as its cgroup path names it (docs/containers.md).
///
/// Read by `ContainerCgroup` from `/proc/PID/cgroup` (or, inside a private cgroup namespace,
/// from `/proc/self/mountinfo`). Every field is cut from the text it was read from: zscan never
/// guesses an id, so a layout it does not know is `unknown` with the raw path and no id.
public struct ContainerInfo: Sendable, Hashable {
    /// docker, containerd, cri-o, podman, kubernetes, lxc, nspawn, or unknown
    public var runtime: String
    /// The full id where the path carries one (64 hex for docker/containerd/cri-o/podman; the name for lxc and nspawn machines); nil otherwise. Never a guess.
    public var id: String?
    /// Kubernetes: the pod's UID (dashes restored, e.g. "0f2b7c1e-....") and QoS class ("guaranteed", "burstable", "besteffort").
    public var podUID: String?
    public var qos: String?
    /// The cgroup path the answer was read from (for unknown, the raw path users can look at).
    public var path: String

    public init(runtime: String, id: String?, podUID: String? = nil, qos: String? = nil, path: String) {
        self.runtime = runtime
        self.id = id
        self.podUID = podUID
        self.qos = qos
        self.path = path
    }

    /// First 12 characters of the id (as `docker ps` shows), or nil.
    public var shortID: String? { id.map { String($0.prefix(12)) } }

    /// "docker 1fce13e5e58e", "kubernetes pod 0f2b7c1e", "lxc web1", "unknown (cgroup /some/path)" — one short label for reports.
    public var label: String {
        if runtime == "unknown" { return "unknown (cgroup \(path.isEmpty ? "unreadable" : path))" }
        var words = [runtime]
        // Machine names are what `lxc-ls` and `machinectl` print: shown whole, not cut to 12.
        if let id { words.append(runtime == "lxc" || runtime == "nspawn" ? id : String(id.prefix(12))) }
        if let podUID { words.append("pod " + podUID.prefix(8)) }
        return words.joined(separator: " ")
    }
}
