// Temporary until the condition evaluator lands.
struct Condition: Sendable {
    let json: JSONValue
    init(_ json: JSONValue) { self.json = json }
    func evaluate(_ attributes: [String: JSONValue]) -> Bool { true }
}
