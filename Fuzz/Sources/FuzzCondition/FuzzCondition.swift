import RampartCore

/// Reads the input as JSON: `[condition, attributes]`, or a condition evaluated against fixed attributes. The
/// condition is validated, compiled and evaluated; nothing may crash, and a condition evaluates the same way twice.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCondition(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let json = try? JSONValue.parse(utf8: UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let condition: JSONValue
    let attributes: JSONValue
    if case .array(let pair) = json, pair.count == 2 {
        (condition, attributes) = (pair[0], pair[1])
    } else {
        condition = json
        attributes = ["id": "user-1", "plan": "pro", "age": 42, "tags": ["a", "b"], "company": ["tier": "gold"], "beta": true]
    }
    _ = Condition.problems(in: condition)
    let compiled = Condition(condition)
    let first = compiled.evaluate(attributes, savedGroups: ["group": ["user-1", 2]])
    let second = compiled.evaluate(attributes, savedGroups: ["group": ["user-1", 2]])
    precondition(first == second, "a condition evaluated two ways on the same attributes")
    return 0
}
