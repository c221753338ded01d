extension Condition {
    /// A compiled condition: clauses that must all hold.
    struct Program: Sendable {
        let clauses: [Clause]
    }

    /// One member of a condition object.
    enum Clause: Sendable {
        /// `$or`: some program holds, or there are none.
        case anyOf([Program])
        /// `$nor`: no program holds; as in GrowthBook, an empty `$nor` never holds.
        case noneOf([Program])
        /// `$and`: every program holds.
        case allOf([Program])
        /// `$not` at condition level.
        case not(Program)
        /// A test of the value at an attribute path.
        case attribute(AttributePath, ValueTest)
    }

    /// A test of one value, compiled from what a condition gives for it.
    indirect enum ValueTest: Sendable {
        /// A string: the value's JavaScript string form equals it (`10` matches `"10"`).
        case stringForm(String)
        /// A string inside `$alli`: as ``stringForm(_:)``, both sides lowercased (this one already is).
        case lowercasedStringForm(String)
        /// A number: the value's JavaScript numeric form equals it (`"10"` matches `10`).
        case numericForm(Double)
        /// A boolean: the value is non-null and its truthiness equals it.
        case truthiness(Bool)
        /// `null`: the value is null or missing.
        case null
        /// An array, or an object that is not an operator object: the value serializes identically.
        case literal(JSONValue)
        /// An operator object: every operator holds.
        case operators([OperatorTest])
    }

    /// One compiled operator from an operator object.
    enum OperatorTest: Sendable {
        case strictlyEqual(JSONValue, negated: Bool)
        case less(RelationalPrimitive)
        case lessOrEqual(RelationalPrimitive)
        case greater(RelationalPrimitive)
        case greaterOrEqual(RelationalPrimitive)
        case exists(Bool)
        case type(String)
        /// `$in`/`$nin` (or, with lowercased operands, `$ini`/`$nini`); an array value intersects.
        case memberOf([JSONValue], ignoringCase: Bool, negated: Bool)
        case inGroup(String, negated: Bool)
        case containsAll([ValueTest])
        case someElement(ValueTest)
        case someElementSatisfies(Program)
        case size(ValueTest)
        case not(ValueTest)
        /// `nil` when the pattern does not compile, which never matches.
        case regex(RegexPattern?)
        case version(VersionComparison, VersionString)
        /// An unknown operator, or a known one with an operand GrowthBook rejects.
        case never
    }

    /// How a `$v…` operator compares the attribute's version with its operand.
    enum VersionComparison: Sendable {
        case equal, notEqual, greater, greaterOrEqual, less, lessOrEqual
    }

    /// Thrown while compiling a condition whose logical structure is malformed.
    struct MalformedStructure: Error {}
}

extension Condition {
    /// Compiles a condition object.
    static func compile(_ json: JSONValue) throws -> Program {
        guard case .object(let members) = json else { throw MalformedStructure() }
        var clauses: [Clause] = []
        clauses.reserveCapacity(members.count)
        for (key, value) in members {
            switch key {
            case Operator.or.rawValue: clauses.append(.anyOf(try compileList(value)))
            case Operator.nor.rawValue: clauses.append(.noneOf(try compileList(value)))
            case Operator.and.rawValue: clauses.append(.allOf(try compileList(value)))
            case Operator.not.rawValue: clauses.append(.not(try compile(value)))
            default: clauses.append(.attribute(AttributePath(key), try compileTest(value)))
            }
        }
        return Program(clauses: clauses)
    }

    /// Compiles the operand of `$and`, `$or` or `$nor`: an array of condition objects.
    private static func compileList(_ json: JSONValue) throws -> [Program] {
        guard case .array(let elements) = json else { throw MalformedStructure() }
        return try elements.map(compile)
    }

    /// Compiles what a condition gives for an attribute (or an `$all` element, `$size` or `$not` operand).
    ///
    /// - Parameters:
    ///   - json: The value or operator object.
    ///   - ignoringCase: Whether a string compares case-insensitively, as inside `$alli`.
    static func compileTest(_ json: JSONValue, ignoringCase: Bool = false) throws -> ValueTest {
        switch json {
        case .string(let s): return ignoringCase ? .lowercasedStringForm(s.lowercased()) : .stringForm(s)
        case .number(let n): return .numericForm(n)
        case .bool(let b): return .truthiness(b)
        case .null: return .null
        case .array: return .literal(json)
        case .object(let members):
            guard isOperatorObject(members) else { return .literal(json) }
            return .operators(try members.map { try compileOperator($0.key, $0.value) })
        }
    }

    /// Compiles one operator of an operator object.
    private static func compileOperator(_ name: String, _ operand: JSONValue) throws -> OperatorTest {
        guard let op = Operator(rawValue: name) else { return .never }
        switch op {
        case .and, .or, .nor: return .never
        case .eq: return .strictlyEqual(operand, negated: false)
        case .ne: return .strictlyEqual(operand, negated: true)
        case .lt: return .less(operand.relationalPrimitive)
        case .lte: return .lessOrEqual(operand.relationalPrimitive)
        case .gt: return .greater(operand.relationalPrimitive)
        case .gte: return .greaterOrEqual(operand.relationalPrimitive)
        case .exists: return .exists(operand.isJavaScriptTruthy)
        case .type:
            guard case .string(let name) = operand else { return .never }
            return .type(name)
        case .in, .nin, .ini, .nini:
            guard case .array(let elements) = operand else { return .never }
            let ignoringCase = op == .ini || op == .nini
            let members = ignoringCase ? elements.map(\.caseFolded) : elements
            return .memberOf(members, ignoringCase: ignoringCase, negated: op == .nin || op == .nini)
        case .inGroup, .notInGroup:
            return .inGroup(operand.javaScriptString, negated: op == .notInGroup)
        case .all, .alli:
            guard case .array(let elements) = operand else { return .never }
            return .containsAll(try elements.map { try compileTest($0, ignoringCase: op == .alli) })
        case .elemMatch:
            guard case .object(let members) = operand else { return .never }
            if isOperatorObject(members) { return .someElement(try compileTest(operand)) }
            return .someElementSatisfies(try compile(operand))
        case .size: return .size(try compileTest(operand))
        case .not: return .not(try compileTest(operand))
        case .regex: return .regex(RegexPattern(operand.javaScriptString, caseInsensitive: false))
        case .regexi: return .regex(RegexPattern(operand.javaScriptString, caseInsensitive: true))
        case .veq: return .version(.equal, VersionString(operand))
        case .vne: return .version(.notEqual, VersionString(operand))
        case .vgt: return .version(.greater, VersionString(operand))
        case .vgte: return .version(.greaterOrEqual, VersionString(operand))
        case .vlt: return .version(.less, VersionString(operand))
        case .vlte: return .version(.lessOrEqual, VersionString(operand))
        }
    }
}

extension JSONValue {
    /// This value with a string lowercased, as `$ini` and `$nini` compare; other values unchanged.
    var caseFolded: JSONValue {
        if case .string(let s) = self { return .string(s.lowercased()) }
        return self
    }
}
