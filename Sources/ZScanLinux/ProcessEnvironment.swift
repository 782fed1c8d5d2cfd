import Glibc

/// This process's environment, read when asked for (the CLI's commands take it as a parameter so
/// tests can give their own).
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var out: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { out[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            pointer += 1
        }
        return out
    }
}
