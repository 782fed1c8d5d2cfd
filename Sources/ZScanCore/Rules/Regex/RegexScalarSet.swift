/// A set of Unicode scalar values kept as sorted, disjoint ranges: the contents of bracket classes
/// and of `\d \w \s`, small however wide the ranges are.
struct RegexScalarSet: Hashable, Sendable {
    static let maxScalar: UInt32 = 0x10FFFF

    /// Sorted by lower bound, neither overlapping nor adjacent.
    private(set) var ranges: [ClosedRange<UInt32>]

    init() { ranges = [] }

    init(_ ranges: [ClosedRange<UInt32>]) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        merged.reserveCapacity(sorted.count)
        for range in sorted {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// How many scalar values the set holds (surrogates included if a range spans them).
    var count: Int { ranges.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) + 1 } }

    func union(_ other: RegexScalarSet) -> RegexScalarSet {
        other.isEmpty ? self : RegexScalarSet(ranges + other.ranges)
    }

    /// Every value in 0...0x10FFFF that is not in this set.
    func inverted() -> RegexScalarSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound &+ 1
        }
        if next <= Self.maxScalar {
            result.append(next...Self.maxScalar)
        }
        var set = RegexScalarSet()
        set.ranges = result
        return set
    }

    /// Binary search over the ranges.
    func contains(_ value: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            let range = ranges[mid]
            if value < range.lowerBound {
                high = mid
            } else if value > range.upperBound {
                low = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// `\d`: ASCII digits (as Python's `re.ASCII`).
    static let digits = RegexScalarSet([0x30...0x39])
    /// `\w`: `[A-Za-z0-9_]`.
    static let word = RegexScalarSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// `\s`: `[ \t\n\r\f\v]`.
    static let space = RegexScalarSet([0x09...0x0D, 0x20...0x20])

    /// `\w` for one value, without a search: word boundaries test it at every text position.
    @inline(__always)
    static func isWord(_ value: UInt32) -> Bool {
        switch value {
        case 0x30...0x39, 0x41...0x5A, 0x5F, 0x61...0x7A: return true
        default: return false
        }
    }
}
