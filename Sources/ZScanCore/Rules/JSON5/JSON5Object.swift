/// A JSON5 object read by key, the one way rule files, the config and examples read their objects:
/// a key written twice is a `duplicate_key` error at the second, a key not in `allowed` an
/// `unknown_key` (or `unknown_field`) error with a "did you mean"; both are collected in
/// `problems` and left out of `members`.
public struct JSON5Object: Sendable {
    /// Where the object starts (its `{`).
    public var location: SourceLocation
    /// The members kept, one per key, in source order.
    public var members: [JSON5Member]
    /// Duplicate and unknown keys, in source order.
    public var problems: [JSON5Problem]
    private var indexByKey: [String: Int]

    /// Refuses a value that is not an object (`wrong_type`, "`what` must be an object" unless
    /// `notAnObject` says otherwise). `allowed` nil: any key. `unknown` picks how an unknown key
    /// is named: `unknown key 'k' in what` or `unknown field 'k' of what`.
    public init(
        _ node: JSON5Node, allowed: [String]?, what: String, unknown: DiagnosticCode = .unknownKey,
        notAnObject: String? = nil
    ) throws(JSON5Problem) {
        guard case let .object(list) = node.value else {
            throw JSON5Problem(.wrongType, notAnObject ?? "\(what) must be an object", at: node.location)
        }
        location = node.location
        members = []
        problems = []
        indexByKey = [:]
        members.reserveCapacity(list.count)
        for member in list {
            if let first = indexByKey[member.key] {
                problems.append(
                    JSON5Problem(
                        .duplicateKey, "duplicate key '\(member.key)' (first at \(members[first].keyLocation))", at: member.keyLocation))
                continue
            }
            if let allowed, !allowed.contains(member.key) {
                let named = unknown == .unknownField ? "unknown field '\(member.key)' of \(what)" : "unknown key '\(member.key)' in \(what)"
                problems.append(JSON5Problem(unknown, named + Suggestion.hint(for: member.key, in: allowed), at: member.keyLocation))
                // A later duplicate of an unknown key is reported as unknown again, not as a duplicate.
                continue
            }
            indexByKey[member.key] = members.count
            members.append(member)
        }
    }

    public subscript(key: String) -> JSON5Member? {
        indexByKey[key].map { members[$0] }
    }
}
