/// Type-checks a condition against its subject's fields and the scope's lists and macros, and
/// compiles it. Every error is found here, when rules load: unknown names (with a suggestion),
/// type mismatches, invalid regexes, macros that refer to themselves.
public final class ConditionChecker {
    private let scope: ConditionScope
    /// Compiled patterns of each list, built on first use and shared by every condition.
    private var listPatterns: [String: [LinearRegex]] = [:]
    private var expanding: [String] = []
    private var needs: FieldSet = []
    private var sampled = false
    private var baseline = false
    /// Macros and lists a condition used (for "unused" warnings).
    public private(set) var usedNames: Set<String> = []
    /// Nodes checked for the current condition, macros expanded, and how deep the recursion is:
    /// macros that use macros twice grow exponentially ("billion laughs"), and a chain of macros
    /// nests without bound, so both are limited.
    private var checkedNodes = 0
    private var checkDepth = 0
    /// The condition being compiled, where a limit error points.
    private var root = ConditionSyntax(kind: .null, offset: 0, length: 0)
    static let maxNodes = 20_000
    static let maxCheckDepth = 512

    public init(scope: ConditionScope) { self.scope = scope }

    /// The compiled condition, or the first error in it.
    public func compile(_ text: String, subject: Subject) throws(ConditionError) -> CompiledCondition {
        needs = FieldSchema.needs(subject)
        sampled = false
        baseline = false
        let syntax = try ConditionParser.parse(text)
        start(syntax)
        let context = Context(subject: subject, element: nil, origin: .condition)
        let (expression, type) = try check(syntax, context)
        try expect(.bool, type, syntax, context, what: "a condition must be true or false")
        return CompiledCondition(root: expression, subject: subject, needs: needs, needsSampling: sampled, needsBaseline: baseline)
    }

    /// A field path for a message placeholder (`{name}`, `{parent.pid}`, `{ports}`).
    public func compileValue(_ text: String, subject: Subject) throws(ConditionError) -> CompiledValue {
        needs = FieldSchema.needs(subject)
        sampled = false
        baseline = false
        let syntax = try ConditionParser.parse(text)
        guard case .path = syntax.kind else {
            throw ConditionError("a placeholder names a field, such as {name} or {parent.pid}", offset: 0, length: text.unicodeScalars.count)
        }
        start(syntax)
        let (expression, type) = try check(syntax, Context(subject: subject, element: nil, origin: .condition))
        return CompiledValue(expression: expression, type: type, needs: needs, needsSampling: sampled, needsBaseline: baseline)
    }

    /// The current subject and, inside any/all/count over plain values, the element's type.
    private struct Context {
        var subject: Subject?
        var element: ValueType?
        var origin: ConditionError.Origin
    }

    private func fail(_ message: String, _ node: ConditionSyntax, _ context: Context) -> ConditionError {
        ConditionError(message, offset: node.offset, length: node.length, origin: context.origin)
    }

    private func expect(_ expected: ValueType, _ actual: ValueType, _ node: ConditionSyntax, _ context: Context, what: String) throws(ConditionError) {
        guard actual == expected || actual == .null else {
            throw fail("\(what), but this is \(article(actual))", node, context)
        }
    }

    private func article(_ type: ValueType) -> String {
        let text = type.description
        return (text.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + text
    }

    private func start(_ syntax: ConditionSyntax) {
        root = syntax
        checkedNodes = 0
        checkDepth = 0
    }

    /// Checks and compiles one node, within the limits on size and depth. Literals do not count
    /// towards the size: a list of 30 000 pids is long, not explosive.
    private func check(_ node: ConditionSyntax, _ context: Context) throws(ConditionError) -> (CompiledExpression, ValueType) {
        switch node.kind {
        case .null, .bool, .integer, .float, .string, .duration, .bytes: break
        default: checkedNodes += 1
        }
        checkDepth += 1
        defer { checkDepth -= 1 }
        if checkedNodes > Self.maxNodes {
            throw ConditionError(
                "condition too large: more than \(Self.maxNodes) terms once its macros are expanded",
                offset: root.offset, length: root.length, code: .conditionTooComplex)
        }
        if checkDepth > Self.maxCheckDepth {
            throw ConditionError(
                "condition nested too deep: more than \(Self.maxCheckDepth) levels once its macros are expanded",
                offset: root.offset, length: root.length, code: .conditionTooComplex)
        }
        return try checkNode(node, context)
    }

    private func checkNode(_ node: ConditionSyntax, _ context: Context) throws(ConditionError) -> (CompiledExpression, ValueType) {
        switch node.kind {
        case .null: return (.constant(.null), .null)
        case let .bool(value): return (.constant(.bool(value)), .bool)
        case let .integer(value): return (.constant(.int(value)), .int)
        case let .float(value): return (.constant(.float(value)), .float)
        case let .string(value): return (.constant(.string(value)), .string)
        case let .duration(value): return (.constant(.duration(value)), .duration)
        case let .bytes(value): return (.constant(.bytes(value)), .bytes)
        case let .list(elements):
            var compiled: [CompiledExpression] = []
            var elementType: ValueType? = nil
            for element in elements {
                let (expression, type) = try check(element, context)
                if let known = elementType, !compatible(known, type) {
                    throw fail("a list holds one type: this is \(article(type)), the first item \(article(known))", element, context)
                }
                if elementType == nil || elementType == .null { elementType = type }
                compiled.append(expression)
            }
            return (.list(compiled), .list(elementType ?? .string))
        case let .path(segments):
            return try path(segments, node, context)
        case let .call(name, arguments):
            return try call(name, arguments, node, context)
        case let .not(operand):
            let (expression, type) = try check(operand, context)
            try expect(.bool, type, operand, context, what: "'!' needs a condition")
            return (.not(expression), .bool)
        case let .and(left, right), let .or(left, right):
            let (l, lt) = try check(left, context)
            try expect(.bool, lt, left, context, what: "'&&' and '||' join conditions")
            let (r, rt) = try check(right, context)
            try expect(.bool, rt, right, context, what: "'&&' and '||' join conditions")
            if case .and = node.kind { return (.and(l, r), .bool) }
            return (.or(l, r), .bool)
        case let .compare(op, left, right):
            return try compare(op, left, right, node, context)
        }
    }

    private func compatible(_ a: ValueType, _ b: ValueType) -> Bool {
        a == b || a == .null || b == .null || (a.isNumeric && b.isNumeric)
    }

    private func path(_ segments: [(name: String, offset: Int)], _ node: ConditionSyntax, _ context: Context) throws(ConditionError) -> (
        CompiledExpression, ValueType
    ) {
        let first = segments[0]
        func segmentError(_ message: String, _ segment: (name: String, offset: Int)) -> ConditionError {
            ConditionError(message, offset: segment.offset, length: segment.name.unicodeScalars.count, origin: context.origin, code: .unknownField)
        }
        var expression: CompiledExpression
        var type: ValueType
        if first.name == "it", let element = context.element {
            (expression, type) = (.element, element)
        } else if let subject = context.subject, let id = FieldID(subject: subject, name: first.name) {
            (expression, type) = (.field(base: nil, id, reads: id.reads), note(id.spec))
        } else if segments.count == 1, let items = scope.lists[first.name] {
            usedNames.insert(first.name)
            return (.constant(.list(items.map { .string($0) })), .list(.string))
        } else if segments.count == 1, let text = scope.macros[first.name] {
            return try expandMacro(first.name, text, node, context)
        } else {
            var candidates = Array(scope.lists.keys) + Array(scope.macros.keys)
            if let subject = context.subject { candidates += FieldSchema.fields(of: subject).map(\.name) }
            if context.element != nil { candidates.append("it") }
            let kind = context.subject.map { "unknown field '\(first.name)' of a \($0.rawValue)" } ?? "unknown name '\(first.name)'"
            throw segmentError("\(kind)\(Suggestion.hint(for: first.name, in: candidates))", first)
        }
        for segment in segments.dropFirst() {
            if type == .map, case let .field(base, .process(field), _) = expression {
                if field == .container && !ContainerInfo.keys.contains(segment.name) {
                    throw segmentError(
                        "unknown key '\(segment.name)' of a container\(Suggestion.hint(for: segment.name, in: ContainerInfo.keys))", segment)
                }
                (expression, type) = (.mapValue(base: base, field, key: segment.name), .string)
                continue
            }
            guard let subject = type.subject else {
                throw segmentError("\(article(type)) has no field '\(segment.name)'", segment)
            }
            guard let id = FieldID(subject: subject, name: segment.name) else {
                let names = FieldSchema.fields(of: subject).map(\.name)
                throw segmentError("unknown field '\(segment.name)' of a \(subject.rawValue)\(Suggestion.hint(for: segment.name, in: names))", segment)
            }
            (expression, type) = (.field(base: expression, id, reads: id.reads), note(id.spec))
        }
        return (expression, type)
    }

    /// Records what the field needs read; returns its type.
    private func note(_ spec: FieldSpec) -> ValueType {
        needs.formUnion(spec.needs)
        if spec.sampled { sampled = true }
        if spec.baseline { baseline = true }
        return spec.type
    }

    private func expandMacro(_ name: String, _ text: String, _ node: ConditionSyntax, _ context: Context) throws(ConditionError) -> (
        CompiledExpression, ValueType
    ) {
        usedNames.insert(name)
        if expanding.contains(name) {
            throw fail("macro '\(name)' refers to itself (\((expanding + [name]).joined(separator: " -> ")))", node, context)
        }
        expanding.append(name)
        defer { expanding.removeLast() }
        let syntax: ConditionSyntax
        do {
            syntax = try ConditionParser.parse(text)
        } catch {
            var inMacro = error
            inMacro.origin = .macro(name)
            throw inMacro
        }
        var inner = context
        inner.origin = .macro(name)
        return try check(syntax, inner)
    }

    private func call(_ name: String, _ arguments: [ConditionSyntax], _ node: ConditionSyntax, _ context: Context) throws(ConditionError) -> (
        CompiledExpression, ValueType
    ) {
        func arity(_ count: Int, _ usage: String) throws(ConditionError) {
            guard arguments.count == count else { throw fail("\(name)() takes \(count) argument\(count == 1 ? "" : "s"): \(usage)", node, context) }
        }
        switch name {
        case "any", "all", "count":
            try arity(2, "\(name)(list, condition)")
            let (list, listType) = try check(arguments[0], context)
            guard case let .list(element) = listType else {
                throw fail("the first argument of \(name)() must be a list, but this is \(article(listType))", arguments[0], context)
            }
            var inner = context
            if let subject = element.subject {
                inner.subject = subject
                inner.element = nil
                needs.formUnion(FieldSchema.needs(subject))
            } else {
                inner.element = element
            }
            let (body, bodyType) = try check(arguments[1], inner)
            try expect(.bool, bodyType, arguments[1], inner, what: "the second argument of \(name)() must be a condition")
            let quantifier = CompiledExpression.Quantifier(rawValue: name)!
            return (.quantifier(quantifier, list: list, body: body), quantifier == .count ? .int : .bool)
        case "len":
            try arity(1, "len(string or list)")
            let (value, type) = try check(arguments[0], context)
            guard
                type == .string || type == .null
                    || {
                        if case .list = type { return true }; return false
                    }()
            else {
                throw fail("len() needs a string or a list, but this is \(article(type))", arguments[0], context)
            }
            return (.length(value), .int)
        case "exists":
            try arity(1, "exists(field)")
            guard case .path = arguments[0].kind else { throw fail("exists() takes a field, such as exists(env.CI)", arguments[0], context) }
            let (value, _) = try check(arguments[0], context)
            return (.exists(value), .bool)
        default:
            throw fail("unknown function '\(name)'\(Suggestion.hint(for: name, in: ["any", "all", "count", "len", "exists"]))", node, context)
        }
    }

    private func compare(_ op: ConditionSyntax.BinaryOperator, _ left: ConditionSyntax, _ right: ConditionSyntax, _ node: ConditionSyntax, _ context: Context)
        throws(ConditionError) -> (CompiledExpression, ValueType)
    {
        let operatorNode = ConditionSyntax(kind: .null, offset: node.operatorOffset, length: node.operatorLength)
        let (l, lt) = try check(left, context)
        switch op {
        case .matches:
            guard case let .string(pattern) = right.kind else {
                throw fail("'matches' needs a regular expression written as a string literal", right, context)
            }
            try expect(.string, lt, left, context, what: "'matches' tests a string")
            return (.regex(l, try regex(pattern, right, context, origin: context.origin)), .bool)
        case .anyMatches:
            guard lt == .string || lt == .list(.string) || lt == .null else {
                throw fail("'any_matches' tests a string or a list of strings, but this is \(article(lt))", left, context)
            }
            return (.anyMatches(l, try patterns(right, context)), .bool)
        default:
            break
        }
        let (r, rt) = try check(right, context)
        // `x == null` / `x != null` test for a missing value; any other comparison with a null
        // field is unknown when evaluated, so the literal is resolved here.
        if op == .equal || op == .notEqual, left.kind == .null || right.kind == .null {
            let tested = left.kind == .null ? r : l
            let bothNull = left.kind == .null && right.kind == .null
            let isNull: CompiledExpression = bothNull ? .constant(.bool(true)) : .not(.exists(tested))
            return (op == .equal ? isNull : .not(isNull), .bool)
        }
        switch op {
        case .equal, .notEqual:
            guard compatible(lt, rt), lt != .map || rt == .null, rt != .map || lt == .null else {
                throw fail("cannot compare \(article(lt)) with \(article(rt))\(unitHint(lt, rt))", operatorNode, context)
            }
        case .less, .lessEqual, .greater, .greaterEqual:
            let ordered: Set<String> = ["int", "float", "duration", "bytes", "string"]
            guard compatible(lt, rt), ordered.contains(lt.description) || lt == .null, ordered.contains(rt.description) || rt == .null else {
                throw fail("cannot order \(article(lt)) and \(article(rt))\(unitHint(lt, rt))", operatorNode, context)
            }
        case .in, .notIn:
            guard case let .list(element) = rt else {
                throw fail("'\(op.rawValue)' needs a list on its right, but this is \(article(rt))", right, context)
            }
            guard compatible(lt, element) else {
                throw fail("cannot look for \(article(lt)) in a list of \(element)", left, context)
            }
            return (.member(l, r, negated: op == .notIn), .bool)
        case .contains:
            if case let .list(element) = lt {
                guard compatible(element, rt) else { throw fail("a list of \(element) cannot contain \(article(rt))", right, context) }
                return (.member(r, l, negated: false), .bool)
            }
            try expect(.string, lt, left, context, what: "'contains' tests a string or a list")
            try expect(.string, rt, right, context, what: "'contains' looks for a string")
            return (.contains(l, r), .bool)
        case .startsWith, .endsWith:
            try expect(.string, lt, left, context, what: "'\(op.rawValue)' tests a string")
            try expect(.string, rt, right, context, what: "'\(op.rawValue)' needs a string")
            return (op == .startsWith ? .startsWith(l, r) : .endsWith(l, r), .bool)
        case .matches, .anyMatches:
            break
        }
        return (.compare(op, l, r), .bool)
    }

    private func unitHint(_ a: ValueType, _ b: ValueType) -> String {
        let pair = [a, b]
        if pair.contains(.duration) && pair.contains(where: \.isNumeric) { return " (write the number with a unit, such as 30s)" }
        if pair.contains(.bytes) && pair.contains(where: \.isNumeric) { return " (write the number with a unit, such as 512MB)" }
        return ""
    }

    private func regex(_ pattern: String, _ node: ConditionSyntax, _ context: Context, origin: ConditionError.Origin) throws(ConditionError) -> LinearRegex {
        do {
            return try LinearRegex(pattern)
        } catch {
            // The pattern starts one scalar after the opening quote.
            throw ConditionError("invalid regular expression: \(error.message)", offset: node.offset + 1 + error.offset, origin: origin, code: .invalidRegex)
        }
    }

    /// The patterns of `any_matches`: a list name (compiled once per load) or a list literal.
    private func patterns(_ node: ConditionSyntax, _ context: Context) throws(ConditionError) -> [LinearRegex] {
        switch node.kind {
        case let .path(segments) where segments.count == 1 && scope.lists[segments[0].name] != nil:
            let name = segments[0].name
            usedNames.insert(name)
            if let compiled = listPatterns[name] { return compiled }
            var compiled: [LinearRegex] = []
            for (index, item) in scope.lists[name]!.enumerated() {
                do {
                    compiled.append(try LinearRegex(item))
                } catch {
                    throw ConditionError(
                        "invalid pattern in list '\(name)': \(error.message)", offset: error.offset, origin: .listItem(list: name, index: index),
                        code: .invalidRegex)
                }
            }
            listPatterns[name] = compiled
            return compiled
        case let .list(elements):
            var compiled: [LinearRegex] = []
            for element in elements {
                guard case let .string(pattern) = element.kind else {
                    throw fail("patterns are strings", element, context)
                }
                compiled.append(try regex(pattern, element, context, origin: context.origin))
            }
            return compiled
        case let .path(segments):
            let hint = Suggestion.hint(for: segments[0].name, in: Array(scope.lists.keys))
            throw fail("'any_matches' needs a list of patterns: '\(segments.map(\.name).joined(separator: "."))' is not a list\(hint)", node, context)
        default:
            throw fail("'any_matches' needs a list name or a list of pattern strings", node, context)
        }
    }
}
