/// One instruction of a compiled pattern: a state of the Thompson NFA that `PikeVM` steps through.
struct RegexInstruction: Hashable, Sendable {
    /// What the instruction does; `x` and `y` are its operands.
    enum Opcode: UInt8, Sendable {
        /// Consumes the scalar `x`.
        case scalar
        /// Consumes any scalar but `\n`.
        case anyExceptNewline
        /// Consumes a scalar in `classes[x]`.
        case characterClass
        /// Continues at both `x` and `y` (no consumption).
        case split
        /// Continues at `x`.
        case jump
        /// Zero-width tests: continue at the next instruction only if they hold.
        case assertTextStart
        case assertTextEnd
        case assertWordBoundary
        case assertNotWordBoundary
        case match
    }

    var opcode: Opcode
    var x: Int32 = 0
    var y: Int32 = 0
}

/// A compiled pattern: the NFA's instructions (entry at 0) and the classes they test. Immutable
/// once built, so one program serves every thread.
struct RegexProgram: Sendable {
    var instructions: [RegexInstruction]
    var classes: [RegexClassMatcher]
    /// Every match starts at the text's start (`^abc`, `^a|^b`): the search need not restart later.
    var anchoredAtStart: Bool
    /// Classes must also be tried with the text scalar's case mappings (non-ASCII scalars only;
    /// ASCII answers are precomputed).
    var caseInsensitive: Bool
}

/// A character class ready for matching: ASCII answers in a 128-bit map (one bit test for the
/// common case), binary searches over ranges for the rest.
struct RegexClassMatcher: Sendable {
    private let asciiLow: UInt64
    private let asciiHigh: UInt64
    private let literals: RegexScalarSet
    private let categories: RegexScalarSet
    private let negated: Bool
    private let caseInsensitive: Bool

    /// How many scalars of a class's literal ranges get their case variants added when the
    /// pattern is case-insensitive; wider ranges rely on the text side's mappings alone.
    private static let caseClosureBudget = 1024

    init(_ parsed: RegexCharacterClass, caseInsensitive: Bool) {
        var literals = parsed.literals
        if caseInsensitive && parsed.literals.count <= Self.caseClosureBudget {
            var extra: [ClosedRange<UInt32>] = []
            for range in parsed.literals.ranges {
                for value in range {
                    for variant in RegexCaseFolding.variants(value) where variant != value {
                        extra.append(variant...variant)
                    }
                }
            }
            literals = RegexScalarSet(literals.ranges + extra)
        }
        self.literals = literals
        self.categories = parsed.categories
        self.negated = parsed.negated
        self.caseInsensitive = caseInsensitive
        var low: UInt64 = 0
        var high: UInt64 = 0
        for value in UInt32(0)..<0x80 {
            let member = Self.member(
                value, lower: RegexCaseFolding.lowercase(value),
                upper: RegexCaseFolding.uppercase(value),
                literals: literals, categories: categories,
                negated: negated, caseInsensitive: caseInsensitive)
            if member {
                if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
            }
        }
        asciiLow = low
        asciiHigh = high
    }

    /// Whether the text scalar `value` (whose simple case mappings are `lower` and `upper`; only
    /// read for non-ASCII values of case-insensitive programs) is in the class.
    @inline(__always)
    func contains(_ value: UInt32, lower: UInt32, upper: UInt32) -> Bool {
        if value < 64 { return asciiLow & (1 << UInt64(value)) != 0 }
        if value < 128 { return asciiHigh & (1 << UInt64(value - 64)) != 0 }
        return Self.member(
            value, lower: lower, upper: upper, literals: literals, categories: categories,
            negated: negated, caseInsensitive: caseInsensitive)
    }

    private static func member(
        _ value: UInt32, lower: UInt32, upper: UInt32,
        literals: RegexScalarSet, categories: RegexScalarSet,
        negated: Bool, caseInsensitive: Bool
    ) -> Bool {
        var hit = categories.contains(value) || literals.contains(value)
        if !hit && caseInsensitive {
            hit = literals.contains(lower) || literals.contains(upper)
        }
        return hit != negated
    }
}
