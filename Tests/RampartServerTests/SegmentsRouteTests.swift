import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// Segments over HTTP: OFREP records the named attributes of the context with each exposure (and nothing else),
/// and `?by=ATTR` on the results routes.
@Suite("Segments routes")
struct SegmentsRouteTests {
    static func experiments() throws -> [Experiment] {
        try TestServer.experiments().map { e -> Experiment in
            var e = e
            if e.key == "support-answer-prompt" { e.analysis.segments = ["plan", "environment", "region"] }
            return e
        }
    }

    @Test func evaluationsRecordOnlyTheNamedAttributesCapped() async throws {
        let sink = RecordingSink()
        let experiments = try Self.experiments()
        let store = try await TestServer.store(experiments: experiments)
        let app = try await TestServer.application(store: store, sink: sink, experiments: experiments)
        let long = String(repeating: "é", count: 40)
        try await app.test(.router) { client in
            for i in 0..<20 {
                let body = #"{"context":{"targetingKey":"user-\#(i)","environment":"production","plan":"\#(i % 2 == 0 ? "pro" : "enterprise")","region":"\#(i < 5 ? long : "eu")","email":"u\#(i)@example.com"}}"#
                try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: TestServer.json(body)) { response in
                    #expect(response.status == .ok)
                }
            }
        }
        let exposures = await sink.exposures.filter { $0.experiment == "support-answer-prompt" }
        #expect(exposures.count == 20)
        #expect(exposures.allSatisfy { Set($0.segments.keys) == ["plan", "environment", "region"] && $0.segments["environment"] == "production" })
        #expect(exposures.contains { $0.segments["region"] == .string(String(repeating: "é", count: 32)) })
        // Written as exposure events, the store reads each unit's segment back.
        try await StoreExposureSink(store: store).record(exposures)
        let plans = try await store.segments("plan", in: ExperimentScope(key: "support-answer-prompt"))
        #expect(Dictionary(uniqueKeysWithValues: plans.values.map { ($0.value, $0.units) }) == ["pro": 10, "enterprise": 10])
        let regions = try await store.segments("region", in: ExperimentScope(key: "support-answer-prompt"))
        #expect(Dictionary(uniqueKeysWithValues: regions.values.map { ($0.value, $0.units) }) == ["eu": 15, String(repeating: "é", count: 32): 5])
        // The e-mail address was never stored.
        let stored = try await store.rows("SELECT count(*) FROM events WHERE props LIKE ?", arguments: ["%example.com%"])
        let staged = try await store.rows("SELECT count(*) FROM events_staged WHERE props LIKE ?", arguments: ["%example.com%"])
        #expect(stored.first?.first == 0 && staged.first?.first == 0)
    }

    @Test func resultsBySegment() async throws {
        let experiments = try Self.experiments()
        let store = try await TestServer.store(experiments: experiments)
        var events: [Event] = []
        for u in 0..<40 {
            events.append(Event.exposure(id: UUID(), unit: "user-\(u)", timestamp: Date(timeIntervalSince1970: 1_780_000_000 + Double(u)), experiment: "support-answer-prompt",
                variant: u % 2 == 0 ? "control" : "treatment", properties: ["plan": u < 20 ? "pro" : "<b>enterprise</b>"]))
        }
        _ = try await store.ingest(events)
        let app = try await TestServer.application(store: store)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results?by=plan", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .ok)
                #expect(response.json?["segments"]?["attribute"] == "plan")
                let values = response.json?["segments"]?["values"]?.arrayValue ?? []
                #expect(values.count == 2)
                #expect(values.allSatisfy { $0["units"]?["control"] == 10 && $0["too_few_units"] == true })
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.json?["segments"] == nil)
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results?by=email", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .badRequest)
                let message = response.json?["error"]?["message"]?.stringValue ?? ""
                #expect(message.hasPrefix("by: 'email'") && message.contains("plan, environment, region"), "\(message)")
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results.html?by=plan", method: .get, headers: TestServer.sdk()) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("<table id=\"segments\">"))
                #expect(html.contains("&lt;b&gt;enterprise&lt;/b&gt;") && !html.contains("<b>enterprise</b>"))
            }
        }
    }
}
