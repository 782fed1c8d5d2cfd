/// A message or hint with `{field}` placeholders (`{name}`, `{parent.name}`, `{ports}`), checked
/// when the rule loads; `{{` and `}}` stand for braces.
public struct MessageTemplate: Sendable {
    enum Piece: Sendable {
        case text(String)
        case value(CompiledValue)
    }

    let pieces: [Piece]
    public let text: String

    /// The placeholders' requirements, merged into the rule set's.
    public var needs: FieldSet {
        pieces.reduce(into: FieldSet()) { set, piece in if case let .value(v) = piece { set.formUnion(v.needs) } }
    }

    public var needsSampling: Bool {
        pieces.contains {
            if case let .value(v) = $0 { return v.needsSampling }; return false
        }
    }

    /// Parses and checks `text` for `subject`; errors carry the scalar offset of the problem.
    public init(_ text: String, subject: Subject, checker: ConditionChecker) throws(ConditionError) {
        self.text = text
        var pieces: [Piece] = []
        var literal = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "{" && i + 1 < scalars.count && scalars[i + 1] == "{" { literal.append("{"); i += 2; continue }
            if c == "}" && i + 1 < scalars.count && scalars[i + 1] == "}" { literal.append("}"); i += 2; continue }
            if c == "}" { throw ConditionError("unmatched '}' in the message (write '}}' for a brace)", offset: i) }
            guard c == "{" else { literal.append(c); i += 1; continue }
            guard let close = scalars[(i + 1)...].firstIndex(of: "}") else {
                throw ConditionError("unclosed '{' in the message", offset: i)
            }
            if !literal.isEmpty { pieces.append(.text(String(literal))); literal = String.UnicodeScalarView() }
            let name = String(String.UnicodeScalarView(scalars[(i + 1)..<close]))
            do {
                pieces.append(.value(try checker.compileValue(name.trimmingSpaces, subject: subject)))
            } catch {
                var shifted = error
                shifted.offset += i + 1 + (name.unicodeScalars.count - name.trimmingLeadingSpaces.unicodeScalars.count)
                throw shifted
            }
            i = close + 1
        }
        if !literal.isEmpty { pieces.append(.text(String(literal))) }
        self.pieces = pieces
    }

    /// The message for one subject.
    public func render(_ context: EvaluationContext, _ subject: FindingRef) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case let .text(text): out += text
            case let .value(value): out += context.text(of: value, for: subject)
            }
        }
        return out
    }

    /// Evaluates the placeholders for what they demand in a partial pass, writing nothing.
    func noteDemands(_ context: EvaluationContext, _ subject: FindingRef) {
        for case let .value(value) in pieces { context.noteDemands(of: value, for: subject) }
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
    var trimmingSpaces: String { String(trimmingLeadingSpaces.reversed().drop { $0 == " " }.reversed()) }
}
