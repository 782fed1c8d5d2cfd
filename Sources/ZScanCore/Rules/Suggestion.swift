/// "Did you mean …?" for unknown names: the closest candidate by edit distance, if close enough.
public enum Suggestion {
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        // Nearest first; between equals, one that starts like the name, then the alphabetically first.
        var best: (name: String, distance: Int, rank: Int)? = nil
        for candidate in candidates.sorted() {
            let scalars = Array(candidate.lowercased().unicodeScalars)
            let distance = editDistance(target, scalars)
            let rank = distance * 2 + (scalars.first == target.first ? 0 : 1)
            if best == nil || rank < best!.rank { best = (candidate, distance, rank) }
        }
        guard let best else { return nil }
        // Up to half the name may differ (at most 3 edits), and never all of it.
        let allowed = max(1, min(3, (target.count + 1) / 2))
        return best.distance <= allowed && best.distance < target.count ? best.name : nil
    }

    /// " (did you mean 'x'?)" or "".
    public static func hint(for name: String, in candidates: [String]) -> String {
        closest(to: name, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Optimal string alignment distance (Levenshtein with adjacent transpositions).
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
