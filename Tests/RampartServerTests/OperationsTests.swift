import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

@Suite("Operations endpoints")
struct OperationsTests {
    @Test func healthReadinessMetricsAndOpenAPI() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json?["status"] == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json?["experiments"] == 2)
            }
            let body = #"{"context":{"targetingKey":"user-58","environment":"production","plan":"free"}}"#
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: TestServer.json(body)) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("rampart_evaluations_total{experiment=\"support-answer-prompt\",variant=\"treatment\",reason=\"TARGETING_MATCH\"}"))
                #expect(text.contains("http_requests_total") || text.contains("http_server_request_duration"))
            }
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("openapi: 3.1"))
            }
        }
    }

    /// The allocator's memory in use and kept free are read at each scrape (`rampart_heap_in_use_bytes`,
    /// `rampart_heap_free_bytes`): what a test holds is in use.
    @Test func theHeapIsExportedAtEachScrape() async throws {
        guard Allocator.isAvailable else { return }
        let app = try await TestServer.application()
        let bytes = 32 << 20
        let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { block.deallocate() }
        block.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
        try await app.test(.router) { client in
            let exported = try await client.execute(uri: "/metrics", method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\n")
                return ["rampart_heap_in_use_bytes", "rampart_heap_free_bytes"].map { name in
                    lines.first { $0.hasPrefix(name + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
                }
            }
            let inUse = try #require(exported[0], "rampart_heap_in_use_bytes is exported")
            let free = try #require(exported[1], "rampart_heap_free_bytes is exported")
            #expect(inUse >= Double(bytes))
            #expect(free >= 0)
        }
    }

    /// The SQLite store's page caches are exported by kind of connection (`rampart_store_cache_bytes{connections}`),
    /// read at the scrape: the writer's holds the pages its commits touched.
    @Test func theStoresCachesAreExportedByConnection() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let events = (0..<2_000).map { i in
            Event(id: UUID(), name: "llm_request_completed", unit: "cache-\(i)", timestamp: Date(), properties: ["latency_ms": .number(Double(i))])
        }
        _ = try await store.ingest(events)
        try await app.test(.router) { client in
            let exported = try await client.execute(uri: "/metrics", method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\n")
                return ["writer", "readers"].map { kind in
                    lines.first { $0.hasPrefix("rampart_store_cache_bytes{connections=\"\(kind)\"} ") }
                        .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
                }
            }
            let writer = try #require(exported[0], "the writer's cache is exported")
            #expect(try #require(exported[1], "the readers' caches are exported") >= 0)
            let now = try #require(store.cacheMemory().first { $0.connections == "writer" })
            #expect(writer > 0 && now.count == 1)
        }
    }

    /// The SQLite writer's time is measured per kind of work (`rampart_store_write_seconds{work}`): ingest's group
    /// commits as `events`, the merge of staged events as `merge` and `merge_removal`.
    @Test func theWritersTimeIsMeasuredByWork() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        try await app.test(.router) { client in
            /// The number of transactions timed for each kind of work so far (other tests in this process add theirs).
            func counts() async throws -> [String: Double] {
                try await client.execute(uri: "/metrics", method: .get) { response in
                    var counts: [String: Double] = [:]
                    for line in String(buffer: response.body).split(separator: "\n") where line.hasPrefix("rampart_store_write_seconds_count{") {
                        for work in WriteWork.allCases where line.contains("work=\"\(work.rawValue)\"") {
                            counts[work.rawValue] = line.split(separator: " ").last.flatMap { Double($0) }
                        }
                    }
                    return counts
                }
            }
            let before = try await counts()
            let body = "[\(EventsRouteTests.good1),\(EventsRouteTests.good2)]"
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: body)) { response in
                #expect(response.json?["stored"] == 2)
            }
            try await store.mergeStagedEvents()
            let after = try await counts()
            for work in ["events", "merge", "merge_removal"] {
                #expect((after[work] ?? 0) > (before[work] ?? 0), "no \(work) transaction timed: \(before) then \(after)")
            }
        }
    }

    /// Refused requests (401, 403), on the router and on the evaluation fast path, are timed like any other: the
    /// duration histogram and the request counter agree.
    @Test func refusedRequestsAreTimed() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/ramp", method: .post, headers: TestServer.sdk(), body: TestServer.json("{}")) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, body: TestServer.json("{}")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\n")
                /// The value of the sample of `metric` labelled with `route` and `status`; Prometheus lists a
                /// histogram's series (with count 0) even when nothing was recorded into it.
                func value(_ metric: String, _ route: String, _ status: String) -> Double? {
                    lines.first { $0.hasPrefix(metric + "{") && $0.contains("http_route=\"\(route)\"") && $0.contains("http_response_status_code=\"\(status)\"") }
                        .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
                }
                for (route, status) in [("/v1/experiments", "401"), ("/v1/experiments/{key}/ramp", "403"), ("/ofrep/v1/evaluate/flags/{key}", "401")] {
                    let counted = value("hb_requests", route, status)
                    let timed = value("http_server_request_duration_count", route, status)
                    #expect((counted ?? 0) >= 1, "requests counted for \(status) on \(route)")
                    #expect(timed == counted, "durations recorded for \(status) on \(route): \(String(describing: timed)) of \(String(describing: counted))")
                }
            }
        }
    }
}
