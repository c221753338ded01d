extension JSONValue {
    /// Whether JavaScript's `a === b` holds (equivalently `Array.prototype.includes`, as JSON has no `NaN`).
    ///
    /// Arrays and objects are never strictly equal: JavaScript compares them by reference, and every
    /// array or object in a condition is a distinct reference from those in the attributes.
    func isStrictlyEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.isJavaScriptEqual(to: b)
        default: return false
        }
    }

    /// Whether the two values serialize to the same JSON, member order aside.
    ///
    /// GrowthBook compares array and object literals with `JSON.stringify(a) === JSON.stringify(b)`,
    /// which also depends on the order of object members; Rampart's objects are unordered, so it
    /// compares members by name.
    func isStructurallyEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isStructurallyEqual(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let counterpart = b[key], value.isStructurallyEqual(to: counterpart) else { return false }
            }
            return true
        default:
            return isStrictlyEqual(to: other)
        }
    }
}

extension RelationalPrimitive {
    /// JavaScript's `a < b`: string order when both are strings, otherwise numeric order, and false
    /// whenever a side is `NaN`.
    static func isLess(_ a: RelationalPrimitive, _ b: RelationalPrimitive) -> Bool {
        if case .string(let x) = a, case .string(let y) = b { return x.isJavaScriptLess(than: y) }
        return a.number < b.number
    }

    /// JavaScript's `a <= b`, which is `!(b < a)` except that a `NaN` side makes it false.
    static func isLessOrEqual(_ a: RelationalPrimitive, _ b: RelationalPrimitive) -> Bool {
        if case .string(let x) = a, case .string(let y) = b { return !y.isJavaScriptLess(than: x) }
        return a.number <= b.number
    }
}
