import RampartCore
import Yams

/// Reads typed fields out of a Yams node tree, collecting every problem with its position instead of stopping
/// at the first one, and remembering where each field was written so later checks can point at it.
struct YAMLReader {
    let file: String
    private(set) var problems: [ConfigProblem] = []
    private(set) var positions: [String: SourcePosition] = [:]

    init(file: String) {
        self.file = file
    }

    // MARK: Problems and positions

    static func position(of node: Node?) -> SourcePosition {
        guard let mark = node?.mark else { return .file }
        return SourcePosition(line: mark.line, column: mark.column)
    }

    /// Records a problem with `field` (the document itself, `(file)`, when `field` is the root's empty path).
    mutating func fail(_ field: String, _ message: String, at node: Node?, severity: ConfigProblem.Severity = .error) {
        let p = node.map(Self.position) ?? nearestPosition(field)
        problems.append(
            ConfigProblem(file: file, line: p.line, column: p.column, field: field.isEmpty ? "(file)" : field, message: message, severity: severity)
        )
    }

    /// Records where a field is written; the first record (its key) wins over later ones (its value).
    mutating func remember(_ field: String, _ node: Node) {
        if positions[field] == nil { positions[field] = Self.position(of: node) }
    }

    /// The position of `field`, or of its closest written ancestor, e.g. `metrics[1]` for `metrics[1].threshold`.
    func nearestPosition(_ field: String) -> SourcePosition {
        var path = Substring(field)
        while !path.isEmpty {
            if let p = positions[String(path)] { return p }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return positions[""] ?? .file
    }

    // MARK: Structure

    /// The members of a mapping node, reporting keys outside `allowed` as unknown.
    mutating func mapping(_ node: Node, at field: String, allowed: Set<String>) -> [String: Node]? {
        guard let mapping = node.mapping else {
            fail(field, "expected a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        remember(field, node)
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(field, "keys must be plain strings", at: keyNode)
                continue
            }
            let path = Self.join(field, key)
            if !allowed.contains(key) {
                let known = allowed.sorted().joined(separator: ", ")
                fail(path, "unknown key '\(key)' (known keys: \(known))", at: keyNode)
                continue
            }
            if result[key] != nil {
                fail(path, "duplicate key '\(key)'", at: keyNode)
                continue
            }
            remember(path, keyNode)
            result[key] = value
        }
        return result
    }

    mutating func sequence(_ node: Node, at field: String) -> [Node]? {
        guard let sequence = node.sequence else {
            fail(field, "expected a list, found \(Self.describe(node))", at: node)
            return nil
        }
        remember(field, node)
        return Array(sequence)
    }

    // MARK: Scalars

    mutating func string(_ node: Node?, at field: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar, node.tagName != .null else {
            fail(field, "expected a string, found \(Self.describe(node))", at: node)
            return nil
        }
        return scalar.string
    }

    mutating func number(_ node: Node?, at field: String) -> Double? {
        guard let node else { return nil }
        guard node.scalar != nil, node.tagName == .int || node.tagName == .float, let value = node.float, value.isFinite else {
            fail(field, "expected a number, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node?, at field: String) -> Int? {
        guard let node else { return nil }
        guard node.scalar != nil, node.tagName == .int, let value = node.int else {
            fail(field, "expected a whole number, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, at field: String) -> Bool? {
        guard let node else { return nil }
        guard node.scalar != nil, node.tagName == .bool, let value = node.bool else {
            fail(field, "expected true or false, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    /// A string that must be one of an enumeration's raw values.
    mutating func enumeration<T: RawRepresentable & CaseIterable>(_ node: Node?, at field: String, as type: T.Type) -> T?
    where T.RawValue == String {
        guard let raw = string(node, at: field) else { return nil }
        if let value = T(rawValue: raw) { return value }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        fail(field, "'\(raw)' is not one of: \(allowed)", at: node)
        return nil
    }

    /// A duration: a number of seconds, or a number followed by s, m, h, d or w (e.g. `36h`, `7d`).
    mutating func duration(_ node: Node?, at field: String) -> Double? {
        guard let node else { return nil }
        if node.tagName == .int || node.tagName == .float, let seconds = node.float, seconds.isFinite {
            return seconds
        }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        if let text = node.scalar?.string, let unit = text.last, let scale = units[unit],
            let amount = Double(text.dropLast()), amount.isFinite
        {
            return amount * scale
        }
        fail(field, "expected a duration such as 3600, 90m, 24h or 7d, found \(Self.describe(node))", at: node)
        return nil
    }

    /// Any YAML value as JSON, for payload parameters, targeting conditions and filters.
    mutating func json(_ node: Node, at field: String) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            switch node.tagName {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool)
            case .int, .float:
                guard let value = node.float, value.isFinite else {
                    fail(field, "numbers must be finite", at: node)
                    return nil
                }
                return .number(value)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, item) in sequence.enumerated() {
                remember("\(field)[\(index)]", item)
                guard let value = json(item, at: "\(field)[\(index)]") else { return nil }
                items.append(value)
            }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.scalar?.string else {
                    fail(field, "keys must be plain strings", at: keyNode)
                    return nil
                }
                remember(Self.join(field, key), keyNode)
                guard let value = json(valueNode, at: Self.join(field, key)) else { return nil }
                members[key] = value
            }
            return .object(members)
        case .alias:
            fail(field, "YAML aliases are not supported", at: node)
            return nil
        }
    }

    // MARK: Helpers

    static func join(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch node.tagName {
            case .null: return "null"
            case .bool: return "the boolean \(scalar.string)"
            case .int, .float: return "the number \(scalar.string)"
            default: return "the string '\(scalar.string)'"
            }
        }
    }
}

extension YAMLReader {
    /// Moves the most recent problem to `position`, for errors whose position comes from elsewhere.
    mutating func overrideLastPosition(_ position: SourcePosition) {
        guard var last = problems.popLast() else { return }
        last.line = position.line
        last.column = position.column
        problems.append(last)
    }
}

extension Node {
    /// The resolved tag's name (`int`, `float`, `bool`, `null`, `str`, ...).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
