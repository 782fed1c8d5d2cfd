/// Tells which container a process lives in from the text of its `/proc/PID/cgroup`, and, for a
/// scan inside a private cgroup namespace, from `/proc/self/mountinfo`. Pure: it reads no file.
///
/// `/proc/PID/cgroup` has one `hierarchy-ID:controller-list:cgroup-path` line per hierarchy;
/// the cgroup v2 line is `0::path` (Documentation/admin-guide/cgroup-v2.rst, "Processes";
/// kernel/cgroup/cgroup.c `proc_cgroup_show`). Every layout recognised, with a real line and
/// the source it came from, is in docs/containers.md; the tests run the same lines.
///
/// Ids are cut from the text, never built: a layout not in the table, or a 64-hex name without
/// a known prefix, gives `unknown` with no id rather than a guess.
public enum ContainerCgroup {
    /// The container the whole `/proc/PID/cgroup` text names: the v2 line (`0::`) when it names
    /// one, else the first v1 line that does (`name=systemd`, `cpu`, `memory`, `pids` …); a known
    /// runtime on any line beats `unknown` on another. Nil for host processes.
    public static func parse(_ cgroupFile: String) -> ContainerInfo? {
        var unified: [ContainerInfo] = []
        var legacy: [ContainerInfo] = []
        for line in cgroupFile.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let (isUnified, path) = entry(line), let info = container(inPath: String(path)) else { continue }
            if isUnified { unified.append(info) } else { legacy.append(info) }
        }
        let ordered = unified + legacy
        return ordered.first { $0.runtime != "unknown" } ?? ordered.first
    }

    /// The container one cgroup path names; the innermost container wins (docker-in-docker,
    /// a kind node's pods under its `/docker/<id>`). Nil for host paths (`/`, `/init.scope`,
    /// `/system.slice/foo.service`, `/user.slice/...`) and for the runtimes' monitors.
    public static func container(inPath path: String) -> ContainerInfo? {
        let segments = path.split(separator: "/")
        for index in segments.indices.reversed() {
            switch classify(segments, at: index) {
            case .none: continue
            case .host: return nil
            case .unknown: return unknown(path: path)
            case .container(let runtime, let id):
                // The CRI's systemd name as a cgroupfs path (`<pod slice>:cri-containerd:<id>`)
                // carries the pod slice inside the segment itself.
                var ancestors = Array(segments[..<index])
                if let colon = segments[index].firstIndex(of: ":") { ancestors.append(segments[index][..<colon]) }
                let pod = kubePod(in: ancestors)
                if runtime == "kubernetes" && pod == nil { continue }
                return ContainerInfo(runtime: runtime, id: String(id), podUID: pod?.uid, qos: pod?.qos, path: path)
            }
        }
        if let pod = kubePod(in: Array(segments)) {
            return ContainerInfo(runtime: "kubernetes", id: nil, podUID: pod.uid, qos: pod.qos, path: path)
        }
        if segments.contains(where: hasHexRun) { return unknown(path: path) }
        return nil
    }

    /// A container zscan cannot name: runtime unknown, no id, the raw path for users to look at.
    public static func unknown(path: String) -> ContainerInfo {
        ContainerInfo(runtime: "unknown", id: nil, path: path)
    }

    /// The container a scan runs in when its cgroup namespace hides the path (`/proc/self/cgroup`
    /// says `0::/`, the default on cgroup v2), from the files the runtime bind-mounts into it:
    /// the root field (4th) of a `/proc/self/mountinfo` line is the mount's source path inside
    /// its filesystem (proc(5)). Docker mounts `containers/<id>/hostname|hosts|resolv.conf`;
    /// podman and CRI-O mount
    /// `overlay-containers/<id>/userdata/...` of containers/storage; the kubelet mounts
    /// `pods/<uid>/etc-hosts`; containerd's CRI mounts `sandboxes/<id>/...`.
    ///
    /// In a pod the files come from the pod sandbox (the pause container), not the container
    /// itself, so there the answer carries the pod UID and no id. The same holds for
    /// `docker run --network container:<other>`, which zscan cannot see: its id is the other's.
    public static func fromMountinfo(_ mountinfo: String) -> ContainerInfo? {
        var pod: (uid: Substring, root: Substring)?
        var sandbox: Substring?
        var docker: [(id: Substring, mountPoint: Substring, root: Substring)] = []
        var storage: [(id: Substring, mountPoint: Substring, root: Substring)] = []
        for line in mountinfo.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let fields = line.split(separator: " ", maxSplits: 5)
            guard fields.count >= 5 else { continue }
            let root = fields[3]
            let mountPoint = fields[4]
            let parts = root.split(separator: "/")
            for index in parts.indices {
                let part = parts[index]
                let next = index + 1 < parts.count ? parts[index + 1] : nil
                guard let next else { break }
                if part == "pods" && (index == 0 || parts[index - 1] == "kubelet") && isPodUID(next) && next.utf8.count == 36 {
                    pod = pod ?? (next, root)
                } else if part == "sandboxes" && index > 0 && parts[index - 1] == "io.containerd.grpc.v1.cri" && isHex64(next) {
                    sandbox = sandbox ?? root
                } else if part == "overlay-containers" && isHex64(next) && index + 2 < parts.count && parts[index + 2] == "userdata" {
                    storage.append((next, mountPoint, root))
                } else if part == "containers" && (index == 0 || parts[index - 1] == "docker") && isHex64(next) && index + 3 == parts.count
                    && ["hostname", "hosts", "resolv.conf"].contains(parts[index + 2])
                {
                    docker.append((next, mountPoint, root))
                }
            }
        }
        if let pod {
            let runtime = sandbox != nil ? "containerd" : !docker.isEmpty ? "docker" : !storage.isEmpty ? "cri-o" : "kubernetes"
            return ContainerInfo(runtime: runtime, id: nil, podUID: String(pod.uid), path: String(pod.root))
        }
        if let sandbox { return ContainerInfo(runtime: "containerd", id: nil, path: String(sandbox)) }
        if let found = chosen(storage) { return ContainerInfo(runtime: "podman", id: found.id, path: found.root) }
        if let found = chosen(docker) { return ContainerInfo(runtime: "docker", id: found.id, path: found.root) }
        return nil
    }

    /// The one id all the mounts name; when they disagree, the one mounted on `/etc/hostname`,
    /// else none (the id is never a guess). The path is that mount's root.
    static func chosen(_ mounts: [(id: Substring, mountPoint: Substring, root: Substring)]) -> (id: String?, root: String)? {
        guard let first = mounts.first else { return nil }
        if mounts.allSatisfy({ $0.id == first.id }) { return (String(first.id), String(first.root)) }
        if let hostname = mounts.first(where: { $0.mountPoint == "/etc/hostname" }) { return (String(hostname.id), String(hostname.root)) }
        return (nil, String(first.root))
    }

    /// What one path segment says, given the segments outside it.
    enum Verdict {
        case none
        /// A runtime's monitor (conmon, `lxc.monitor`) or a VM: a host process, not a container's.
        case host
        case unknown
        case container(runtime: String, id: Substring)
    }

    /// `<prefix><64 hex>.scope` units of the runtimes' systemd drivers. The monitors come before
    /// the prefixes they start with: `crio-conmon-<id>.scope` and `libpod-conmon-<id>.scope`
    /// hold conmon, which runs on the host beside the container it watches.
    static let scopePrefixes: [(prefix: String, runtime: String?)] = [
        ("crio-conmon-", nil), ("libpod-conmon-", nil),
        ("docker-", "docker"), ("cri-containerd-", "containerd"), ("crio-", "cri-o"),
        ("libpod-", "podman"), ("nerdctl-", "containerd"),
    ]

    static func classify(_ segments: [Substring], at index: Int) -> Verdict {
        let segment = segments[index]
        let parent = index > 0 ? segments[index - 1] : nil
        if isHex64(segment) {
            switch parent {
            case "docker", "actions_job": return .container(runtime: "docker", id: segment)
            case "default",
                "k8s.io" where index == 1:
                return .container(runtime: "containerd", id: segment)
            case let pod? where pod.hasPrefix("pod") && isPodUID(pod.dropFirst(3)):
                return .container(runtime: "kubernetes", id: segment)
            default: return .none
            }
        }
        if segment.hasSuffix(".scope") {
            let unit = segment.dropLast(6)
            for (prefix, runtime) in scopePrefixes where unit.hasPrefix(prefix) {
                let id = unit.dropFirst(prefix.count)
                guard isHex64(id) else { return .none }
                return runtime.map { .container(runtime: $0, id: id) } ?? .host
            }
            if unit.hasPrefix("machine-") && parent == "machine.slice" { return machine(unit.dropFirst(8)) }
        }
        if parent == "libpod_parent" {
            if segment.hasPrefix("libpod-conmon-") { return .host }
            if segment.hasPrefix("libpod-") && isHex64(segment.dropFirst(7)) { return .container(runtime: "podman", id: segment.dropFirst(7)) }
        }
        // `slice:prefix:name`, runc's systemd cgroup name, written verbatim by its cgroupfs
        // driver when containerd's CRI is not set to `SystemdCgroup = true`.
        let parts = segment.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3 && parts[1] == "cri-containerd" && isHex64(parts[2]) {
            return .container(runtime: "containerd", id: parts[2])
        }
        return lxcOrNspawn(segment, parent: parent, index: index)
    }

    /// LXC (`/lxc/<name>`; `/lxc.payload/<name>` in 3.1–3.2; `/lxc.payload.<name>` from 4.0,
    /// src/lxc/cgroups/cgroup.h `DEFAULT_PAYLOAD_CGROUP_PREFIX`) and `lxc.monitor` for the
    /// `lxc-start` monitor; systemd-nspawn run as `systemd-nspawn@<name>.service`.
    static func lxcOrNspawn(_ segment: Substring, parent: Substring?, index: Int) -> Verdict {
        if segment.hasPrefix("lxc.monitor.") || (index == 0 && segment == "lxc.monitor") || (index == 1 && parent == "lxc.monitor") {
            return .host
        }
        if segment.hasPrefix("lxc.payload."), segment.count > 12 { return .container(runtime: "lxc", id: segment.dropFirst(12)) }
        if index == 1 && (parent == "lxc" || parent == "lxc.payload") { return .container(runtime: "lxc", id: segment) }
        if segment.hasPrefix("systemd-nspawn@") && segment.hasSuffix(".service") && segment.count > 23 {
            return .container(runtime: "nspawn", id: segment.dropFirst(15).dropLast(8))
        }
        return .none
    }

    /// `machine.slice/machine-<name>.scope`, the scope systemd-machined makes for a registered
    /// machine (systemd/systemd#18104 shows `machine.slice/machine-<name>.scope/payload`;
    /// systemd's source not opened here). libvirt registers its VMs
    /// (`machine-qemu\x2d…`, a host process) and libvirt-lxc containers (`machine-lxc\x2d…`,
    /// which zscan does not tell apart) there too. The name is kept escaped, as in the path.
    static func machine(_ name: Substring) -> Verdict {
        if name.isEmpty { return .none }
        if name.hasPrefix("qemu\\x2d") { return .host }
        if name.hasPrefix("lxc\\x2d") { return .unknown }
        return .container(runtime: "nspawn", id: name)
    }

    /// The kubelet's pod cgroup among `segments`: cgroupfs `kubepods[/burstable|/besteffort]/pod<uid>`
    /// or systemd `kubepods[-burstable|-besteffort]-pod<uid with _>.slice`
    /// (the kubelet's systemd driver escapes `-` as `_`, as the lines in docs/containers.md
    /// show). A pod directly under `kubepods` is guaranteed: the kubelet makes QoS cgroups only
    /// for burstable and besteffort.
    static func kubePod(in segments: [Substring]) -> (uid: String, qos: String)? {
        for (index, segment) in segments.enumerated() {
            if segment.hasPrefix("pod"), index > 0, isPodUID(segment.dropFirst(3)) {
                let uid = String(segment.dropFirst(3))
                let parent = segments[index - 1]
                if parent == "kubepods" { return (uid, "guaranteed") }
                if (parent == "burstable" || parent == "besteffort") && index > 1 && segments[index - 2] == "kubepods" {
                    return (uid, String(parent))
                }
            }
            guard segment.hasSuffix(".slice"), let (owner, rest) = splitAtLast(segment.dropLast(6), "-pod") else { continue }
            guard isPodUID(rest) else { continue }
            let restored = String(rest.map { $0 == "_" ? "-" : $0 })
            if owner.hasSuffix("kubepods") { return (restored, "guaranteed") }
            if owner.hasSuffix("kubepods-burstable") { return (restored, "burstable") }
            if owner.hasSuffix("kubepods-besteffort") { return (restored, "besteffort") }
        }
        return nil
    }

    /// The text before and after the last `needle` in `text`.
    static func splitAtLast(_ text: Substring, _ needle: String) -> (Substring, Substring)? {
        var index = text.endIndex
        while index > text.startIndex {
            index = text.index(before: index)
            if text[index...].hasPrefix(needle) { return (text[..<index], text[index...].dropFirst(needle.count)) }
        }
        return nil
    }

    /// One line's path, and whether it is the v2 line (hierarchy 0, no controllers). The path is
    /// everything after the second colon: a path may hold colons itself.
    static func entry(_ line: Substring) -> (Bool, Substring)? {
        guard let first = line.firstIndex(of: ":") else { return nil }
        let rest = line[line.index(after: first)...]
        guard let second = rest.firstIndex(of: ":") else { return nil }
        let isUnified = line[..<first] == "0" && rest[..<second].isEmpty
        return (isUnified, rest[rest.index(after: second)...])
    }

    /// Exactly 64 lowercase hex digits: the full ids docker, containerd, CRI-O and podman make.
    static func isHex64(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(isLowerHex)
    }

    /// A pod UID as the kubelet writes it in a cgroup name: 36 characters with `-` (cgroupfs) or
    /// `_` (systemd), or 32 hex for static pods, whose UID is a hash of the manifest.
    static func isPodUID(_ text: Substring) -> Bool {
        let count = text.utf8.count
        return (count == 32 || count == 36) && text.utf8.allSatisfy { isLowerHex($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    static func hasHexRun(_ segment: Substring) -> Bool {
        var run = 0
        for byte in segment.utf8 {
            run = isLowerHex(byte) ? run + 1 : 0
            if run >= 64 { return true }
        }
        return false
    }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
