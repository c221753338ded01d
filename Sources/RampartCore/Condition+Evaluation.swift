extension Condition.Program {
    /// Whether every clause holds for `root`, the unit's attributes (or an array element, in `$elemMatch`).
    func matches(_ root: JSONValue, savedGroups: [String: [JSONValue]]) -> Bool {
        clauses.allSatisfy { $0.matches(root, savedGroups: savedGroups) }
    }
}

extension Condition.Clause {
    /// Whether this clause holds for `root`.
    func matches(_ root: JSONValue, savedGroups: [String: [JSONValue]]) -> Bool {
        switch self {
        case .anyOf(let programs):
            return programs.isEmpty || programs.contains { $0.matches(root, savedGroups: savedGroups) }
        case .noneOf(let programs):
            return !(programs.isEmpty || programs.contains { $0.matches(root, savedGroups: savedGroups) })
        case .allOf(let programs):
            return programs.allSatisfy { $0.matches(root, savedGroups: savedGroups) }
        case .not(let program):
            return !program.matches(root, savedGroups: savedGroups)
        case .attribute(let path, let test):
            return test.matches(path.value(in: root), savedGroups: savedGroups)
        }
    }
}

extension Condition.ValueTest {
    /// Whether `value` passes this test.
    func matches(_ value: JSONValue, savedGroups: [String: [JSONValue]]) -> Bool {
        switch self {
        case .stringForm(let expected):
            if case .string(let s) = value { return s.isJavaScriptEqual(to: expected) }
            return value.javaScriptString.isJavaScriptEqual(to: expected)
        case .lowercasedStringForm(let expected):
            return value.javaScriptString.lowercased().isJavaScriptEqual(to: expected)
        case .numericForm(let expected):
            return value.javaScriptNumber == expected
        case .truthiness(let expected):
            return !value.isNull && value.isJavaScriptTruthy == expected
        case .null:
            return value.isNull
        case .literal(let expected):
            return value.isStructurallyEqual(to: expected)
        case .operators(let tests):
            return tests.allSatisfy { $0.matches(value, savedGroups: savedGroups) }
        }
    }
}

extension Condition.OperatorTest {
    /// Whether `actual`, an attribute's value, passes this operator.
    func matches(_ actual: JSONValue, savedGroups: [String: [JSONValue]]) -> Bool {
        switch self {
        case .strictlyEqual(let expected, let negated):
            return actual.isStrictlyEqual(to: expected) != negated
        case .less(let bound):
            return RelationalPrimitive.isLess(actual.relationalPrimitive, bound)
        case .lessOrEqual(let bound):
            return RelationalPrimitive.isLessOrEqual(actual.relationalPrimitive, bound)
        case .greater(let bound):
            return RelationalPrimitive.isLess(bound, actual.relationalPrimitive)
        case .greaterOrEqual(let bound):
            return RelationalPrimitive.isLessOrEqual(bound, actual.relationalPrimitive)
        case .exists(let expected):
            return actual.isNull != expected
        case .type(let name):
            return actual.conditionTypeName == name
        case .memberOf(let members, let ignoringCase, let negated):
            return Self.isMember(actual, of: members, ignoringCase: ignoringCase) != negated
        case .inGroup(let id, let negated):
            return Self.isMember(actual, of: savedGroups[id] ?? [], ignoringCase: false) != negated
        case .containsAll(let tests):
            guard case .array(let elements) = actual else { return false }
            return tests.allSatisfy { test in elements.contains { test.matches($0, savedGroups: savedGroups) } }
        case .someElement(let test):
            guard case .array(let elements) = actual else { return false }
            return elements.contains { $0.isJavaScriptTruthy && test.matches($0, savedGroups: savedGroups) }
        case .someElementSatisfies(let program):
            guard case .array(let elements) = actual else { return false }
            return elements.contains { $0.isJavaScriptTruthy && program.matches($0, savedGroups: savedGroups) }
        case .size(let test):
            guard case .array(let elements) = actual else { return false }
            return test.matches(.number(Double(elements.count)), savedGroups: savedGroups)
        case .not(let test):
            return !test.matches(actual, savedGroups: savedGroups)
        case .regex(let pattern):
            return pattern?.matches(actual.javaScriptString) ?? false
        case .version(let comparison, let expected):
            let version = VersionString(actual)
            switch comparison {
            case .equal: return version == expected
            case .notEqual: return version != expected
            case .greater: return version > expected
            case .greaterOrEqual: return version >= expected
            case .less: return version < expected
            case .lessOrEqual: return version <= expected
            }
        case .never:
            return false
        }
    }

    /// GrowthBook's membership test: an array value intersects `members`; any other value is looked up
    /// with strict equality, strings lowercased first when `ignoringCase` (then `members` already are).
    private static func isMember(_ actual: JSONValue, of members: [JSONValue], ignoringCase: Bool) -> Bool {
        func contains(_ value: JSONValue) -> Bool {
            let probe = ignoringCase ? value.caseFolded : value
            return members.contains { probe.isStrictlyEqual(to: $0) }
        }
        if case .array(let elements) = actual { return elements.contains(where: contains) }
        return contains(actual)
    }
}
