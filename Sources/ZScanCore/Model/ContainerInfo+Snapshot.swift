/// A container is kept in snapshots and reports as one object (`{"runtime": "docker", "id": …}`),
/// and a rule reads it as a map (`container.runtime`), under the same keys.
extension ContainerInfo: SnapshotValue {
    /// The keys of the object, in the order they are written; a rule may name each after `container.`.
    public static let keys = ["runtime", "id", "short_id", "pod_uid", "qos", "path", "label"]

    /// The object's members; an absent id, pod or QoS is left out.
    public var members: [String: String] {
        var members = ["runtime": runtime, "path": path, "label": label]
        members["id"] = id
        members["short_id"] = shortID
        members["pod_uid"] = podUID
        members["qos"] = qos
        return members
    }

    public func write(to w: inout JSONWriter) {
        let members = members
        w.beginObject()
        for key in ContainerInfo.keys {
            w.key(key)
            if let value = members[key] { w.string(value) } else { w.null() }
        }
        w.endObject()
    }

    init(json: JSONValue, in record: JSONFields, at path: () -> String) throws(ScanError) {
        guard case let .object(object) = json else { throw .invalidSnapshot("expected an object at \(path())") }
        var members: [String: String] = [:]
        for (name, value) in object where value != .null {
            members[name] = try String(json: value, in: record, at: { "\(path()).\(name)" })
        }
        guard let runtime = members["runtime"] else { throw .invalidSnapshot("expected a container's runtime at \(path())") }
        self.init(runtime: runtime, id: members["id"], podUID: members["pod_uid"], qos: members["qos"], path: members["path"] ?? "")
    }

    init(example: JSON5Node, as _: ValueType, field: String) throws(ExampleError) {
        var members: [String: String] = [:]
        for entry in try ExampleBuilder.members(example, allowed: ContainerInfo.keys.filter { $0 != "label" && $0 != "short_id" }, what: field) {
            members[entry.key] = try ExampleBuilder.string(entry.member.value)
        }
        self.init(
            runtime: members["runtime"] ?? "docker", id: members["id"], podUID: members["pod_uid"], qos: members["qos"],
            path: members["path"] ?? "")
    }
}
