/// Which groups of per-process files a snapshot reads. Derived from the enabled rules so that a scan
/// that never mentions ports reads no fd directories; `zscan snapshot` asks for `.standard`.
public struct FieldSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `/proc/PID/status`: uid and user.
    public static let status = FieldSet(rawValue: 1 << 0)
    public static let cmdline = FieldSet(rawValue: 1 << 1)
    public static let exe = FieldSet(rawValue: 1 << 2)
    public static let cwd = FieldSet(rawValue: 1 << 3)
    public static let cgroup = FieldSet(rawValue: 1 << 4)
    /// `/proc/PID/fd`: descriptor counts and socket inodes.
    public static let fds = FieldSet(rawValue: 1 << 5)
    /// The socket tables of every network namespace, their owners, and the `ports` fields.
    public static let sockets = FieldSet(rawValue: 1 << 6)
    /// `/proc/PID/environ`: may hold secrets, so only on request.
    public static let env = FieldSet(rawValue: 1 << 7)
    /// Only the listening sockets (what `zscan ports` needs): the kernel can skip its table of
    /// established connections, and `connections` stays null.
    public static let listeners = FieldSet(rawValue: 1 << 8)
    /// The argument list (`args`), split from the same `/proc/PID/cmdline` read as `cmdline`: a
    /// scan whose rules never name `args` keeps only the joined command line (at 2000 processes,
    /// about 0.5 MB of strings less). Named `cmdline` together with it.
    public static let args = FieldSet(rawValue: 1 << 9)
    /// Where a process came from, for adoption candidates only (`Lineage.adoptionCandidates`):
    /// `SigIgn`, descriptors 0-2, `cwd`, `cgroup`, locks on PID files, and the job cookie from
    /// `environ` (only the cookie is kept); the pipe inodes of every process, read with `fd/`.
    public static let provenance = FieldSet(rawValue: 1 << 10)

    /// `/proc/PID/ns/pid` and the `NSpid:` line of `/proc/PID/status`: which PID namespace, the
    /// pid inside it, and whether it is that namespace's init.
    public static let namespace = FieldSet(rawValue: 1 << 11)

    public static let standard: FieldSet = [.status, .cmdline, .args, .exe, .cwd, .cgroup, .fds, .sockets, .provenance, .namespace]
    public static let all: FieldSet = [.standard, .env]
    /// The groups read for each process on its own; the others are socket tables.
    public static let perProcess: FieldSet = [.status, .cmdline, .args, .exe, .cwd, .cgroup, .fds, .env, .provenance, .namespace]

    /// Names accepted by `--fields`, in the order they are documented.
    public static let named: [(name: String, set: FieldSet)] = [
        ("status", .status), ("cmdline", [.cmdline, .args]), ("exe", .exe), ("cwd", .cwd),
        ("cgroup", .cgroup), ("fds", .fds), ("sockets", .sockets), ("listeners", .listeners),
        ("env", .env), ("provenance", .provenance), ("namespace", .namespace), ("standard", .standard), ("all", .all),
    ]

    public var names: [String] {
        FieldSet.named.prefix(11).filter { !isDisjoint(with: $0.set) }.map(\.name)
    }

    /// Either kind of socket table.
    public var readsSockets: Bool { !isDisjoint(with: [.sockets, .listeners]) }

    /// What a scan's first pass (`SnapshotSource.survey`) reads of every process besides `stat`,
    /// and the socket tables: descriptors when socket owners or pipe readers are asked about, since
    /// any process may be one. Everything else is read only for the processes a rule could match.
    public var surveyed: FieldSet {
        let set = normalized
        var surveyed = set.intersection([.sockets, .listeners])
        if set.readsSockets || set.contains(.provenance) { surveyed.insert(.fds) }
        return surveyed
    }

    /// Sockets need descriptors to find their owners; all sockets include the listening ones;
    /// arguments come from the command line's read.
    public var normalized: FieldSet {
        var set = self
        if set.contains(.args) { set.insert(.cmdline) }
        if set.contains(.sockets) { set.remove(.listeners) }
        if set.readsSockets || set.contains(.provenance) { set.insert(.fds) }
        return set
    }
}
