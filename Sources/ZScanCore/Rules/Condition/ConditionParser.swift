/// Parses a condition:
///
///     or      := and (('||' | 'or') and)*
///     and     := unary (('&&' | 'and') unary)*
///     unary   := ('!' | 'not') unary | compare
///     compare := primary (op primary)?        op: == != < <= > >= in 'not in' matches
///                                                 contains starts_with ends_with any_matches
///     primary := literal | '[' list ']' | name('.'name)* | name '(' args ')' | '(' or ')'
///
/// Comparisons do not chain (`a < b < c` is an error). Nesting and the height of the tree (a
/// chain of `||` is as tall as it is long) are bounded so that a hostile rule file cannot exhaust
/// the stack of the recursive checker and evaluator.
struct ConditionParser {
    static let maxDepth = 64
    static let maxHeight = 256

    private let tokens: [ConditionToken]
    private var position = 0
    private var depth = 0

    static func parse(_ text: String) throws(ConditionError) -> ConditionSyntax {
        var parser = ConditionParser(tokens: try ConditionLexer.tokenize(text))
        if parser.current.kind == .end { throw ConditionError("empty condition", offset: 0) }
        let syntax = try parser.or()
        guard parser.current.kind == .end else {
            throw ConditionError(
                "unexpected \(parser.describe(parser.current)) after the condition", offset: parser.current.offset, length: parser.current.length)
        }
        return syntax
    }

    private init(tokens: [ConditionToken]) { self.tokens = tokens }

    private var current: ConditionToken { tokens[position] }

    private mutating func advance() -> ConditionToken {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private func describe(_ token: ConditionToken) -> String {
        switch token.kind {
        case .end: "end of condition"
        case let .identifier(name): "'\(name)'"
        case let .keyword(keyword): "'\(keyword.rawValue)'"
        case let .symbol(symbol): "'\(symbol.rawValue)'"
        default: "value"
        }
    }

    private func isKeyword(_ keyword: ConditionToken.Keyword, _ token: ConditionToken) -> Bool { token.kind == .keyword(keyword) }
    private func isSymbol(_ symbol: ConditionToken.Symbol, _ token: ConditionToken) -> Bool { token.kind == .symbol(symbol) }

    private mutating func nest() throws(ConditionError) {
        depth += 1
        if depth > ConditionParser.maxDepth {
            throw ConditionError("condition nested more than \(ConditionParser.maxDepth) levels deep", offset: current.offset, code: .conditionTooComplex)
        }
    }

    private func span(_ a: ConditionSyntax, _ b: ConditionSyntax) -> (Int, Int) {
        (a.offset, b.offset + b.length - a.offset)
    }

    /// A node over `left` and `right`, refused when the tree grows taller than `maxHeight`.
    private func binary(
        _ kind: ConditionSyntax.Kind, _ left: ConditionSyntax, _ right: ConditionSyntax,
        operatorToken: ConditionToken? = nil
    ) throws(ConditionError) -> ConditionSyntax {
        let (offset, length) = span(left, right)
        let height = max(left.height, right.height) + 1
        if height > ConditionParser.maxHeight {
            throw ConditionError(
                "condition too long: more than \(ConditionParser.maxHeight) operators in a row (write a long list of values as 'pid in [1, 2, 3]')",
                offset: right.offset, length: right.length, code: .conditionTooComplex)
        }
        return ConditionSyntax(
            kind: kind, offset: offset, length: length, operatorOffset: operatorToken?.offset ?? 0,
            operatorLength: operatorToken?.length ?? 0, height: height)
    }

    private mutating func or() throws(ConditionError) -> ConditionSyntax {
        var left = try and()
        while isSymbol(.or, current) || isKeyword(.or, current) {
            _ = advance()
            let right = try and()
            left = try binary(.or(left, right), left, right)
        }
        return left
    }

    private mutating func and() throws(ConditionError) -> ConditionSyntax {
        var left = try unary()
        while isSymbol(.and, current) || isKeyword(.and, current) {
            _ = advance()
            let right = try unary()
            left = try binary(.and(left, right), left, right)
        }
        return left
    }

    private mutating func unary() throws(ConditionError) -> ConditionSyntax {
        if isSymbol(.not, current) || isKeyword(.not, current) {
            let token = advance()
            try nest()
            defer { depth -= 1 }
            let operand = try unary()
            return ConditionSyntax(
                kind: .not(operand), offset: token.offset, length: operand.offset + operand.length - token.offset,
                height: operand.height + 1)
        }
        return try compare()
    }

    private mutating func comparisonOperator() -> (ConditionSyntax.BinaryOperator, ConditionToken)? {
        let token = current
        let op: ConditionSyntax.BinaryOperator?
        switch token.kind {
        case .symbol(.equal): op = .equal
        case .symbol(.notEqual): op = .notEqual
        case .symbol(.less): op = .less
        case .symbol(.lessEqual): op = .lessEqual
        case .symbol(.greater): op = .greater
        case .symbol(.greaterEqual): op = .greaterEqual
        case .keyword(.in): op = .in
        case .keyword(.matches): op = .matches
        case .keyword(.contains): op = .contains
        case .keyword(.startsWith): op = .startsWith
        case .keyword(.endsWith): op = .endsWith
        case .keyword(.anyMatches): op = .anyMatches
        case .keyword(.not) where position + 1 < tokens.count && isKeyword(.in, tokens[position + 1]):
            _ = advance()
            let inToken = advance()
            return (.notIn, ConditionToken(kind: token.kind, offset: token.offset, length: inToken.offset + inToken.length - token.offset))
        default: op = nil
        }
        guard let op else { return nil }
        _ = advance()
        return (op, token)
    }

    private mutating func compare() throws(ConditionError) -> ConditionSyntax {
        let left = try primary()
        guard let (op, token) = comparisonOperator() else { return left }
        let right = try primary()
        if comparisonOperator() != nil {
            throw ConditionError("comparisons do not chain: use '&&' between them", offset: tokens[position - 1].offset, length: tokens[position - 1].length)
        }
        return try binary(.compare(op, left, right), left, right, operatorToken: token)
    }

    private mutating func primary() throws(ConditionError) -> ConditionSyntax {
        let token = current
        func leaf(_ kind: ConditionSyntax.Kind) -> ConditionSyntax {
            ConditionSyntax(kind: kind, offset: token.offset, length: token.length)
        }
        switch token.kind {
        case .keyword(.true): _ = advance(); return leaf(.bool(true))
        case .keyword(.false): _ = advance(); return leaf(.bool(false))
        case .keyword(.null): _ = advance(); return leaf(.null)
        case let .integer(value): _ = advance(); return leaf(.integer(value))
        case let .float(value): _ = advance(); return leaf(.float(value))
        case let .string(value): _ = advance(); return leaf(.string(value))
        case let .duration(value): _ = advance(); return leaf(.duration(value))
        case let .bytes(value): _ = advance(); return leaf(.bytes(value))
        case .symbol(.openParen):
            _ = advance()
            try nest()
            defer { depth -= 1 }
            var inner = try or()
            guard isSymbol(.closeParen, current) else {
                throw ConditionError("expected ')' to close the '(' at column \(token.offset + 1)", offset: current.offset, length: current.length)
            }
            let close = advance()
            inner.offset = token.offset
            inner.length = close.offset + 1 - token.offset
            return inner
        case .symbol(.openBracket):
            _ = advance()
            try nest()
            defer { depth -= 1 }
            var elements: [ConditionSyntax] = []
            while !isSymbol(.closeBracket, current) {
                elements.append(try or())
                if isSymbol(.comma, current) { _ = advance(); continue }
                guard isSymbol(.closeBracket, current) else {
                    throw ConditionError("expected ',' or ']' in the list", offset: current.offset, length: current.length)
                }
            }
            let close = advance()
            return ConditionSyntax(
                kind: .list(elements), offset: token.offset, length: close.offset + 1 - token.offset,
                height: (elements.map(\.height).max() ?? 0) + 1)
        case let .identifier(name):
            _ = advance()
            if isSymbol(.openParen, current) {
                _ = advance()
                try nest()
                defer { depth -= 1 }
                var arguments: [ConditionSyntax] = []
                while !isSymbol(.closeParen, current) {
                    arguments.append(try or())
                    if isSymbol(.comma, current) { _ = advance(); continue }
                    guard isSymbol(.closeParen, current) else {
                        throw ConditionError("expected ',' or ')' after an argument of \(name)()", offset: current.offset, length: current.length)
                    }
                }
                let close = advance()
                return ConditionSyntax(
                    kind: .call(name: name, arguments: arguments), offset: token.offset,
                    length: close.offset + 1 - token.offset, height: (arguments.map(\.height).max() ?? 0) + 1)
            }
            var segments = [(name: name, offset: token.offset)]
            var end = token.offset + token.length
            while isSymbol(.dot, current) {
                _ = advance()
                guard case let .identifier(next) = current.kind else {
                    throw ConditionError("expected a field name after '.'", offset: current.offset, length: current.length)
                }
                let part = advance()
                segments.append((next, part.offset))
                end = part.offset + part.length
            }
            return ConditionSyntax(kind: .path(segments), offset: token.offset, length: end - token.offset)
        case .end:
            throw ConditionError("the condition ends too early: a value is missing", offset: token.offset)
        default:
            throw ConditionError("expected a value, found \(describe(token))", offset: token.offset, length: token.length)
        }
    }
}
