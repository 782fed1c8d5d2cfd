/// Typed reading of one JSON object, with errors that name where they are (`processes[3].pid`).
/// Absent keys and `null` read the same for optional fields; unknown keys are ignored, so a newer
/// minor version of a format still loads.
struct JSONFields {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(ScanError) {
        guard case let .object(members) = value else { throw ScanError.invalidSnapshot("expected an object\(JSONFields.at(path))") }
        self.members = members
        self.path = path
    }

    static func at(_ path: String) -> String { path.isEmpty ? "" : " at \(path)" }

    func place(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The key's value, or nil when it is absent or null.
    func present(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func missing(_ key: String) -> ScanError {
        .invalidSnapshot("missing key '\(key)'\(JSONFields.at(path))")
    }

    private func required(_ key: String) throws(ScanError) -> JSONValue {
        guard let value = present(key) else { throw missing(key) }
        return value
    }

    private func mismatch(_ key: String, _ expected: String) -> ScanError {
        .invalidSnapshot("expected \(expected) at \(place(key))")
    }

    func string(_ key: String) throws(ScanError) -> String {
        guard case let .string(text) = try required(key) else { throw mismatch(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws(ScanError) -> String? {
        guard present(key) != nil else { return nil }
        return try string(key)
    }

    func integer<T: FixedWidthInteger>(_ key: String, _: T.Type = T.self) throws(ScanError) -> T {
        guard case let .number(text) = try required(key), let value = T(text) else { throw mismatch(key, "an integer") }
        return value
    }

    func optionalInteger<T: FixedWidthInteger>(_ key: String, _: T.Type = T.self) throws(ScanError) -> T? {
        guard present(key) != nil else { return nil }
        return try integer(key, T.self)
    }

    func double(_ key: String) throws(ScanError) -> Double {
        guard case let .number(text) = try required(key), let value = Double(text) else { throw mismatch(key, "a number") }
        return value
    }

    func optionalDouble(_ key: String) throws(ScanError) -> Double? {
        guard present(key) != nil else { return nil }
        return try double(key)
    }

    func bool(_ key: String) throws(ScanError) -> Bool {
        guard case let .bool(value) = try required(key) else { throw mismatch(key, "true or false") }
        return value
    }

    func optionalBool(_ key: String) throws(ScanError) -> Bool? {
        guard present(key) != nil else { return nil }
        return try bool(key)
    }

    func object(_ key: String) throws(ScanError) -> JSONFields {
        try JSONFields(try required(key), path: place(key))
    }

    func optionalObject(_ key: String) throws(ScanError) -> JSONFields? {
        guard present(key) != nil else { return nil }
        return try object(key)
    }

    /// The elements of an array, each with its own path (`key[i]`).
    func optionalArray(_ key: String) throws(ScanError) -> [(value: JSONValue, path: String)]? {
        guard let value = present(key) else { return nil }
        guard case let .array(elements) = value else { throw mismatch(key, "an array") }
        return elements.enumerated().map { ($0.element, "\(place(key))[\($0.offset)]") }
    }

    func optionalStrings(_ key: String) throws(ScanError) -> [String]? {
        guard let elements = try optionalArray(key) else { return nil }
        var out: [String] = []
        for element in elements {
            guard case let .string(text) = element.value else { throw ScanError.invalidSnapshot("expected a string at \(element.path)") }
            out.append(text)
        }
        return out
    }
}
