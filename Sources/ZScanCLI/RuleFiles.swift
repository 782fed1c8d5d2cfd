import Glibc
import ZScanCore

/// Finds and loads rule files: the built-ins, the config's, then `--rules` (files or
/// directories of `*.json5`), so a user rule with a built-in id replaces it.
enum RuleFiles {
    /// The files named, and the `*.json5` files of the directories named, each read once however
    /// often it is named (`rules check rules/ rules/web.json5`, a config's path given again).
    static func sources(paths: [String]) throws(CLIError) -> [RuleSource] {
        var sources: [RuleSource] = []
        var seen: Set<FileIdentity> = []
        func add(_ name: String, _ path: String) throws(CLIError) {
            var info = stat()
            if stat(path, &info) == 0, !seen.insert(FileIdentity(device: info.st_dev, inode: info.st_ino)).inserted { return }
            sources.append(RuleSource(name: name, bytes: try read(path)))
        }
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { throw .failure("cannot read rules \(path): \(String(cString: strerror(errno)))") }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                for name in try list(directory: path) where name.hasSuffix(".json5") {
                    try add("\(path.hasSuffix("/") ? String(path.dropLast()) : path)/\(name)", path + "/" + name)
                }
            } else {
                try add(path, path)
            }
        }
        return sources
    }

    private struct FileIdentity: Hashable {
        var device: UInt
        var inode: UInt
    }

    /// `silence`: codes of warnings to leave out of the set's `warnings` (the config's `silence`).
    static func load(paths: [String], edits: [ScopeEdit], keepExamples: Bool = true, silence: Set<DiagnosticCode> = []) throws(CLIError) -> RuleSet {
        do {
            var set = try RuleLoader.load(BuiltinRules.sources + sources(paths: paths), edits: edits, keepExamples: keepExamples)
            set.warnings.removeAll { silence.contains($0.code) }
            return set
        } catch var error as RuleLoadError {
            // A config's edits (an unknown threshold) point into the config, which is no rule source.
            for diagnostic in error.diagnostics where error.sources[diagnostic.file] == nil {
                error.sources[diagnostic.file] = try? read(diagnostic.file)
            }
            throw .failure(error.rendered, plain: true)
        } catch let error as CLIError {
            throw error
        } catch {
            throw .failure("\(error)")
        }
    }

    static func read(_ path: String) throws(CLIError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .failure("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .failure("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            if bytes.count > 16 << 20 { throw .failure("\(path) is larger than 16 MiB") }
        }
    }

    static func list(directory: String) throws(CLIError) -> [String] {
        guard let dir = opendir(directory) else { throw .failure("cannot read \(directory): \(String(cString: strerror(errno)))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
