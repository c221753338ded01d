import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// Concurrent `POST /v1/events` requests share store transactions (group commit); each response stays exact.
@Suite("Events group commit")
struct EventsGroupCommitTests {
    static func line(_ uuid: String, unit: String) -> String {
        #"{"uuid":"\#(uuid)","event":"llm_request_completed","unit":"\#(unit)","timestamp":"2026-06-01T10:00:00Z","properties":{"latency_ms":5}}"#
    }

    @Test func concurrentRequestsWithOverlappingUUIDsGetTheirOwnResults() async throws {
        let store = try await TestServer.store()
        let app = try await TestServer.application(store: store)
        let shared = (0..<10).map { Self.line(String(format: "00000000-0000-4000-8000-%012x", $0), unit: "shared") }
        try await app.test(.router) { client in
            let responses = try await withThrowingTaskGroup(of: (Int, JSONValue?).self) { group in
                for k in 0..<6 {
                    group.addTask {
                        var items = (0..<40).map { Self.line(String(format: "%08x-0000-4000-8000-%012x", k + 1, $0), unit: "u\(k)") }
                        // One bad event per request, at an index of its own; plain arrays and NDJSON alike.
                        items.insert(#"{"uuid":"\#(String(format: "%08x-0000-4000-8000-ffffffffffff", k + 1))","event":"e","timestamp":"2026-06-01T10:00:00Z"}"#, at: k)
                        items += shared
                        let body = k % 2 == 0 ? "[" + items.joined(separator: ",") + "]" : items.joined(separator: "\n")
                        return try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: body)) { response in
                            #expect(response.status == .ok)
                            return (k, response.json)
                        }
                    }
                }
                var all: [Int: JSONValue?] = [:]
                for try await (k, json) in group { all[k] = json }
                return all
            }
            var stored = 0.0
            var duplicates = 0.0
            for k in 0..<6 {
                let json = try #require(responses[k] ?? nil)
                let s = try #require(json["stored"]?.numberValue)
                let d = try #require(json["duplicates"]?.numberValue)
                #expect(s + d == 50)
                #expect(s >= 40)
                #expect(json["rejected"]?.arrayValue?.map { $0["index"] } == [.number(Double(k))])
                #expect(json["rejected"]?.arrayValue?.first?["field"] == "unit")
                stored += s
                duplicates += d
            }
            #expect(stored == 6 * 40 + 10)
            #expect(duplicates == 5 * 10)
        }
        #expect(try await store.eventCount() == 6 * 40 + 10)
    }
}
