extension Condition {
    /// The mistakes in a condition, for its author: unknown operators, operands of the wrong type or
    /// shape, patterns that do not compile, and constructs that can never match.
    ///
    /// An empty result means the condition is well-formed, not that it targets anyone in particular.
    /// Problems come in a stable order: depth-first, members sorted by key.
    ///
    /// - Parameters:
    ///   - condition: The condition as written.
    ///   - path: How to name the condition's root in each problem's ``ConditionProblem/path``, such as
    ///     `experiments.checkout-copy.condition`.
    /// - Returns: Every problem found, empty when there are none.
    public static func problems(in condition: JSONValue, path: String = "condition") -> [ConditionProblem] {
        var validator = Validator()
        validator.checkCondition(condition, at: path)
        return validator.problems
    }
}

/// Walks a condition, collecting problems.
private struct Validator {
    typealias Operator = Condition.Operator

    var problems: [ConditionProblem] = []

    private mutating func report(_ path: String, _ kind: ConditionProblem.Kind, _ message: String) {
        problems.append(ConditionProblem(path: path, kind: kind, message: message))
    }

    /// Checks a condition object: attribute paths and `$and`/`$or`/`$nor`/`$not`.
    mutating func checkCondition(_ json: JSONValue, at path: String) {
        guard case .object(let members) = json else {
            return report(
                path, .notAnObject,
                "a condition must be an object of attribute paths and $and/$or/$nor/$not, found \(json.typeName)")
        }
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            let memberPath = "\(path).\(key)"
            switch Operator(rawValue: key) {
            case .and?, .or?, .nor?:
                checkConditionList(value, at: memberPath, operator: key)
            case .not?:
                checkCondition(value, at: memberPath)
            case let op? where op.isValueOperator:
                report(
                    memberPath, .misplacedOperator,
                    "\(key) tests an attribute's value and belongs under an attribute, as "
                        + "{\"country\": {\"\(key)\": …}}; here it reads as an attribute named \"\(key)\"")
            default:
                if key.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                    report(memberPath, .emptyPathComponent, "attribute path \"\(key)\" has an empty component")
                }
                checkValue(value, at: memberPath)
            }
        }
    }

    /// Checks the operand of `$and`, `$or` or `$nor`: an array of condition objects.
    private mutating func checkConditionList(_ json: JSONValue, at path: String, operator name: String) {
        guard case .array(let elements) = json else {
            return report(path, .invalidOperand, "\(name) needs an array of conditions, found \(json.typeName)")
        }
        if elements.isEmpty, name == Operator.nor.rawValue {
            report(path, .neverMatches, "an empty $nor never matches")
        }
        for (index, element) in elements.enumerated() {
            checkCondition(element, at: "\(path)[\(index)]")
        }
    }

    /// Checks what a condition gives for an attribute: a literal, or an operator object.
    private mutating func checkValue(_ json: JSONValue, at path: String) {
        guard case .object(let members) = json, !members.isEmpty else { return }
        if Condition.isOperatorObject(members) {
            for (name, operand) in members.sorted(by: { $0.key < $1.key }) {
                checkOperator(name, operand, at: "\(path).\(name)")
            }
            return
        }
        let operators = members.keys.filter { $0.hasPrefix("$") }.sorted()
        if !operators.isEmpty {
            let plain = members.keys.filter { !$0.hasPrefix("$") }.sorted()
            report(
                path, .mixedOperatorObject,
                "mixes operators (\(operators.joined(separator: ", "))) with plain keys "
                    + "(\(plain.joined(separator: ", "))), so it is compared as a literal object "
                    + "and the operators are ignored")
        }
    }

    /// Checks one operator of an operator object and its operand.
    private mutating func checkOperator(_ name: String, _ operand: JSONValue, at path: String) {
        guard let op = Operator(rawValue: name) else {
            let suggestion = Self.closestOperator(to: name).map { " (did you mean \($0)?)" } ?? ""
            return report(path, .unknownOperator, "unknown operator \(name)\(suggestion); it never matches")
        }
        let found = operand.typeName
        switch op {
        case .and, .or, .nor:
            report(
                path, .misplacedOperator,
                "\(name) combines conditions and belongs at condition level, not under an attribute; here it never matches")
        case .eq, .ne:
            if operand.isCompound {
                report(
                    path, op == .eq ? .neverMatches : .invalidOperand,
                    "\(name) compares with strict equality, so an array or object operand "
                        + "\(op == .eq ? "never matches" : "always holds"); "
                        + "give the literal without \(name) to compare contents")
            }
        case .lt, .lte, .gt, .gte:
            if operand.stringValue == nil, operand.numberValue == nil {
                report(path, .invalidOperand, "\(name) needs a number or a string, found \(found)")
            }
        case .exists:
            if operand.boolValue == nil {
                report(path, .invalidOperand, "$exists needs true or false, found \(found)")
            }
        case .type:
            checkTypeName(operand, at: path)
        case .in, .nin, .ini, .nini:
            guard case .array(let elements) = operand else {
                return report(path, .invalidOperand, "\(name) needs an array of values, found \(found); it never matches")
            }
            for (index, element) in elements.enumerated() where element.isCompound {
                report(
                    "\(path)[\(index)]", .neverMatches,
                    "\(element.typeName) in \(name) never matches: membership uses strict equality")
            }
        case .all, .alli:
            guard case .array(let elements) = operand else {
                return report(path, .invalidOperand, "\(name) needs an array of values, found \(found); it never matches")
            }
            for (index, element) in elements.enumerated() {
                checkValue(element, at: "\(path)[\(index)]")
            }
        case .elemMatch:
            guard case .object(let members) = operand, !members.isEmpty else {
                return report(
                    path, .invalidOperand,
                    "$elemMatch needs a non-empty object: operators for each element ({\"$gt\": 10}) "
                        + "or a condition on object elements ({\"name\": \"x\"}); found \(found)")
            }
            if Condition.isOperatorObject(members) {
                checkValue(operand, at: path)
            } else {
                checkCondition(operand, at: path)
            }
        case .size:
            checkSize(operand, at: path)
        case .not:
            if case .object(let members) = operand, members.isEmpty {
                return report(
                    path, .invalidOperand,
                    "$not needs a value or an operator object such as {\"$in\": […]}, found an empty object")
            }
            checkValue(operand, at: path)
        case .regex, .regexi:
            guard case .string(let pattern) = operand else {
                return report(path, .invalidOperand, "\(name) needs a pattern string, found \(found)")
            }
            if RegexPattern(pattern, caseInsensitive: op == .regexi) == nil {
                report(path, .invalidRegex, "\"\(pattern)\" is not a valid regular expression; it never matches")
            }
        case .veq, .vne, .vgt, .vgte, .vlt, .vlte:
            let isVersion = operand.numberValue != nil || operand.stringValue.map { !$0.isEmpty } == true
            if !isVersion {
                report(path, .invalidOperand, "\(name) needs a version string such as \"1.2.3\", found \(found)")
            }
        case .inGroup, .notInGroup:
            if operand.stringValue?.isEmpty != false {
                report(path, .invalidOperand, "\(name) needs a saved group id, found \(found)")
            }
        }
    }

    private mutating func checkTypeName(_ operand: JSONValue, at path: String) {
        let expected = Operator.typeNames.sorted().joined(separator: ", ")
        guard case .string(let name) = operand else {
            return report(path, .invalidOperand, "$type needs a type name (\(expected)), found \(operand.typeName)")
        }
        guard Operator.typeNames.contains(name) else {
            let hint = name == "undefined" ? "; a missing attribute has type null" : ""
            return report(path, .invalidOperand, "unknown type name \"\(name)\"; expected one of \(expected)\(hint)")
        }
    }

    private mutating func checkSize(_ operand: JSONValue, at path: String) {
        switch operand {
        case .number(let n):
            if n < 0 || n.rounded() != n {
                report(path, .neverMatches, "$size \(n.javaScriptString) never matches: an array's size is a whole number")
            }
        case .object(let members) where Condition.isOperatorObject(members):
            checkValue(operand, at: path)
        default:
            report(
                path, .invalidOperand,
                "$size needs a whole number or an operator object such as {\"$gt\": 2}, found \(operand.typeName)")
        }
    }

    /// The known operator nearest to a misspelt one, when one is close enough to be a likely typo.
    private static func closestOperator(to name: String) -> String? {
        let typed = Array(name.lowercased().unicodeScalars)
        let best = Operator.allCases
            .map { ($0.rawValue, editDistance(typed, Array($0.rawValue.lowercased().unicodeScalars))) }
            .min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return nil }
        return best.0
    }

    /// The Levenshtein distance between two scalar sequences.
    private static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            current.reserveCapacity(b.count + 1)
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension JSONValue {
    /// Whether this is an array or an object.
    var isCompound: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }
}
