// Temporary until the condition evaluator lands.
public struct Condition: Sendable {
    let json: JSONValue
    init(_ json: JSONValue) { self.json = json }
    func evaluate(_ attributes: [String: JSONValue]) -> Bool { true }
    public static func problems(in condition: JSONValue, path: String = "condition") -> [(path: String, message: String)] { [] }
}
