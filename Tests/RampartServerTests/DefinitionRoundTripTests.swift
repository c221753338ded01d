import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// GET /v1/experiments/{key} returns the definition in the format PUT and the files accept (issue 11, item 4).
@Suite("Definition round trip")
struct DefinitionRoundTripTests {
    @Test func getPutGetIsIdenticalForEveryBundledExperiment() async throws {
        let experiments = try TestServer.experiments(coverage: nil)
        #expect(experiments.count >= 2)
        let app = try await TestServer.application(experiments: experiments, maxRequestBodyBytes: 64 * 1024)
        try await app.test(.router) { client in
            for experiment in experiments {
                let uri = "/v1/experiments/\(experiment.key)"
                var first: JSONValue?
                try await client.execute(uri: uri, method: .get, headers: TestServer.admin()) { response in
                    #expect(response.status == .ok)
                    first = response.json
                }
                let definition = try #require(first?["definition"])
                let text = definition.jsonText
                #expect(!text.contains("\"_0\"") && !text.contains("relativeMargin") && !text.contains("\"analysis\"") && !text.contains("min_duration_seconds"), "\(experiment.key): \(text)")
                #expect(definition["metrics"]?.arrayValue?.contains { $0["threshold"]?["relative_margin"] != nil || $0["threshold"]?["ceiling"] != nil } == true)
                try await client.execute(uri: uri, method: .put, headers: TestServer.admin(), body: ByteBuffer(string: text)) { response in
                    #expect(response.status == .ok, "\(experiment.key): \(String(buffer: response.body))")
                    #expect(response.json?["definition"] == definition)
                }
                try await client.execute(uri: uri, method: .get, headers: TestServer.admin()) { response in
                    #expect(response.json?["definition"] == definition, "\(experiment.key)")
                    var again = response.json?.objectValue
                    again?["revision"] = first?["revision"]
                    #expect(again.map(JSONValue.object) == first, "only the revision moves")
                }
            }
        }
    }

    /// The example: a margin changed with PUT is what GET returns, in file form.
    @Test func aPutMarginReadsBackAsSnakeCase() async throws {
        let app = try await TestServer.application(maxRequestBodyBytes: 64 * 1024)
        try await app.test(.router) { client in
            let uri = "/v1/experiments/support-answer-prompt"
            var definition: JSONValue?
            try await client.execute(uri: uri, method: .get, headers: TestServer.admin()) { response in
                definition = response.json?["definition"]
            }
            var object = try #require(definition?.objectValue)
            var metrics = try #require(object["metrics"]?.arrayValue)
            let index = try #require(metrics.firstIndex { $0["key"] == "escalation_rate" })
            #expect(metrics[index]["threshold"] == ["relative_margin": 0.02])
            var escalation = try #require(metrics[index].objectValue)
            escalation["threshold"] = ["relative_margin": 0.05]
            metrics[index] = .object(escalation)
            object["metrics"] = .array(metrics)
            try await client.execute(uri: uri, method: .put, headers: TestServer.admin(), body: ByteBuffer(string: JSONValue.object(object).jsonText)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: uri, method: .get, headers: TestServer.admin()) { response in
                let escalation = response.json?["definition"]?["metrics"]?.arrayValue?.first { $0["key"] == "escalation_rate" }
                #expect(escalation?["threshold"] == ["relative_margin": 0.05])
            }
        }
    }
}
