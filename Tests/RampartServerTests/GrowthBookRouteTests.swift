import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
@testable import RampartServer

@Suite("GrowthBook features route")
struct GrowthBookRouteTests {
    @Test func servesThePayloadWithAnETag() async throws {
        var experiments = try TestServer.experiments(coverage: nil)
        var regex = experiments[0]
        regex.key = "regex-targeted"
        regex.targeting = ["email": ["$regex": "@example\\.com$"]]
        experiments.append(regex)
        let app = try await TestServer.application(experiments: experiments)
        try await app.test(.router) { client in
            let etag = try await client.execute(uri: "/api/features/\(TestServer.sdkKey)", method: .get) { response in
                #expect(response.status == .ok)
                let json = try #require(response.json)
                let features = try #require(json["features"]?.objectValue)
                #expect(Set(features.keys) == ["support-answer-prompt", "triage-model-swap"])
                let rule = features["support-answer-prompt"]?["rules"]?.arrayValue?.first
                #expect(rule?["hashAttribute"] == "user_id")
                #expect(rule?["coverage"] == 0.01)
                #expect(json["rampart"]?["omitted"]?.arrayValue?.first?["key"] == "regex-targeted")
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: "/api/features/\(TestServer.sdkKey)", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/api/features/rk_sdk_notakeynotakeynotakey", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/features/\(TestServer.adminKey)", method: .get) { response in
                #expect(response.status == .forbidden)
            }
        }
    }
}
