import Glibc

/// Shell-style path patterns expanded by glob(3), so `/run/*.pid` means what it means in a shell.
/// Paths are kept as the bytes glob returned (a name need not be UTF-8) next to their text.
enum Glob {
    struct Match {
        /// The path as text (invalid UTF-8 repaired), for reports and ordering.
        var path: String
        /// The path as glob returned it, NUL-terminated, for opening.
        var bytes: [CChar]
    }

    /// The paths `pattern` matches, unsorted; none (not an error) when it matches nothing. A
    /// leading `~` alone or before `/` means `$HOME`. Throws the reason glob gave up.
    static func expand(_ pattern: String) throws(GlobFailure) -> [Match] {
        var result = glob_t()
        let status = glob(expandingHome(pattern), GLOB_NOSORT, nil, &result)
        defer { globfree(&result) }
        switch status {
        case 0: break
        case GLOB_NOMATCH: return []
        case GLOB_NOSPACE: throw .outOfMemory
        default: throw .aborted
        }
        var matches: [Match] = []
        matches.reserveCapacity(Int(result.gl_pathc))
        for index in 0..<Int(result.gl_pathc) {
            guard let path = result.gl_pathv[index] else { continue }
            let length = strlen(path)
            let bytes = Array(UnsafeBufferPointer(start: path, count: length + 1))
            matches.append(Match(path: String(cString: path), bytes: bytes))
        }
        return matches
    }

    /// `~` and `~/…` with `$HOME` put in front, its own glob characters escaped so they match
    /// themselves; any other pattern (`~user/…` included) unchanged.
    static func expandingHome(_ pattern: String) -> String {
        guard pattern == "~" || pattern.hasPrefix("~/"), let home = getenv("HOME") else { return pattern }
        return escaped(String(cString: home)) + pattern.dropFirst()
    }

    /// `text` with its glob characters escaped, so that as part of a pattern it matches itself.
    static func escaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// Why glob(3) could not expand a pattern.
enum GlobFailure: Error, Equatable, CustomStringConvertible {
    case outOfMemory
    case aborted

    var description: String {
        switch self {
        case .outOfMemory: "out of memory"
        case .aborted: "read error"
        }
    }
}
