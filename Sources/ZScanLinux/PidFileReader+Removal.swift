import Glibc
import ZScanCore

extension PidFileReader {
    /// Deletes a stale PID file the way it was read: through its directory's descriptor, and only
    /// while that directory and the file in it are the ones the scan read (device and inode) and
    /// the file still names the same pid. Between scan and cleanup a directory on the path may be
    /// renamed and a link put in its place, or another file given the name: deleting by path
    /// would then delete whatever the path leads to now. Comparing the directory's identity does
    /// what opening every component with `O_NOFOLLOW` would, and still lets a path go through a
    /// link that was already there (`/var/run`). The name is looked up once more just before
    /// unlinkat(2), so the only swap left unseen is one made in that instant by someone who may
    /// write the directory, and who could delete the file anyway.
    static func remove(_ file: PidFileRecord) -> FileRemoval {
        guard let identity = file.identity, let directory = file.directory else {
            return .failed("\(file.path) was not read by this scan")
        }
        let place = PidFilePlace(Array(file.path.utf8))
        let dirfd: Int32
        do {
            let opened = try place.openDirectory()
            dirfd = opened.fd
            guard FileIdentity(opened.info) == directory else {
                close(dirfd)
                return .directoryReplaced
            }
        } catch {
            switch error {
            case .system(ENOENT): return .gone
            case .system(ENOTDIR), .system(ELOOP): return .directoryReplaced
            default: return .failed("cannot open the directory of \(file.path): \(error)")
            }
        }
        defer { close(dirfd) }

        var buffer = [UInt8](repeating: 0, count: PidFileReader.readLimit)
        let contents: Contents
        do {
            contents = try readFile(place.name, in: dirfd, into: &buffer)
        } catch {
            switch error {
            case .system(ENOENT): return .gone
            case .symlink, .notRegular, .system(EISDIR): return .fileReplaced
            default: return .failed("cannot read \(file.path): \(error)")
            }
        }
        guard contents.identity == identity else { return .fileReplaced }
        let pid = buffer.withUnsafeBufferPointer {
            parsePid(UnsafeBufferPointer(rebasing: $0[0..<contents.count]), complete: contents.complete)
        }
        guard pid == file.pid else { return .changed }

        var info = stat()
        if fstatat(dirfd, place.name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
            return errno == ENOENT ? .gone : .failed("cannot read \(file.path): \(String(cString: strerror(errno)))")
        }
        guard FileIdentity(info) == identity else { return .fileReplaced }
        if unlinkat(dirfd, place.name, 0) != 0 {
            return errno == ENOENT ? .gone : .failed("cannot delete \(file.path): \(String(cString: strerror(errno)))")
        }
        return .removed
    }
}
