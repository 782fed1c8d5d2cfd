/// A one-line progress indicator on a TTY stderr, erased when done.
final class Progress: @unchecked Sendable {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func show(_ what: String, fraction: Double) {
        guard enabled else { return }
        let width = 20
        let done = Int((fraction * Double(width)).rounded())
        Output.err("\r\(what) [\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))]")
    }

    func clear() {
        guard enabled else { return }
        Output.err("\r\u{1B}[K")
    }
}
