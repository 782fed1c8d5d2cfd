import XCTest
@testable import ZScanCore

/// `ContainerCgroup` against the real `/proc/PID/cgroup` lines of docs/containers.md, host lines,
/// unknown layouts, hybrid files, mountinfo, and random or mutated bytes.
final class ContainerCgroupTests: XCTestCase {
    struct Row {
        var line: String
        var runtime: String?
        var id: String?
        var podUID: String? = nil
        var qos: String? = nil
    }

    /// The same lines, in the same order, as the table in docs/containers.md ("cgroup formats
    /// recognised"); the sources are cited there. Keep the two in step.
    static let table: [Row] = [
        Row(
            line: "2:cpu:/docker/3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            runtime: "docker", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b"),
        Row(
            line: "1:name=systemd:/system.slice/docker-b33dda97580e721a69fa81742190341f858ea809ec4a9d74a8cfd411b0ee7c26.scope",
            runtime: "docker", id: "b33dda97580e721a69fa81742190341f858ea809ec4a9d74a8cfd411b0ee7c26"),
        Row(
            line: "10:memory:/init.scope/system.slice/docker-b33dda97580e721a69fa81742190341f858ea809ec4a9d74a8cfd411b0ee7c26.scope",
            runtime: "docker", id: "b33dda97580e721a69fa81742190341f858ea809ec4a9d74a8cfd411b0ee7c26"),
        Row(
            line:
                "10:cpu,cpuacct:/docker/a9f3c3932cd81c4a74cc7e0a18c3300255159512f1d000545c42895adaf68932/docker/3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            runtime: "docker", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b"),
        Row(
            line: "2:cpu:/docker-ce/docker/3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            runtime: "docker", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b"),
        Row(
            line: "12:freezer:/actions_job/ddecc467e1fb3295425e663efb6531282c1c936f25a3eeb7bb64e7b0fc61a216",
            runtime: "docker", id: "ddecc467e1fb3295425e663efb6531282c1c936f25a3eeb7bb64e7b0fc61a216"),
        Row(
            line:
                "8:cpuset:/kubepods.slice/kubepods-pod9c26dfb6_b9c9_11e7_bfb9_02c6c1fc4861.slice/docker-3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b.scope",
            runtime: "docker", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            podUID: "9c26dfb6-b9c9-11e7-bfb9-02c6c1fc4861", qos: "guaranteed"),
        Row(
            line:
                "11:freezer:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7d4424e6_bb13_42f4_a47a_45a4828bf54d.slice/docker-d0b3604b67ac7930dd34ba3a796627e3e4717d12309e90a4afe3f38b6816ac98.scope",
            runtime: "docker", id: "d0b3604b67ac7930dd34ba3a796627e3e4717d12309e90a4afe3f38b6816ac98",
            podUID: "7d4424e6-bb13-42f4-a47a-45a4828bf54d", qos: "burstable"),
        Row(
            line: "8:cpuset:/kubepods/besteffort/pod60070ae4-c63a-11e7-92b3-0adc1ac11520/3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            runtime: "kubernetes", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            podUID: "60070ae4-c63a-11e7-92b3-0adc1ac11520", qos: "besteffort"),
        Row(
            line: "10:memory:/kubepods/burstable/podd7874f44-eee0-423c-83c9-f246075bdde1/fbaa59723cd1f05d310e6f48b5d49a9d9e9552b7fde2205d0a2e2b5f60ec21ba",
            runtime: "kubernetes", id: "fbaa59723cd1f05d310e6f48b5d49a9d9e9552b7fde2205d0a2e2b5f60ec21ba",
            podUID: "d7874f44-eee0-423c-83c9-f246075bdde1", qos: "burstable"),
        Row(
            line:
                "11:pids:/kubepods/burstable/pod1fe52ba4-5709-11ea-9ee3-00505682780f/d65c8853fa45d139ce95d5c2b68a6e4aa8da83894d8eb0396cd6edd1c134c97c/user.slice",
            runtime: "kubernetes", id: "d65c8853fa45d139ce95d5c2b68a6e4aa8da83894d8eb0396cd6edd1c134c97c",
            podUID: "1fe52ba4-5709-11ea-9ee3-00505682780f", qos: "burstable"),
        Row(
            line:
                "13:freezer:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-poda5c1f8d5_1919_434d_add7_4afaafdaef89.slice/crio-5eed917563583925ffdbd40a64efb2aaffe58638e57add8becaf460fe74f5b1c.scope",
            runtime: "cri-o", id: "5eed917563583925ffdbd40a64efb2aaffe58638e57add8becaf460fe74f5b1c",
            podUID: "a5c1f8d5-1919-434d-add7-4afaafdaef89", qos: "burstable"),
        Row(
            line:
                "0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod1e597579_417e_482f_bf65_5fe170c3aebd.slice/cri-containerd-a09bc17f5aa29b0dbdec9ede5f46cf1396d2405917ab02e6f1eb1019f388396e.scope",
            runtime: "containerd", id: "a09bc17f5aa29b0dbdec9ede5f46cf1396d2405917ab02e6f1eb1019f388396e",
            podUID: "1e597579-417e-482f-bf65-5fe170c3aebd", qos: "besteffort"),
        Row(
            line:
                "1:name=systemd:/system.slice/containerd.service/kubepods-burstable-podff49d0be_16b7_4a49_bb9e_8ec1f1f4e27f.slice:cri-containerd:0f99ad5f45163ed14ab8eaf92ed34bb4a631d007f8755a7d79be614bcb0df0ef",
            runtime: "containerd", id: "0f99ad5f45163ed14ab8eaf92ed34bb4a631d007f8755a7d79be614bcb0df0ef",
            podUID: "ff49d0be-16b7-4a49-bb9e-8ec1f1f4e27f", qos: "burstable"),
        Row(
            line: "0::/k8s.io/20ea6bf7e68b7f5eccda9ec6be7643d177efd69b6332d29bb1dbddc7907b0f06",
            runtime: "containerd", id: "20ea6bf7e68b7f5eccda9ec6be7643d177efd69b6332d29bb1dbddc7907b0f06"),
        Row(
            line: "0::/default/3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            runtime: "containerd", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b"),
        Row(
            line: "0::/system.slice/nerdctl-3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b.scope",
            runtime: "containerd", id: "3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b"),
        Row(
            line: "12:pids:/machine.slice/libpod-2521e906f0a0c758c3a7dc4fd68c197e32e96abb4b36807d0b0ede6d014a7c24.scope",
            runtime: "podman", id: "2521e906f0a0c758c3a7dc4fd68c197e32e96abb4b36807d0b0ede6d014a7c24"),
        Row(
            line:
                "0::/user.slice/user-0.slice/user@0.service/machine.slice/libpod-cf21d19260ace8544fe8b769fc2638bf2c0873dfbfff0b6253f0569b26a1d5eb.scope/container",
            runtime: "podman", id: "cf21d19260ace8544fe8b769fc2638bf2c0873dfbfff0b6253f0569b26a1d5eb"),
        Row(
            line: "0::/user.slice/user-1001.slice/user@1001.service/user.slice/libpod-132ff0d72245e6f13a3bbc6cdc5376886897b60ac59eaa8dea1df7ab959cbf1c.scope",
            runtime: "podman", id: "132ff0d72245e6f13a3bbc6cdc5376886897b60ac59eaa8dea1df7ab959cbf1c"),
        Row(
            line: "0::/libpod_parent/libpod-9ce45faf7719310972823ceeb3afaa4bc6c5b86fe1d59da60946fc12f42541ca",
            runtime: "podman", id: "9ce45faf7719310972823ceeb3afaa4bc6c5b86fe1d59da60946fc12f42541ca"),
        Row(
            line: "0::/machine.slice/libpod-conmon-a2bc7b153f034b17f358cde43a7f8c7475147e8a0d1b2573c26473244ec44ce4.scope",
            runtime: nil, id: nil),
        Row(
            line: "0::/system.slice/crio-conmon-e0c85fe7644a858988d9687c2e0736a7d31922740d0f3e001c6b2e0aa7e5f528.scope",
            runtime: nil, id: nil),
        Row(line: "8:cpuset:/lxc/c", runtime: "lxc", id: "c"),
        Row(line: "0::/lxc.payload.focal/system.slice/avahi-daemon.service", runtime: "lxc", id: "focal"),
        Row(line: "0::/lxc.monitor.focal", runtime: nil, id: nil),
        Row(line: "0::/machine.slice/systemd-nspawn@jammy.service/payload/init.scope", runtime: "nspawn", id: "jammy"),
        Row(line: "0::/machine.slice/machine-web1.scope/payload/init.scope", runtime: "nspawn", id: "web1"),
        Row(
            line: "7:cpu:/ecs/0410eff2-7e59-4111-823e-1e0d98ef7f30/3dd988081e7149463c043b5d9c57d7309e079c5e9290f91feba1cc45a04d6a5b",
            runtime: "unknown", id: nil),
    ]

    func testEveryTableLine() {
        for row in Self.table {
            let info = ContainerCgroup.parse(row.line)
            XCTAssertEqual(info?.runtime, row.runtime, row.line)
            XCTAssertEqual(info?.id, row.id, row.line)
            XCTAssertEqual(info?.podUID, row.podUID, row.line)
            XCTAssertEqual(info?.qos, row.qos, row.line)
            if let info { XCTAssertTrue(row.line.hasSuffix(info.path), row.line) }
        }
    }

    func testTheDocsTableHoldsTheSameLines() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/containers.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for row in Self.table { XCTAssertTrue(text.contains("`\(row.line)`"), "docs/containers.md lacks \(row.line)") }
    }

    func testHostPathsAreNil() {
        for line in [
            "0::/", "0::/init.scope", "0::/system.slice/foo.service", "0::/system.slice/docker.service",
            "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-org.gnome.Terminal.slice/vte-spawn-1.scope",
            "1:name=systemd:/user.slice/user-1000.slice/session-3.scope", "0::/system.slice/containerd.service",
            "0::/kubepods.slice/kubepods-burstable.slice", "0::/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator",
            "12:pids:/", "0::/.lxc", "",
        ] {
            XCTAssertNil(ContainerCgroup.parse(line), line)
        }
    }

    func testGarbageIsNotAContainer() {
        let hex = String(repeating: "a", count: 64)
        for line in [
            "0::/system.slice/docker-xyz.scope", "0::/system.slice/docker-\(hex.dropLast()).scope",
            "0::/system.slice/docker-\(hex.uppercased()).scope", "0::/docker/\(hex)0", "0::/system.slice/crio-\(hex)x.scope",
            "0::/lxc.payload.", "0::/machine.slice/systemd-nspawn@.service",
        ] {
            XCTAssertNotEqual(ContainerCgroup.parse(line)?.runtime, "docker", line)
            XCTAssertNil(ContainerCgroup.parse(line)?.id, line)
        }
    }

    func testUnknownLayoutKeepsThePathAndNoID() {
        let path = "/some/orchestrator/\(String(repeating: "0123456789abcdef", count: 4))"
        XCTAssertEqual(ContainerCgroup.parse("0::" + path), ContainerCgroup.unknown(path: path))
        XCTAssertEqual(ContainerCgroup.unknown(path: path).label, "unknown (cgroup \(path))")
    }

    func testHybridFilePrefersTheV1LineThatNamesAContainerOverTheEmptyV2Line() {
        let file = """
            12:pids:/machine.slice/libpod-2521e906f0a0c758c3a7dc4fd68c197e32e96abb4b36807d0b0ede6d014a7c24.scope
            1:name=systemd:/machine.slice/libpod-2521e906f0a0c758c3a7dc4fd68c197e32e96abb4b36807d0b0ede6d014a7c24.scope/init.scope
            0::/
            """
        XCTAssertEqual(ContainerCgroup.parse(file)?.runtime, "podman")
        XCTAssertEqual(ContainerCgroup.parse(file)?.shortID, "2521e906f0a0")
    }

    func testV2LineWinsWhenItNamesAContainer() {
        let file = "5:cpu:/ecs/0410eff2-7e59-4111-823e-1e0d98ef7f30/\(String(repeating: "b", count: 64))\n0::/lxc.payload.web1\n"
        XCTAssertEqual(ContainerCgroup.parse(file)?.label, "lxc web1")
        let known = "0::/ecs/x/\(String(repeating: "b", count: 64))\n4:cpu:/docker/\(String(repeating: "c", count: 64))\n"
        XCTAssertEqual(ContainerCgroup.parse(known)?.runtime, "docker", "a known runtime on a v1 line beats unknown on v2")
    }

    func testInnermostDockerWinsAndContainersInsideOtherContainers() {
        let outer = String(repeating: "1", count: 64)
        let inner = String(repeating: "2", count: 64)
        XCTAssertEqual(ContainerCgroup.container(inPath: "/docker/\(outer)/docker/\(inner)")?.id, inner)
        let kind =
            "/docker/\(outer)/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod2ca4a155_3599_498d_bb9d_4446693fa3ea.slice/crio-\(inner).scope"
        let info = ContainerCgroup.container(inPath: kind)
        XCTAssertEqual(info?.runtime, "cri-o")
        XCTAssertEqual(info?.podUID, "2ca4a155-3599-498d-bb9d-4446693fa3ea")
        XCTAssertEqual(ContainerCgroup.container(inPath: "/docker/\(outer)/system.slice/containerd.service")?.id, outer)
        XCTAssertEqual(ContainerCgroup.container(inPath: "/lxc.payload.host/system.slice/docker-\(inner).scope")?.runtime, "docker")
    }

    func testGuaranteedCgroupfsPodAndPodLevelPath() {
        let id = String(repeating: "d", count: 64)
        let info = ContainerCgroup.container(inPath: "/kubepods/pod0f2b7c1e-1111-4222-8333-444455556666/\(id)")
        XCTAssertEqual(info?.qos, "guaranteed")
        XCTAssertEqual(info?.runtime, "kubernetes")
        let pod = ContainerCgroup.container(
            inPath: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f2b7c1e_1111_4222_8333_444455556666.slice")
        XCTAssertEqual(
            pod,
            ContainerInfo(
                runtime: "kubernetes", id: nil, podUID: "0f2b7c1e-1111-4222-8333-444455556666", qos: "besteffort",
                path: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f2b7c1e_1111_4222_8333_444455556666.slice"))
        XCTAssertEqual(pod?.label, "kubernetes pod 0f2b7c1e")
        XCTAssertNil(ContainerCgroup.container(inPath: "/notkube/pod0f2b7c1e-1111-4222-8333-444455556666/\(id)")?.podUID)
    }

    func testShortIDAndLabel() {
        let docker = ContainerCgroup.parse(Self.table[0].line)
        XCTAssertEqual(docker?.shortID, "3dd988081e71")
        XCTAssertEqual(docker?.label, "docker 3dd988081e71")
        XCTAssertEqual(ContainerCgroup.parse(Self.table[7].line)?.label, "docker d0b3604b67ac pod 7d4424e6")
        XCTAssertEqual(ContainerCgroup.parse("8:cpuset:/lxc/c")?.label, "lxc c")
        XCTAssertEqual(ContainerCgroup.parse("0::/machine.slice/systemd-nspawn@a-long-machine-name.service")?.label, "nspawn a-long-machine-name")
        XCTAssertNil(ContainerInfo(runtime: "kubernetes", id: nil, path: "/").shortID)
    }

    // MARK: mountinfo

    func testMountinfoDocker() {
        // rpm-software-management/mock#986: a cgroup v2 docker container, /proc/self/cgroup `0::/`.
        let id = "66826257e096f3c9d04f17577dab7ef5d84078c88f18f646fd37050ec5b6b4f6"
        let text = """
            505 496 254:1 /docker/containers/\(id)/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw
            506 496 254:1 /docker/containers/\(id)/hosts /etc/hosts rw,relatime - ext4 /dev/vda1 rw
            """
        XCTAssertEqual(ContainerCgroup.fromMountinfo(text), ContainerInfo(runtime: "docker", id: id, path: "/docker/containers/\(id)/hostname"))
        let plain = "978 1098 253:0 /var/lib/docker/containers/\(id)/resolv.conf /etc/resolv.conf rw - ext4 /dev/sda1 rw"
        XCTAssertEqual(ContainerCgroup.fromMountinfo(plain)?.id, id)
    }

    func testMountinfoPodman() {
        // jenkinsci/docker-workflow-plugin src/test/resources/.../client/mountinfo_containerized_podman
        let id = "32199af8e73b51d2b9f7cc0cf2c2bb4ef1792c54a656f1c4da53858698396fd6"
        let text = """
            1099 1098 0:50 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
            978 1098 0:40 /containers/overlay-containers/\(id)/userdata/hosts /etc/hosts rw,nosuid,nodev,relatime - tmpfs tmpfs rw
            982 1098 0:40 /containers/overlay-containers/\(id)/userdata/.containerenv /run/.containerenv rw,nosuid,nodev,relatime - tmpfs tmpfs rw
            """
        XCTAssertEqual(ContainerCgroup.fromMountinfo(text)?.runtime, "podman")
        XCTAssertEqual(ContainerCgroup.fromMountinfo(text)?.id, id)
        let rootless = "10 9 0:40 /home/u/.local/share/containers/storage/overlay-containers/\(id)/userdata/hostname /etc/hostname rw - xfs /dev/vda4 rw"
        XCTAssertEqual(ContainerCgroup.fromMountinfo(rootless)?.id, id)
    }

    func testMountinfoInAPodNamesThePodNotTheSandbox() {
        let sandbox = String(repeating: "e", count: 64)
        let pod = "28478e30-384f-41e5-9d85-eae249ae8506"
        let containerd = """
            1535 1517 8:1 /var/lib/kubelet/pods/\(pod)/etc-hosts /etc/hosts rw,relatime - ext4 /dev/sda1 rw
            1537 1517 8:1 /var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/\(sandbox)/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw
            """
        XCTAssertEqual(
            ContainerCgroup.fromMountinfo(containerd),
            ContainerInfo(runtime: "containerd", id: nil, podUID: pod, path: "/var/lib/kubelet/pods/\(pod)/etc-hosts"))
        let dockershim = """
            869 857 253:0 /var/lib/docker/containers/\(sandbox)/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw
            870 857 253:0 /var/lib/kubelet/pods/\(pod)/etc-hosts /etc/hosts rw,relatime - ext4 /dev/sda1 rw
            """
        XCTAssertEqual(ContainerCgroup.fromMountinfo(dockershim)?.runtime, "docker")
        XCTAssertNil(ContainerCgroup.fromMountinfo(dockershim)?.id, "the hostname file is the pause container's")
    }

    func testMountinfoDisagreeingIDsAndNothing() {
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        let text = """
            1 0 0:1 /var/lib/docker/containers/\(a)/hosts /etc/hosts rw - ext4 /dev/sda1 rw
            2 0 0:1 /var/lib/docker/containers/\(b)/hostname /etc/hostname rw - ext4 /dev/sda1 rw
            3 0 0:1 /var/lib/docker/containers/\(a)/resolv.conf /etc/resolv.conf rw - ext4 /dev/sda1 rw
            """
        XCTAssertEqual(ContainerCgroup.fromMountinfo(text)?.id, b)
        XCTAssertNil(ContainerCgroup.fromMountinfo("24 1 0:22 / / rw,relatime - ext4 /dev/sda1 rw\n25 24 0:5 / /proc rw - proc proc rw"))
        XCTAssertNil(ContainerCgroup.fromMountinfo(""))
        XCTAssertNil(ContainerCgroup.fromMountinfo("1 0 0:1 /srv/containers/\(a)/hostname /etc/hostname rw - ext4 /dev/sda1 rw"))
    }

    // MARK: hostile input

    /// Random bytes and mutated table lines: parsing never traps, and an id is always text that
    /// was in the input.
    func testRandomAndMutatedInputNeverCrashesNorInventsAnID() {
        var random = SplitMix64(seed: 0x5EED_C6)
        let alphabet = Array("0123456789abcdefABCDEF/:.-_@\\ \nxlpodkubecrisystemd")
        for round in 0..<3000 {
            var input: String
            if round % 3 == 0 {
                let bytes = (0..<random.below(300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                input = String(decoding: bytes, as: UTF8.self)
            } else {
                var chars = Array(Self.table[random.below(Self.table.count)].line)
                for _ in 0..<random.below(6) {
                    guard !chars.isEmpty else { break }
                    let at = random.below(chars.count)
                    switch random.below(3) {
                    case 0: chars[at] = alphabet[random.below(alphabet.count)]
                    case 1: chars.remove(at: at)
                    default: chars.insert(alphabet[random.below(alphabet.count)], at: at)
                    }
                }
                input = String(chars)
            }
            for info in [ContainerCgroup.parse(input), ContainerCgroup.fromMountinfo(input)].compactMap({ $0 }) {
                if let id = info.id { XCTAssertTrue(input.contains(id), "seed round \(round): \(input)") }
                XCTAssertFalse(info.label.isEmpty)
            }
        }
    }

    func testVeryLongAndColonlessLines() {
        let long = String(repeating: "/docker", count: 50_000) + "/" + String(repeating: "f", count: 64)
        XCTAssertEqual(ContainerCgroup.parse("0::" + long)?.runtime, "docker")
        XCTAssertNil(ContainerCgroup.parse(String(repeating: "no colons here ", count: 10_000)))
        XCTAssertNil(ContainerCgroup.parse(":::::\n::\n0:\n"))
        XCTAssertEqual(ContainerCgroup.parse("0::/" + String(repeating: "a", count: 200_000))?.runtime, "unknown")
        XCTAssertNil(ContainerCgroup.parse(String(repeating: "a", count: 200_000) + "::/x"))
    }
}
