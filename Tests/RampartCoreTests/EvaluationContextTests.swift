import Testing
@testable import RampartCore

/// The OFREP evaluation context's limits on its targeting key, the unit its exposure is logged for.
@Suite("Evaluation context")
struct EvaluationContextTests {
    func parse(_ text: String) -> Result<EvaluationContext, EvaluationContextProblem> {
        var text = text
        return text.withUTF8 { bytes in Result { () throws(EvaluationContextProblem) in try EvaluationContext.parse(requestBody: bytes) } }
    }

    @Test func aKeyOfTheLongestUnitIsTakenAndOneByteMoreIsNot() throws {
        let longest = String(repeating: "u", count: EvaluationContext.maximumTargetingKeyBytes)
        #expect(try parse(#"{"context":{"targetingKey":"\#(longest)"}}"#).get().targetingKey == longest)
        guard case .failure(let problem) = parse(#"{"context":{"targetingKey":"\#(longest)é"}}"#) else {
            Issue.record("a key past the limit was taken")
            return
        }
        #expect(problem.details.contains("longer than 512 bytes"))
    }
}
