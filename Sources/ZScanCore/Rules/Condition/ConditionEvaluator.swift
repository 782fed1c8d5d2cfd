/// Evaluates a compiled condition for one subject, with three-valued logic: a comparison that
/// involves a null (a field zscan could not read) is unknown, `!unknown` stays unknown, and
/// `&&`/`||` follow Kleene's tables, so an unreadable field can never make a rule fire.
///
/// In a partial evaluation (`EvaluationContext.partial`) a field not read yet is `pending`: it may
/// turn out to be any value, null included. Whatever depends on a pending value is pending (a
/// comparison, `in`, `exists`, `len`, a count), except where the outcome is the same whatever it
/// turns out to be (`false && pending` is false, a comparison with a null is unknown, `any` over a
/// list with a true element is true), and a condition's outcome is the set of outcomes still
/// possible (`Truth`).
struct ConditionEvaluator {
    let context: EvaluationContext
    var subject: ConditionValue
    var element: ConditionValue = .null
    private let partial: PartialReads?

    init(context: EvaluationContext, subject: ConditionValue) {
        self.context = context
        self.subject = subject
        partial = context.partial
    }

    /// The outcomes still possible: exactly one unless a partial evaluation left a field pending.
    func truth(_ expression: CompiledExpression) -> Truth {
        guard let partial else { return decide(expression) }
        let mark = partial.mark
        let outcome = decide(expression)
        // Decided whatever the pending fields hold: nothing read for them could change it.
        if outcome.isDecided { partial.forget(since: mark) }
        return outcome
    }

    private func decide(_ expression: CompiledExpression) -> Truth {
        switch expression {
        case let .not(inner):
            return truth(inner).negated
        case let .and(left, right):
            let l = truth(left)
            if l == .no { return .no }
            return l.and(truth(right))
        case let .or(left, right):
            let l = truth(left)
            if l == .yes { return .yes }
            return l.or(truth(right))
        default:
            return Truth(of: value(expression))
        }
    }

    func value(_ expression: CompiledExpression) -> ConditionValue {
        guard let partial else { return compute(expression) }
        let mark = partial.mark
        let result = compute(expression)
        if result != .pending { partial.forget(since: mark) }
        return result
    }

    private func compute(_ expression: CompiledExpression) -> ConditionValue {
        switch expression {
        case let .constant(value):
            return value
        case .element:
            return element
        case let .list(items):
            return .list(items.map(value))
        case let .field(base, id, reads):
            return field(id, of: base.map(value) ?? subject, reads: reads)
        case let .mapValue(base, mapField, key):
            let target = base.map(value) ?? subject
            if target == .pending { return .pending }
            guard case let .process(index) = target else { return .null }
            if let partial, partial.lacks(mapField.spec.needs, of: context.snapshot.processes[index]) { return .pending }
            guard case let .map(members) = processField(mapField, index) else { return .null }
            return members[key].map { .string($0) } ?? .null
        case .not, .and, .or:
            return truth(expression).value
        case let .compare(op, left, right):
            return compare(op, value(left), value(right))
        case let .member(needle, haystack, negated):
            let n = value(needle)
            guard n != .null else { return .null }
            let list = value(haystack)
            if list == .pending { return .pending }
            guard case let .list(items) = list else { return .null }
            if n == .pending { return .pending }
            if items.contains(where: { $0.same(as: n) }) { return .bool(!negated) }
            return items.contains(.pending) ? .pending : .bool(negated)
        case let .contains(left, right):
            return strings(left, right) { text, part in part.isEmpty || text.contains(part) }
        case let .startsWith(left, right):
            return strings(left, right) { text, part in text.hasPrefix(part) }
        case let .endsWith(left, right):
            return strings(left, right) { text, part in text.hasSuffix(part) }
        case let .regex(left, regex):
            switch value(left) {
            case let .string(text): return .bool(regex.matches(text))
            case .pending: return .pending
            default: return .null
            }
        case let .anyMatches(left, patterns):
            switch value(left) {
            case let .string(text):
                return .bool(patterns.contains { $0.matches(text) })
            case let .list(items):
                let matched = items.contains { item in
                    guard case let .string(text) = item else { return false }
                    return patterns.contains { $0.matches(text) }
                }
                return matched || !items.contains(.pending) ? .bool(matched) : .pending
            case .pending:
                return .pending
            default:
                return .null
            }
        case let .quantifier(kind, list, body):
            return quantify(kind, list, body)
        case let .length(inner):
            switch value(inner) {
            case let .string(text): return .int(Int64(text.unicodeScalars.count))
            case let .list(items): return .int(Int64(items.count))
            case .pending: return .pending
            default: return .null
            }
        case let .exists(inner):
            let v = value(inner)
            return v == .pending ? .pending : .bool(v != .null)
        }
    }

    /// `any` and `all` are `||` and `&&` over the elements (false and true for none); `count` counts
    /// the true ones, and is pending while an element may or may not be.
    private func quantify(_ kind: CompiledExpression.Quantifier, _ list: CompiledExpression, _ body: CompiledExpression) -> ConditionValue {
        let items: [ConditionValue]
        switch value(list) {
        case let .list(values): items = values
        case .pending: return .pending
        default: return .null
        }
        var inner = self
        var trueCount = 0
        var undecided = false
        var folded: Truth = kind == .all ? .yes : .no
        for item in items {
            switch item {
            case .process, .socket, .pidfile: inner.subject = item
            default: inner.element = item
            }
            let outcome = inner.truth(body)
            switch kind {
            case .count:
                if outcome == .yes { trueCount += 1 } else if outcome.contains(.yes) { undecided = true }
            case .any:
                folded = folded.or(outcome)
                if folded == .yes { return .bool(true) }
            case .all:
                folded = folded.and(outcome)
                if folded == .no { return .bool(false) }
            }
        }
        if kind == .count { return undecided ? .pending : .int(Int64(trueCount)) }
        return folded.value
    }

    /// A string operator: null unless both sides are strings, pending while a side may become one.
    private func strings(_ left: CompiledExpression, _ right: CompiledExpression, _ test: (String, String) -> Bool) -> ConditionValue {
        let l = value(left)
        guard Self.maybeString(l) else { return .null }
        let r = value(right)
        guard case let .string(text) = l, case let .string(part) = r else { return Self.maybeString(r) ? .pending : .null }
        return .bool(test(text, part))
    }

    private static func maybeString(_ value: ConditionValue) -> Bool {
        switch value {
        case .string, .pending: true
        default: false
        }
    }

    func text(_ expression: CompiledExpression) -> String {
        describe(value(expression))
    }

    private func describe(_ value: ConditionValue) -> String {
        switch value {
        case .null, .pending: return "?"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .float(f): return f == f.rounded() && abs(f) < 1e15 ? String(Int64(f)) : String((f * 10).rounded() / 10)
        case let .string(s): return s
        case let .duration(d): return DurationText.short(d)
        case let .bytes(b): return ByteText.short(b)
        case let .list(items): return items.isEmpty ? "none" : items.map(describe).joined(separator: ", ")
        case let .process(i):
            let p = context.snapshot.processes[i]
            return "\(p.name) (\(p.pid))"
        case let .socket(i):
            let s = context.snapshot.sockets[i]
            return "\(s.proto.rawValue) \(s.localAddress):\(s.localPort)"
        case let .pidfile(i): return context.pidfiles[i].path
        // A container (`{container}`) reads as its label, any other map as its keys.
        case let .map(m) where m["runtime"] != nil && m["path"] != nil && m["label"] != nil: return m["label"]!
        case let .map(m): return m.keys.sorted().joined(separator: ", ")
        }
    }

    private func compare(_ op: ConditionSyntax.BinaryOperator, _ left: ConditionValue, _ right: ConditionValue) -> ConditionValue {
        // A null field makes a comparison unknown (`== null` was compiled into `exists`).
        if left == .null || right == .null { return .null }
        if left == .pending || right == .pending { return .pending }
        if op == .equal || op == .notEqual { return .bool(left.same(as: right) == (op == .equal)) }
        if case let .string(a) = left, case let .string(b) = right {
            return .bool(ordered(op, a < b, a == b))
        }
        guard let a = left.number, let b = right.number else { return .null }
        return .bool(ordered(op, a < b, a == b))
    }

    private func ordered(_ op: ConditionSyntax.BinaryOperator, _ less: Bool, _ equal: Bool) -> Bool {
        switch op {
        case .less: less
        case .lessEqual: less || equal
        case .greater: !less && !equal
        case .greaterEqual: !less
        default: false
        }
    }

    private func processValue(_ pid: Int32) -> ConditionValue {
        context.pidIndex[pid].map { .process($0) } ?? .null
    }

    private func field(_ id: FieldID, of target: ConditionValue, reads: FieldSet) -> ConditionValue {
        switch (id, target) {
        case let (.process(field), .process(index)):
            if let partial, let pending = pending(field, index, reads, partial) { return pending }
            return processField(field, index)
        case (_, .pending): return .pending
        case let (.socket(field), .socket(index)): return socketField(field, index)
        case let (.pidfile(field), .pidfile(index)): return pidfileField(field, context.pidfiles[index])
        default: return .null
        }
    }

    /// In a partial evaluation, the field's value while the process still lacks what it rests on:
    /// pending (the demand noted), or, while sampling candidates are chosen, the sampled fields as
    /// the survey foretells them. Nil when the field is read.
    private func pending(_ field: ProcessField, _ i: Int, _ reads: FieldSet, _ partial: PartialReads) -> ConditionValue? {
        let processes = context.snapshot.processes
        if let window = partial.window {
            switch field {
            case .cpu, .state:
                partial.sample(processes[i].pid)
                return .pending
            case .stateBefore: return .string(processes[i].state)
            case .age: return .duration(processes[i].age + window)
            default: break
            }
        }
        if reads.isEmpty || (field == .tracked && context.trackedPids.contains(processes[i].pid)) { return nil }
        return partial.lacks(reads, of: processes[i]) ? .pending : nil
    }

    private func optional<T>(_ value: T?, _ wrap: (T) -> ConditionValue) -> ConditionValue {
        value.map(wrap) ?? .null
    }

    /// Reads one field of one process in place (no copy of the record).
    private func processField(_ field: ProcessField, _ i: Int) -> ConditionValue {
        let processes = context.snapshot.processes
        switch field {
        case .pid: return .int(Int64(processes[i].pid))
        case .ppid: return .int(Int64(processes[i].ppid))
        case .pgid: return .int(Int64(processes[i].pgid))
        case .sid: return .int(Int64(processes[i].sid))
        case .tty: return optional(processes[i].tty) { .string($0) }
        case .state: return .string(processes[i].state)
        case .name: return .string(processes[i].name)
        case .exe: return optional(processes[i].exe) { .string($0) }
        case .exeDeleted: return optional(processes[i].exeDeleted) { .bool($0) }
        case .cmdline: return optional(processes[i].cmdline) { .string($0) }
        case .args: return optional(processes[i].args) { .list($0.map { .string($0) }) }
        case .cwd: return optional(processes[i].cwd) { .string($0) }
        case .user: return optional(processes[i].user) { .string($0) }
        case .uid: return optional(processes[i].uid) { .int(Int64($0)) }
        case .startTicks: return .int(Int64(truncatingIfNeeded: processes[i].startTicks))
        case .startedAt: return .float(processes[i].startedAt)
        case .age: return .duration(processes[i].age)
        case .cpu: return optional(context.samples?[processes[i].pid]) { .float($0.cpu) }
        case .stateBefore: return optional(context.samples?[processes[i].pid]) { .string($0.stateBefore) }
        case .cpuTime: return .duration(processes[i].cpuTime)
        case .rss: return .bytes(Int64(truncatingIfNeeded: processes[i].rss))
        case .threads: return .int(Int64(processes[i].threads))
        case .fds: return optional(processes[i].fds) { .int(Int64($0)) }
        case .ports: return optional(processes[i].ports) { .list($0.map { .int(Int64($0)) }) }
        case .listening: return optional(processes[i].listening) { .bool($0) }
        case .connections: return optional(processes[i].connections) { .int(Int64($0)) }
        case .sockets:
            guard context.snapshot.fields.contains(.sockets), processes[i].fds != nil else { return .null }
            return .list((context.socketsByOwner[processes[i].pid] ?? []).map { .socket($0) })
        case .children: return .list(processes[i].children.compactMap { context.pidIndex[$0].map { .process($0) } })
        case .parent: return processes[i].ppid == 0 ? .null : processValue(processes[i].ppid)
        case .env: return optional(processes[i].env) { .map($0) }
        case .cgroup: return optional(processes[i].cgroup) { .string($0) }
        case .kernelThread: return .bool(processes[i].kernelThread)
        case .adopted, .reparented: return optional(processes[i].adopted) { .bool($0) }
        case .sessionAlive: return optional(processes[i].sessionAlive) { .bool($0) }
        case .detached: return optional(processes[i].detached) { .bool($0) }
        case .orphaned: return .bool(processes[i].orphaned)
        case .evidence: return .list(processes[i].evidence.map { .string($0) })
        case .pidfile: return optional(processes[i].pidfile) { .string($0) }
        case .ignoresSighup: return optional(processes[i].ignoresSighup) { .bool($0) }
        case .stdio: return optional(processes[i].stdio) { .list($0.map { .string($0) }) }
        case .lockedFile: return optional(processes[i].lockedFile) { .string($0) }
        case .job: return optional(processes[i].job) { .string($0) }
        case .jobAlive: return optional(processes[i].jobAlive) { .bool($0) }
        case .ciOptOut: return optional(processes[i].ciOptOut) { .string($0) }
        case .pidNs: return optional(processes[i].pidNs) { .int(Int64(truncatingIfNeeded: $0)) }
        case .nsPid: return optional(processes[i].nsPid) { .int(Int64($0)) }
        case .nsInit: return optional(processes[i].nsInit) { .bool($0) }
        case .container: return optional(processes[i].container) { .map($0.members) }
        case .new: return optional(context.baseline) { .bool(!$0.contains(processes[i].identity)) }
        case .tracked:
            if context.trackedPids.contains(processes[i].pid) { return .bool(true) }
            return optional(processes[i].env) { .bool($0[EvaluationContext.runCookie] != nil) }
        }
    }

    private func socketField(_ field: SocketField, _ i: Int) -> ConditionValue {
        let sockets = context.snapshot.sockets
        switch field {
        case .proto: return .string(sockets[i].proto.rawValue)
        case .localAddress: return .string(sockets[i].localAddress)
        case .localPort: return .int(Int64(sockets[i].localPort))
        case .remoteAddress: return .string(sockets[i].remoteAddress)
        case .remotePort: return .int(Int64(sockets[i].remotePort))
        case .state: return .string(sockets[i].state)
        case .inode: return .int(Int64(truncatingIfNeeded: sockets[i].inode))
        case .uid: return .int(Int64(sockets[i].uid))
        case .owners: return .list(sockets[i].owners.compactMap { context.pidIndex[$0].map { .process($0) } })
        case .owner: return sockets[i].owners.first.map(processValue) ?? .null
        case .ownerKnown: return .bool(sockets[i].ownerKnown)
        }
    }

    private func pidfileField(_ field: PidFileField, _ f: PidFileRecord) -> ConditionValue {
        switch field {
        case .path: return .string(f.path)
        case .pid: return optional(f.pid) { .int(Int64($0)) }
        case .exists: return .bool(f.exists)
        case .process: return f.pid.map(processValue) ?? .null
        case .alive: return .bool(f.alive)
        case .reused: return .bool(f.reused)
        case .age: return .duration(f.age)
        case .locked: return optional(f.locked) { .bool($0) }
        }
    }
}
