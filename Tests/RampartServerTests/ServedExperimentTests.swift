import NIOCore
import Testing
import RampartCore
@testable import RampartServer

@Suite("Pre-rendered OFREP answers")
struct ServedExperimentTests {
    @Test func everyRenderedAnswerIsTheEncodedOne() throws {
        for experiment in try TestServer.experiments() {
            let served = ServedExperiment(experiment)
            for variant in experiment.variants {
                for reason in ServedExperiment.reasons {
                    let assignment = Assignment(
                        experimentKey: experiment.key, phase: experiment.phase, variant: variant,
                        enrolled: reason == .split || reason == .targetingMatch, bucket: nil, reason: reason
                    )
                    let rendered = try #require(served.rendering(assignment))
                    #expect(String(buffer: rendered.body) == served.successJSON(assignment))
                    #expect(rendered.response.headers[.contentType] == "application/json")
                }
            }
        }
    }

    @Test func anUndefinedVariantIsNotRendered() throws {
        let experiment = try #require(try TestServer.experiments().first)
        let served = ServedExperiment(experiment)
        let stranger = Variant(key: "nobody", weight: 0, payload: VariantPayload(promptName: "", promptVersionId: "", model: "", provider: ""))
        let assignment = Assignment(experimentKey: experiment.key, phase: 0, variant: stranger, enrolled: false, bucket: nil, reason: .default)
        #expect(served.rendering(assignment) == nil)
    }
}
