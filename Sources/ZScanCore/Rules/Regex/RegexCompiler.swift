/// Turns a `RegexNode` tree into a `RegexProgram` (Thompson construction), after checking that
/// the program, with counted repetitions expanded, stays under `maxInstructions`.
struct RegexCompiler {
    /// Largest program accepted: matching costs up to this much work per text scalar.
    /// Matching costs about 4 ns per instruction per text scalar: 2,000 instructions keep a 100 KB
    /// command line under a second even for a hostile rule (real rules compile to under 100).
    static let maxInstructions = 2_000

    private let caseInsensitive: Bool
    private var instructions: [RegexInstruction] = []
    private var classes: [RegexClassMatcher] = []
    private var classIndex: [RegexCharacterClass: Int32] = [:]

    private init(caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
    }

    static func compile(_ root: RegexNode, caseInsensitive: Bool) throws(RegexSyntaxError) -> RegexProgram {
        var sizer = Sizer()
        let size = Sizer.add(sizer.size(of: root), 1)  // + match
        if size > maxInstructions {
            let shown = size >= Sizer.cap ? "over \(Sizer.cap)" : "\(size)"
            throw RegexSyntaxError(
                "pattern too large (\(shown) instructions, over \(maxInstructions); the limit keeps matching fast)",
                at: sizer.overflowOffset ?? sizer.lastRepetitionOffset ?? 0)
        }
        var compiler = RegexCompiler(caseInsensitive: caseInsensitive)
        compiler.instructions.reserveCapacity(size)
        compiler.emit(root)
        compiler.append(RegexInstruction(opcode: .match))
        assert(compiler.instructions.count == size, "Sizer and emit disagree")
        return RegexProgram(
            instructions: compiler.instructions, classes: compiler.classes,
            anchoredAtStart: anchoredAtStart(root), caseInsensitive: caseInsensitive)
    }

    // MARK: - Emission

    @discardableResult
    private mutating func append(_ instruction: RegexInstruction) -> Int {
        instructions.append(instruction)
        return instructions.count - 1
    }

    private var next: Int32 { Int32(instructions.count) }

    /// Dispatches only; the work is in helpers so that this frame, repeated once per level of
    /// nesting, stays small (rules may be compiled on threads with 512 KB stacks).
    private mutating func emit(_ node: RegexNode) {
        switch node {
        case .empty: break
        case .scalar(let value): emitScalar(value)
        case .anyExceptNewline: append(RegexInstruction(opcode: .anyExceptNewline))
        case .characterClass(let parsed): emitClass(parsed)
        case .assertion(let kind): emitAssertion(kind)
        case .concatenation(let items): for item in items { emit(item) }
        case .group(let body): emit(body)
        case .alternation(let branches): emitAlternation(branches)
        case .repetition(let body, let min, let max, _): emitRepetition(body, min: min, max: max)
        }
    }

    private mutating func emitScalar(_ value: UInt32) {
        if caseInsensitive {
            // Non-ASCII scalars always become classes, which also try the text scalar's own
            // mappings: `ß` has no single-scalar uppercase, yet `ẞ` lowercases to it.
            let variants = RegexCaseFolding.variants(value)
            if variants.count > 1 || value >= 0x80 {
                emitClass(RegexCharacterClass(literals: RegexScalarSet(variants.map { $0...$0 })))
                return
            }
        }
        append(RegexInstruction(opcode: .scalar, x: Int32(value)))
    }

    private mutating func emitAssertion(_ kind: RegexAssertion) {
        let opcode: RegexInstruction.Opcode
        switch kind {
        case .textStart: opcode = .assertTextStart
        case .textEnd: opcode = .assertTextEnd
        case .wordBoundary: opcode = .assertWordBoundary
        case .notWordBoundary: opcode = .assertNotWordBoundary
        }
        append(RegexInstruction(opcode: opcode))
    }

    /// split L1, N1; L1: a; jmp END; N1: split L2, N2; L2: b; jmp END; N2: c; END:
    private mutating func emitAlternation(_ branches: [RegexNode]) {
        var jumps: [Int] = []
        for number in branches.indices {
            if number == branches.count - 1 {
                emit(branches[number])
            } else {
                let split = append(RegexInstruction(opcode: .split, x: next + 1))
                emit(branches[number])
                jumps.append(append(RegexInstruction(opcode: .jump)))
                instructions[split].y = next
            }
        }
        for jump in jumps { instructions[jump].x = next }
    }

    private mutating func emitRepetition(_ body: RegexNode, min: Int, max: Int?) {
        if Sizer.isEmpty(body) { return }  // repeating the empty string matches it once
        if let max {
            emitCounted(body, min: min, max: max)
        } else if min == 0 {
            emitStar(body)
        } else {
            emitPlus(body, min: min)
        }
    }

    /// L: split B, END; B: body; jmp L; END:
    private mutating func emitStar(_ body: RegexNode) {
        let loop = append(RegexInstruction(opcode: .split, x: next + 1))
        emit(body)
        append(RegexInstruction(opcode: .jump, x: Int32(loop)))
        instructions[loop].y = next
    }

    /// body × (min - 1); L: body; split L, END; END:
    private mutating func emitPlus(_ body: RegexNode, min: Int) {
        for _ in 1..<min { emit(body) }
        let loop = next
        emit(body)
        append(RegexInstruction(opcode: .split, x: loop, y: next + 1))
    }

    /// body × min, then each optional copy may skip straight to the end:
    /// split B1, END; B1: body; split B2, END; B2: body; …; END:
    private mutating func emitCounted(_ body: RegexNode, min: Int, max: Int) {
        for _ in 0..<min { emit(body) }
        var splits: [Int] = []
        for _ in min..<max {
            splits.append(append(RegexInstruction(opcode: .split, x: next + 1)))
            emit(body)
        }
        for split in splits { instructions[split].y = next }
    }

    private mutating func emitClass(_ parsed: RegexCharacterClass) {
        let index: Int32
        if let known = classIndex[parsed] {
            index = known
        } else {
            index = Int32(classes.count)
            classes.append(RegexClassMatcher(parsed, caseInsensitive: caseInsensitive))
            classIndex[parsed] = index
        }
        append(RegexInstruction(opcode: .characterClass, x: index))
    }

    /// Whether every match must begin at the start of the text.
    private static func anchoredAtStart(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(.textStart): return true
        case .concatenation(let items): return items.first.map(anchoredAtStart) ?? false
        case .group(let body): return anchoredAtStart(body)
        case .alternation(let branches): return branches.allSatisfy(anchoredAtStart)
        case .repetition(let body, let min, _, _): return min > 0 && anchoredAtStart(body)
        default: return false
        }
    }

    // MARK: - Size

    /// Counts the instructions `emit` would produce, saturating instead of overflowing, and
    /// remembers which quantifier made the program too large.
    private struct Sizer {
        static let cap = 1_000_000_000_000
        /// The first quantifier (innermost first) whose expansion alone is over the limit.
        var overflowOffset: Int?
        var lastRepetitionOffset: Int?

        static func add(_ a: Int, _ b: Int) -> Int { Swift.min(a + b, cap) }

        static func multiply(_ a: Int, _ b: Int) -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? cap : Swift.min(product, cap)
        }

        /// True when the node can only ever match the empty string without testing anything.
        static func isEmpty(_ node: RegexNode) -> Bool {
            switch node {
            case .empty: return true
            case .group(let body): return isEmpty(body)
            case .concatenation(let items): return items.allSatisfy(isEmpty)
            case .repetition(let body, _, let max, _): return max == 0 || isEmpty(body)
            default: return false
            }
        }

        /// Dispatches only, for a small frame per level of nesting (see `emit`).
        mutating func size(of node: RegexNode) -> Int {
            switch node {
            case .empty: return 0
            case .scalar, .anyExceptNewline, .characterClass, .assertion: return 1
            case .concatenation(let items): return sum(items)
            case .group(let body): return size(of: body)
            case .alternation(let branches): return Self.add(sum(branches), Self.multiply(2, branches.count - 1))
            case .repetition(let body, let min, let max, let offset):
                return repetitionSize(body, min: min, max: max, offset: offset)
            }
        }

        private mutating func sum(_ nodes: [RegexNode]) -> Int {
            var total = 0
            for node in nodes { total = Self.add(total, size(of: node)) }
            return total
        }

        private mutating func repetitionSize(_ body: RegexNode, min: Int, max: Int?, offset: Int) -> Int {
            let bodySize = size(of: body)
            lastRepetitionOffset = offset
            if Self.isEmpty(body) { return 0 }
            let result: Int
            if let max {
                result = Self.add(Self.multiply(min, bodySize), Self.multiply(max - min, bodySize + 1))
            } else if min == 0 {
                result = Self.add(bodySize, 2)
            } else {
                result = Self.add(Self.multiply(min, bodySize), 1)
            }
            if result > RegexCompiler.maxInstructions && overflowOffset == nil {
                overflowOffset = offset
            }
            return result
        }
    }
}
