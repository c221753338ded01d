import RampartCore

/// Parses the input as an OFREP evaluation request body: it either gives a context with a non-empty targeting key
/// that is no longer among the attributes, or a problem; it never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvaluationContext(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    do {
        var context = try EvaluationContext.parse(requestBody: bytes)
        precondition(!context.targetingKey.isEmpty, "an empty targeting key was accepted")
        precondition(context.attributes["targetingKey"] == nil, "the targeting key stayed among the attributes")
        context.addUnit("user_id")
        _ = context.attributes(unitAttribute: "session_id")
    } catch {
        precondition(!error.details.isEmpty, "a problem without details")
    }
    return 0
}
