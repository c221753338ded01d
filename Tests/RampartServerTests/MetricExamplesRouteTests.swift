import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// `GET /v1/experiments/{key}/metrics/{metric}/examples`.
@Suite("Metric examples route")
struct MetricExamplesRouteTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    /// support-answer-prompt with a trace_url, and twenty units per variant: even units resolve a ticket, every
    /// unit makes one request with a trace id.
    static func application() async throws -> some ApplicationProtocol {
        let experiments = try TestServer.experiments().map { e -> Experiment in
            var e = e
            if e.key == "support-answer-prompt" { e.analysis.traceURL = "https://traces.example.com/trace/{trace_id}" }
            return e
        }
        let store = try await TestServer.store(experiments: experiments)
        var events: [Event] = []
        for u in 0..<40 {
            let unit = "user-\(u)"
            let t = t0.addingTimeInterval(Double(u))
            events.append(Event.exposure(id: UUID(), unit: unit, timestamp: t, experiment: "support-answer-prompt", variant: u % 2 == 0 ? "control" : "treatment", phase: 0))
            events.append(Event(id: UUID(), name: "llm_request_completed", unit: unit, timestamp: t.addingTimeInterval(1), properties: [
                "trace_id": .string("trace-\(u)"), "latency_ms": .number(Double(1_000 + 10 * u)),
            ]))
            if u % 4 < 2 { events.append(Event(id: UUID(), name: "support_ticket_resolved", unit: unit, timestamp: t.addingTimeInterval(2))) }
        }
        _ = try await store.ingest(events)
        return try await TestServer.application(store: store)
    }

    static let base = "/v1/experiments/support-answer-prompt/metrics"

    @Test func examplesWithTraceLinksAreStable() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            var first: JSONValue?
            for _ in 0..<2 {
                try await client.execute(uri: "\(Self.base)/resolution_rate/examples?variant=treatment&limit=3", method: .get, headers: TestServer.sdk()) { response in
                    #expect(response.status == .ok)
                    let groups = response.json?["groups"]?.arrayValue ?? []
                    #expect(groups.compactMap { $0["kind"]?.stringValue } == ["with_outcome", "without_outcome"])
                    let with = groups.first?["examples"]?.arrayValue ?? []
                    #expect(with.count == 3)
                    for x in with {
                        let unit = x["unit"]?.stringValue ?? ""
                        let n = Int(unit.dropFirst("user-".count)) ?? -1
                        #expect(n % 2 == 1 && n % 4 < 2, "\(unit) is a treatment unit that resolved")
                        #expect(x["trace_id"]?.stringValue == "trace-\(n)")
                        #expect(x["trace_url"]?.stringValue == "https://traces.example.com/trace/trace-\(n)")
                    }
                    #expect(response.json?["trace_url"] == "https://traces.example.com/trace/{trace_id}")
                    // The same examples on every call (`as_of` is the moment of the call).
                    if let first { #expect(response.json?["groups"] == first) } else { first = response.json?["groups"] }
                }
            }
            try await client.execute(uri: "\(Self.base)/p95_latency/examples?variant=control&limit=2", method: .get, headers: TestServer.admin()) { response in
                #expect(response.status == .ok)
                let group = response.json?["groups"]?.arrayValue?.first
                #expect(group?["kind"] == "above_quantile")
                #expect(group?["examples"]?.arrayValue?.compactMap { $0["trace_id"]?.stringValue } == ["trace-38"])
            }
        }
    }

    @Test func theReportCarriesExamplesWhenAskedFor() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results?examples=2", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .ok)
                let sets = response.json?["examples"]?.arrayValue ?? []
                let metrics = try TestServer.experiments().first { $0.key == "support-answer-prompt" }?.metrics.filter { $0.role != nil }.count ?? 0
                #expect(sets.count == 2 * metrics)
                let resolution = sets.first { $0["metric"] == "resolution_rate" && $0["variant"] == "treatment" }
                #expect(resolution?["groups"]?.arrayValue?.first?["examples"]?.arrayValue?.count == 2)
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.json?["examples"] == nil)
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results?examples=500", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["error"]?["message"]?.stringValue?.hasPrefix("examples:") == true)
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results.html?examples=1", method: .get, headers: TestServer.sdk()) { response in
                #expect(String(buffer: response.body).contains("<table id=\"examples\">"))
                #expect(String(buffer: response.body).contains("https://traces.example.com/trace/trace-"))
            }
        }
    }

    @Test func errorsNameTheField() async throws {
        let app = try await Self.application()
        try await app.test(.router) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("\(Self.base)/nope/examples?variant=control", .notFound, "metric"),
                ("\(Self.base)/resolution_rate/examples?variant=nobody", .badRequest, "variant"),
                ("\(Self.base)/resolution_rate/examples", .badRequest, "variant"),
                ("\(Self.base)/resolution_rate/examples?variant=control&limit=0", .badRequest, "limit"),
                ("\(Self.base)/resolution_rate/examples?variant=control&limit=many", .badRequest, "limit"),
                ("\(Self.base)/resolution_rate/examples?variant=control&as_of=yesterday", .badRequest, "as_of"),
                ("/v1/experiments/nope/metrics/resolution_rate/examples?variant=control", .notFound, "nope"),
            ]
            for (uri, status, field) in cases {
                try await client.execute(uri: uri, method: .get, headers: TestServer.sdk()) { response in
                    #expect(response.status == status, "\(uri)")
                    let message = response.json?["error"]?["message"]?.stringValue ?? ""
                    #expect(message.contains(field), "\(uri): \(message)")
                }
            }
            try await client.execute(uri: "\(Self.base)/resolution_rate/examples?variant=control", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
