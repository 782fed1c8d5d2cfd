import CZScanSys
import Glibc
import ZScanCore

/// Reads the host facts a snapshot needs to interpret times: `uptime`, hostname and kernel release
/// under the procfs root (so fixture trees can supply them), clock ticks and page size from sysconf.
enum HostFacts {
    static func read(procRoot: String, file: ProcFile) -> HostInfo {
        let uptime = file.text(procRoot + "/uptime").flatMap { $0.split(separator: " ").first.flatMap { Double($0) } } ?? 0
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let wall = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        let ticks = zs_clock_ticks()
        return HostInfo(
            hostname: file.text(procRoot + "/sys/kernel/hostname") ?? "",
            kernel: file.text(procRoot + "/sys/kernel/osrelease") ?? "",
            bootTime: uptime > 0 ? ((wall - uptime) * 100).rounded() / 100 : 0,
            uptime: uptime,
            clockTicks: ticks > 0 ? ticks : 100,
            pageSize: Int(sysconf(Int32(_SC_PAGESIZE))),
            initPid: nil,
            collectorPid: getpid(),
            collectorSubreaper: zs_is_child_subreaper() == 1,
            pidNamespace: (try? file.readLink(procRoot + "/self/ns/pid", relativeTo: AT_FDCWD)).flatMap {
                NamespaceLink.inode(file.buffer, count: $0)
            },
            container: file.text(procRoot + "/self/cgroup").flatMap(ContainerCgroup.parse)
                ?? file.text(procRoot + "/self/mountinfo").flatMap(ContainerCgroup.fromMountinfo))
    }

    static func wallClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
