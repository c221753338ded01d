/// A targeting condition: which units an experiment applies to, judged on their attributes.
///
/// The syntax is GrowthBook's, a MongoDB-style query over a JSON object of attributes:
///
/// ```json
/// {"country": {"$in": ["US", "CA"]}, "app.version": {"$vgte": "2.4.0"}, "$or": [{"plan": "pro"}, {"beta": true}]}
/// ```
///
/// Evaluation agrees with GrowthBook's JavaScript SDK, including its JavaScript type coercions, so an
/// experiment targets the same units whether Rampart or a GrowthBook SDK evaluates it. The condition is
/// compiled once, when the value is created or decoded; evaluating it does not re-parse JSON or
/// recompile regular expressions. See `docs/targeting.md` for the full syntax.
public struct Condition: Sendable {
    /// The condition as written.
    public let json: JSONValue

    /// The compiled condition, or `nil` when its logical structure is malformed (for example `$or`
    /// given something other than an array of objects), in which case it matches no one.
    let program: Program?

    /// Wraps and compiles a condition.
    ///
    /// Any JSON value is accepted; use ``problems(in:path:)`` to report mistakes to its author.
    /// A condition whose logical structure is malformed — not an object, or `$and`/`$or`/`$nor` not
    /// an array of objects, or `$not` not an object — never matches.
    ///
    /// - Parameter json: The condition, such as `{"country": {"$in": ["US"]}}`. `{}` matches everyone.
    public init(_ json: JSONValue) {
        self.json = json
        self.program = try? Self.compile(json)
    }

    /// Whether a unit with these attributes satisfies the condition.
    ///
    /// - Parameters:
    ///   - attributes: The unit's attributes; nested objects are reached with dotted paths (`"a.b"`).
    ///   - savedGroups: The members of each saved group, by id, for `$inGroup` and `$notInGroup`.
    /// - Returns: `true` when every clause of the condition holds.
    public func evaluate(_ attributes: [String: JSONValue], savedGroups: [String: [JSONValue]] = [:]) -> Bool {
        evaluate(.object(attributes), savedGroups: savedGroups)
    }

    /// Whether a unit with these attributes satisfies the condition.
    ///
    /// - Parameters:
    ///   - attributes: The unit's attributes, normally an object; any other value has no attributes.
    ///   - savedGroups: The members of each saved group, by id, for `$inGroup` and `$notInGroup`.
    /// - Returns: `true` when every clause of the condition holds.
    public func evaluate(_ attributes: JSONValue, savedGroups: [String: [JSONValue]] = [:]) -> Bool {
        program?.matches(attributes, savedGroups: savedGroups) ?? false
    }
}

extension Condition: Hashable {
    public static func == (a: Condition, b: Condition) -> Bool { a.json == b.json }
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}

extension Condition: Codable {
    /// Decodes a condition from its JSON form, compiling it.
    public init(from decoder: Decoder) throws {
        self.init(try JSONValue(from: decoder))
    }

    /// Encodes the condition as written.
    public func encode(to encoder: Encoder) throws {
        try json.encode(to: encoder)
    }
}
