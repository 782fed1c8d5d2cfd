/// Turns a pattern into a `RegexNode` tree, rejecting (with the offending offset) everything that
/// cannot run in linear time or that zscan does not support, so a rule never silently means
/// something other than what its author wrote.
struct RegexParser {
    /// Longest pattern accepted, in scalars.
    static let maxScalars = 4096
    /// Deepest nesting of groups: the parser, compiler and tree teardown recurse once per level,
    /// and rules may be compiled on worker threads with small stacks.
    static let maxDepth = 100

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0
    /// Set by a leading `(?i)`.
    private(set) var caseInsensitive = false

    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
    }

    mutating func parse() throws(RegexSyntaxError) -> RegexNode {
        if scalars.count > Self.maxScalars {
            throw RegexSyntaxError(
                "pattern too large (\(scalars.count) scalars, over \(Self.maxScalars); the limit keeps matching fast)",
                at: Self.maxScalars)
        }
        while startsWith("(?i)", at: index) {
            caseInsensitive = true
            index += 4
        }
        let node = try parseAlternation()
        if index < scalars.count {
            // parseAlternation stops only at the end or at a `)` it did not open.
            throw RegexSyntaxError("unbalanced parenthesis", at: index)
        }
        return node
    }

    // MARK: - Structure

    private mutating func parseAlternation() throws(RegexSyntaxError) -> RegexNode {
        var branches = [try parseConcatenation()]
        while peek == "|" {
            index += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while let next = peek, next != "|", next != ")" {
            if quantifier(at: index) != nil {
                throw RegexSyntaxError("nothing to repeat", at: index)
            }
            let (atom, repeatable) = try parseAtom()
            items.append(try parseQuantifier(after: atom, repeatable: repeatable))
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concatenation(items)
        }
    }

    /// One quantifier (and its lazy `?`) after an atom; a second one is an error, as in Python.
    private mutating func parseQuantifier(after atom: RegexNode, repeatable: Bool) throws(RegexSyntaxError) -> RegexNode {
        guard let found = quantifier(at: index) else { return atom }
        let start = index
        guard repeatable else { throw RegexSyntaxError("nothing to repeat", at: start) }
        if let max = found.max, found.min > max {
            throw RegexSyntaxError("min repeat greater than max repeat", at: start)
        }
        index += found.length
        if peek == "?" {
            index += 1  // lazy: the same matches for a yes/no answer
        } else if peek == "+" {
            throw RegexSyntaxError(
                "possessive quantifiers are not supported (use a plain quantifier: matching is already linear-time)",
                at: index)
        }
        if quantifier(at: index) != nil {
            throw RegexSyntaxError("multiple repeat", at: index)
        }
        return .repetition(atom, min: found.min, max: found.max, offset: start)
    }

    /// The quantifier starting at `position`, if any: `* + ?`, `{n}`, `{n,}`, `{,m}`, `{n,m}`, `{,}`.
    /// A `{` that does not form one is a literal (as in Python), so this returns nil for it.
    /// Counts saturate; the program size limit rejects huge ones.
    private func quantifier(at position: Int) -> (min: Int, max: Int?, length: Int)? {
        guard position < scalars.count else { return nil }
        switch scalars[position] {
        case "*": return (0, nil, 1)
        case "+": return (1, nil, 1)
        case "?": return (0, 1, 1)
        case "{": break
        default: return nil
        }
        var cursor = position + 1
        func number() -> Int? {
            var value: Int?
            while cursor < scalars.count, let digit = asciiDigit(scalars[cursor]) {
                value = Swift.min((value ?? 0) * 10 + digit, 1_000_000_000)
                cursor += 1
            }
            return value
        }
        let low = number()
        var high = low
        var sawComma = false
        if cursor < scalars.count, scalars[cursor] == "," {
            sawComma = true
            cursor += 1
            high = number()
        }
        guard cursor < scalars.count, scalars[cursor] == "}" else { return nil }
        if low == nil && !sawComma { return nil }  // `{}` is a literal
        return (low ?? 0, high, cursor + 1 - position)
    }

    // MARK: - Atoms

    /// An atom and whether a quantifier may follow it (not after `^ $ \b \B`, as in Python).
    private mutating func parseAtom() throws(RegexSyntaxError) -> (RegexNode, Bool) {
        let scalar = scalars[index]
        switch scalar {
        case "(":
            return (try parseGroup(), true)
        case "[":
            return (.characterClass(try parseBracketClass()), true)
        case "\\":
            return try parseEscape()
        case ".":
            index += 1
            return (.anyExceptNewline, true)
        case "^":
            index += 1
            return (.assertion(.textStart), false)
        case "$":
            index += 1
            return (.assertion(.textEnd), false)
        default:
            index += 1
            return (.scalar(scalar.value), true)
        }
    }

    private mutating func parseGroup() throws(RegexSyntaxError) -> RegexNode {
        let open = index
        index += 1
        if peek == "?" {
            try parseGroupExtension(open: open)
        }
        depth += 1
        if depth > Self.maxDepth {
            throw RegexSyntaxError("too many nested groups (more than \(Self.maxDepth))", at: open)
        }
        let body = try parseAlternation()
        guard peek == ")" else {
            throw RegexSyntaxError("missing ), unterminated subpattern", at: open)
        }
        index += 1
        depth -= 1
        return .group(body)
    }

    /// After `(?`: accepts `(?:`, `(?P<name>` and `(?<name>` (consuming them); rejects the rest.
    private mutating func parseGroupExtension(open: Int) throws(RegexSyntaxError) {
        let linear = "(matching must stay linear-time)"
        guard open + 2 < scalars.count else {
            throw RegexSyntaxError("unexpected end of pattern", at: scalars.count)
        }
        let kind = scalars[open + 2]
        let after: Unicode.Scalar? = open + 3 < scalars.count ? scalars[open + 3] : nil
        switch kind {
        case ":":
            index = open + 3
        case "P" where after == "<":
            index = open + 4
            try parseGroupName()
        case "P" where after == "=":
            throw RegexSyntaxError("backreferences are not supported \(linear)", at: open)
        case "P" where after == ">":
            throw RegexSyntaxError("recursion is not supported \(linear)", at: open)
        case "<" where after == "=" || after == "!":
            throw RegexSyntaxError("lookbehind assertions are not supported \(linear)", at: open)
        case "<":
            index = open + 3
            try parseGroupName()
        case "=", "!":
            throw RegexSyntaxError("lookahead assertions are not supported \(linear)", at: open)
        case ">":
            throw RegexSyntaxError(
                "atomic groups are not supported (use a plain group: matching is already linear-time)", at: open)
        case "(":
            throw RegexSyntaxError("conditional groups are not supported \(linear)", at: open)
        case "#":
            throw RegexSyntaxError("comment groups (?#...) are not supported", at: open)
        case "R", "&", "0"..."9", "+":
            throw RegexSyntaxError("recursion is not supported \(linear)", at: open)
        default:
            var cursor = open + 2
            var flags = ""
            while cursor < scalars.count, isASCIILetter(scalars[cursor]) || scalars[cursor] == "-" {
                flags.unicodeScalars.append(scalars[cursor])
                cursor += 1
            }
            let end = cursor < scalars.count ? scalars[cursor] : nil
            if flags == "i" && end == ")" {
                throw RegexSyntaxError("the (?i) flag is only supported at the very start of the pattern", at: open)
            }
            if !flags.isEmpty && (end == ")" || end == ":") {
                let written = end == ":" ? "(?\(flags):...)" : "(?\(flags))"
                throw RegexSyntaxError("unsupported inline flags \(written); only a leading (?i) is supported", at: open)
            }
            throw RegexSyntaxError("unknown group extension (?\(String(kind))", at: open)
        }
    }

    /// The name of a named group up to its `>`: checked, then ignored (no captures).
    private mutating func parseGroupName() throws(RegexSyntaxError) {
        let start = index
        while index < scalars.count, scalars[index] != ">" { index += 1 }
        guard index < scalars.count else {
            throw RegexSyntaxError("missing >, unterminated name", at: start)
        }
        let name = scalars[start..<index]
        guard let first = name.first else {
            throw RegexSyntaxError("missing group name", at: start)
        }
        let valid =
            (first == "_" || first.properties.isAlphabetic)
            && name.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || asciiDigit($0) != nil }
        guard valid else {
            var text = ""
            text.unicodeScalars.append(contentsOf: name)
            throw RegexSyntaxError("bad character in group name '\(text)'", at: start)
        }
        index += 1
    }

    // MARK: - Escapes

    /// `\` outside brackets: a class, an assertion or one scalar.
    private mutating func parseEscape() throws(RegexSyntaxError) -> (RegexNode, Bool) {
        let start = index
        guard index + 1 < scalars.count else {
            throw RegexSyntaxError("bad escape (end of pattern)", at: start)
        }
        let letter = scalars[index + 1]
        switch letter {
        case "b": index += 2; return (.assertion(.wordBoundary), false)
        case "B": index += 2; return (.assertion(.notWordBoundary), false)
        case "A": index += 2; return (.assertion(.textStart), false)
        case "Z", "z": index += 2; return (.assertion(.textEnd), false)
        case "1"..."9":
            throw RegexSyntaxError("backreferences are not supported (matching must stay linear-time)", at: start)
        case "k" where index + 2 < scalars.count && ["<", "{", "'"].contains(scalars[index + 2]):
            throw RegexSyntaxError("backreferences are not supported (matching must stay linear-time)", at: start)
        default:
            if let category = categoryEscape(letter) {
                index += 2
                return (.characterClass(category), true)
            }
            return (.scalar(try parseScalarEscape(inBrackets: false)), true)
        }
    }

    /// `\d \D \w \W \s \S` as a class.
    private func categoryEscape(_ letter: Unicode.Scalar) -> RegexCharacterClass? {
        switch letter {
        case "d": return RegexCharacterClass(categories: .digits)
        case "D": return RegexCharacterClass(categories: .digits, negated: true)
        case "w": return RegexCharacterClass(categories: .word)
        case "W": return RegexCharacterClass(categories: .word, negated: true)
        case "s": return RegexCharacterClass(categories: .space)
        case "S": return RegexCharacterClass(categories: .space, negated: true)
        default: return nil
        }
    }

    /// An escape that stands for one scalar, starting at the `\` at `index`; consumes it.
    private mutating func parseScalarEscape(inBrackets: Bool) throws(RegexSyntaxError) -> UInt32 {
        let start = index
        let letter = scalars[index + 1]
        index += 2
        switch letter {
        case "t": return 0x09
        case "n": return 0x0A
        case "r": return 0x0D
        case "f": return 0x0C
        case "v": return 0x0B
        case "a": return 0x07
        case "b" where inBrackets: return 0x08
        case "0":
            // `\0` and up to two more octal digits, as in Python.
            var value: UInt32 = 0
            var digits = 0
            while digits < 2, index < scalars.count, let digit = asciiDigit(scalars[index]), digit < 8 {
                value = value * 8 + UInt32(digit)
                index += 1
                digits += 1
            }
            return value
        case "x":
            return try hexEscape(start: start, digits: 2, name: "\\x")
        case "U":
            return try hexEscape(start: start, digits: 8, name: "\\U")
        case "u":
            if peek == "{" {
                index += 1
                let digitsStart = index
                var value: UInt32 = 0
                while index < scalars.count, index - digitsStart < 8, let digit = hexDigit(scalars[index]) {
                    value = value * 16 + digit
                    index += 1
                }
                guard index > digitsStart, peek == "}" else {
                    throw RegexSyntaxError("incomplete escape \\u{...}", at: start)
                }
                index += 1
                return try checkedScalar(value, start: start)
            }
            return try hexEscape(start: start, digits: 4, name: "\\u")
        default:
            if isASCIILetter(letter) || asciiDigit(letter) != nil {
                var text = "\\"
                text.unicodeScalars.append(letter)
                throw RegexSyntaxError("bad escape \(text)", at: start)
            }
            // Any other escaped scalar (`\. \* \- \/ \é` …) stands for itself.
            return letter.value
        }
    }

    /// Exactly `digits` hex digits after `\x`, `\u` or `\U`.
    private mutating func hexEscape(start: Int, digits: Int, name: String) throws(RegexSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard index < scalars.count, let digit = hexDigit(scalars[index]) else {
                throw RegexSyntaxError("incomplete escape \(name)", at: start)
            }
            value = value * 16 + digit
            index += 1
        }
        return try checkedScalar(value, start: start)
    }

    private func checkedScalar(_ value: UInt32, start: Int) throws(RegexSyntaxError) -> UInt32 {
        guard Unicode.Scalar(value) != nil else {
            throw RegexSyntaxError("escape is not a unicode scalar value (\(String(value, radix: 16)))", at: start)
        }
        return value
    }

    // MARK: - Bracket classes

    /// One member of a bracket class before ranges are formed: a scalar can start a range, a
    /// class escape cannot.
    private enum ClassItem {
        case scalar(UInt32)
        case category(RegexCharacterClass)
    }

    /// `[...]` with `^`, ranges by scalar value, escapes, a leading `]` and `-` first or last as
    /// literals.
    private mutating func parseBracketClass() throws(RegexSyntaxError) -> RegexCharacterClass {
        let open = index
        index += 1
        var result = RegexCharacterClass()
        if peek == "^" {
            result.negated = true
            index += 1
        }
        var literals: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard let next = peek else {
                throw RegexSyntaxError("unterminated character set", at: open)
            }
            if next == "]" && !first {
                index += 1
                break
            }
            first = false
            if next == "[", index + 1 < scalars.count, [":", ".", "="].contains(scalars[index + 1]),
                posixClassEnd(from: index) != nil
            {
                throw RegexSyntaxError(
                    "posix classes like [:alpha:] are not supported (use \\d, \\w, \\s or ranges)", at: index)
            }
            let itemStart = index
            let item = try parseClassItem()
            if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                let high = try parseClassItem()
                guard case .scalar(let lowValue) = item, case .scalar(let highValue) = high, lowValue <= highValue else {
                    var text = ""
                    text.unicodeScalars.append(contentsOf: scalars[itemStart..<index])
                    throw RegexSyntaxError("bad character range \(text)", at: itemStart)
                }
                literals.append(lowValue...highValue)
                continue
            }
            switch item {
            case .scalar(let value):
                literals.append(value...value)
            case .category(let category):
                let set = category.negated ? category.categories.inverted() : category.categories
                result.categories = result.categories.union(set)
            }
        }
        result.literals = RegexScalarSet(literals)
        return result
    }

    private mutating func parseClassItem() throws(RegexSyntaxError) -> ClassItem {
        guard let next = peek else {
            throw RegexSyntaxError("unterminated character set", at: index)
        }
        guard next == "\\" else {
            index += 1
            return .scalar(next.value)
        }
        guard index + 1 < scalars.count else {
            throw RegexSyntaxError("bad escape (end of pattern)", at: index)
        }
        if let category = categoryEscape(scalars[index + 1]) {
            index += 2
            return .category(category)
        }
        return .scalar(try parseScalarEscape(inBrackets: true))
    }

    /// Where a `[:name:]` (or `[.x.]`, `[=x=]`) starting at `position` ends, if it is one.
    private func posixClassEnd(from position: Int) -> Int? {
        let delimiter = scalars[position + 1]
        var cursor = position + 2
        while cursor < scalars.count, isASCIILetter(scalars[cursor]) { cursor += 1 }
        guard cursor > position + 2, cursor + 1 < scalars.count,
            scalars[cursor] == delimiter, scalars[cursor + 1] == "]"
        else { return nil }
        return cursor + 1
    }

    // MARK: - Scalars

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func startsWith(_ text: String, at position: Int) -> Bool {
        var cursor = position
        for scalar in text.unicodeScalars {
            guard cursor < scalars.count, scalars[cursor] == scalar else { return false }
            cursor += 1
        }
        return true
    }

    private func asciiDigit(_ scalar: Unicode.Scalar) -> Int? {
        (0x30...0x39).contains(scalar.value) ? Int(scalar.value - 0x30) : nil
    }

    private func hexDigit(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46: return scalar.value - 0x41 + 10
        case 0x61...0x66: return scalar.value - 0x61 + 10
        default: return nil
        }
    }

    private func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value)
    }
}
