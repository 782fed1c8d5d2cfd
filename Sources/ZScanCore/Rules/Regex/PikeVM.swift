/// Runs a `RegexProgram` over a text by advancing every live NFA state in lockstep, one text
/// scalar at a time (a Pike VM without captures): each scalar is examined once per live state,
/// so a search costs O(instructions × scalars) whatever the pattern, with no backtracking.
enum PikeVM {
    /// Whether some substring of `text` matches (an unanchored search).
    static func search(_ program: RegexProgram, in text: String) -> Bool {
        var text = text  // withUTF8 needs a mutable string (it makes it contiguous if it is not)
        return text.withUTF8 { utf8 in
            program.instructions.withUnsafeBufferPointer { code in
                program.classes.withUnsafeBufferPointer { classes in
                    let count = code.count
                    // marks | current list | next list | closure stack
                    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4 * count) { scratch in
                        let base = scratch.baseAddress!
                        base.initialize(repeating: 0, count: 4 * count)
                        var machine = Machine(
                            code: code.baseAddress!, classes: classes.baseAddress,
                            marks: base, stack: base + 3 * count)
                        return machine.run(program, utf8: utf8, lists: (base + count, base + 2 * count))
                    }
                }
            }
        }
    }
}

/// The scratch state of one search: generation marks make "is this state already in the list
/// for this position?" O(1), and clearing them is a counter increment.
private struct Machine {
    let code: UnsafePointer<RegexInstruction>
    let classes: UnsafePointer<RegexClassMatcher>?
    /// `marks[pc] == generation`: pc was already added for the current position.
    let marks: UnsafeMutablePointer<UInt32>
    let stack: UnsafeMutablePointer<UInt32>
    var generation: UInt32 = 0

    // What the zero-width assertions see at the position being added to.
    var atStart = true
    var atEnd = false
    var wordBefore = false
    var wordAfter = false

    init(
        code: UnsafePointer<RegexInstruction>, classes: UnsafePointer<RegexClassMatcher>?,
        marks: UnsafeMutablePointer<UInt32>, stack: UnsafeMutablePointer<UInt32>
    ) {
        self.code = code
        self.classes = classes
        self.marks = marks
        self.stack = stack
    }

    mutating func run(
        _ program: RegexProgram, utf8: UnsafeBufferPointer<UInt8>,
        lists: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>)
    ) -> Bool {
        var current = lists.0
        var upcoming = lists.1
        var currentCount = 0
        let end = utf8.count
        let bytes = utf8.baseAddress
        let caseInsensitive = program.caseInsensitive
        let anchored = program.anchoredAtStart
        let instructionCount = program.instructions.count

        var position = 0
        var scalar: UInt32 = 0
        var length = 0
        if end > 0 { (scalar, length) = Self.decode(bytes!, at: position) }

        startGeneration(instructionCount)
        atStart = true
        atEnd = end == 0
        wordBefore = false
        wordAfter = end > 0 && RegexScalarSet.isWord(scalar)
        if add(0, to: current, count: &currentCount) { return true }

        while position < end {
            if currentCount == 0 && anchored { return false }
            let nextPosition = position + length
            var nextScalar: UInt32 = 0
            var nextLength = 0
            if nextPosition < end { (nextScalar, nextLength) = Self.decode(bytes!, at: nextPosition) }

            var lower = scalar
            var upper = scalar
            if caseInsensitive && scalar >= 0x80 {
                lower = RegexCaseFolding.lowercase(scalar)
                upper = RegexCaseFolding.uppercase(scalar)
            }

            startGeneration(instructionCount)
            atStart = false
            atEnd = nextPosition == end
            wordBefore = wordAfter
            wordAfter = nextPosition < end && RegexScalarSet.isWord(nextScalar)
            var upcomingCount = 0
            for slot in 0..<currentCount {
                let pc = Int(current[slot])
                let instruction = code[pc]
                let consumed: Bool
                switch instruction.opcode {
                case .scalar: consumed = scalar == UInt32(bitPattern: instruction.x)
                case .anyExceptNewline: consumed = scalar != 0x0A
                case .characterClass:
                    consumed = classes![Int(instruction.x)].contains(scalar, lower: lower, upper: upper)
                default: consumed = false  // lists hold only consuming instructions
                }
                if consumed && add(UInt32(pc + 1), to: upcoming, count: &upcomingCount) { return true }
            }
            // The unanchored search: a new attempt starts at every position (the `.*?` prefix).
            if !anchored && add(0, to: upcoming, count: &upcomingCount) { return true }

            swap(&current, &upcoming)
            currentCount = upcomingCount
            position = nextPosition
            scalar = nextScalar
            length = nextLength
        }
        return false
    }

    private mutating func startGeneration(_ instructionCount: Int) {
        if generation == UInt32.max {
            marks.update(repeating: 0, count: instructionCount)
            generation = 0
        }
        generation += 1
    }

    /// Adds `start` and every state reachable from it without consuming a scalar (following
    /// jumps, splits and the assertions that hold here) to `list`: only the consuming
    /// instructions are listed. Returns true as soon as `match` is reachable.
    @inline(__always)
    private mutating func add(_ start: UInt32, to list: UnsafeMutablePointer<UInt32>, count: inout Int) -> Bool {
        if marks[Int(start)] == generation { return false }
        marks[Int(start)] = generation
        stack[0] = start
        var top = 1
        while top > 0 {
            top -= 1
            let pc = stack[top]
            let instruction = code[Int(pc)]
            var follow: UInt32?
            switch instruction.opcode {
            case .scalar, .anyExceptNewline, .characterClass:
                list[count] = pc
                count += 1
            case .match:
                return true
            case .jump:
                follow = UInt32(instruction.x)
            case .split:
                let second = UInt32(instruction.y)
                if marks[Int(second)] != generation {
                    marks[Int(second)] = generation
                    stack[top] = second
                    top += 1
                }
                follow = UInt32(instruction.x)
            case .assertTextStart:
                if atStart { follow = pc + 1 }
            case .assertTextEnd:
                if atEnd { follow = pc + 1 }
            case .assertWordBoundary:
                if wordBefore != wordAfter { follow = pc + 1 }
            case .assertNotWordBoundary:
                if wordBefore == wordAfter { follow = pc + 1 }
            }
            if let target = follow, marks[Int(target)] != generation {
                marks[Int(target)] = generation
                stack[top] = target
                top += 1
            }
        }
        return false
    }

    /// The scalar starting at byte `index` of valid UTF-8 (Swift strings always are) and its length.
    @inline(__always)
    private static func decode(_ bytes: UnsafePointer<UInt8>, at index: Int) -> (UInt32, Int) {
        let lead = UInt32(bytes[index])
        if lead < 0x80 { return (lead, 1) }
        if lead < 0xE0 {
            return ((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2)
        }
        if lead < 0xF0 {
            return ((lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F), 3)
        }
        return (
            (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F), 4
        )
    }
}
