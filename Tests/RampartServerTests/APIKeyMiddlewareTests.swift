import HTTPTypes
import Testing
@testable import RampartServer

@Suite("API key extraction")
struct APIKeyMiddlewareTests {
    static func presented(_ headers: HTTPFields) -> String? {
        APIKeyMiddleware.withPresentedKey(headers) { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func bearerTokensAreTrimmedAndTheSchemeIsCaseInsensitive() {
        #expect(Self.presented([.authorization: "Bearer rk_sdk_1"]) == "rk_sdk_1")
        #expect(Self.presented([.authorization: "bEaReR \t rk_sdk_1 \t"]) == "rk_sdk_1")
        #expect(Self.presented([.authorization: "Bearer "]) == nil)
        #expect(Self.presented([.authorization: "Bearerrk_sdk_1"]) == nil)
        #expect(Self.presented([.authorization: "Basic abc"]) == nil)
        #expect(Self.presented([:]) == nil)
    }

    @Test func theAPIKeyHeaderIsTheFallback() {
        #expect(Self.presented([APIKeyMiddleware.xAPIKey: "rk_sdk_2"]) == "rk_sdk_2")
        #expect(Self.presented([.authorization: "Basic abc", APIKeyMiddleware.xAPIKey: "rk_sdk_2"]) == "rk_sdk_2")
        #expect(Self.presented([.authorization: "Bearer rk_sdk_1", APIKeyMiddleware.xAPIKey: "rk_sdk_2"]) == "rk_sdk_1")
        #expect(Self.presented([APIKeyMiddleware.xAPIKey: ""]) == nil)
    }

    @Test func aRepeatedHeaderIsReadJoined() {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .authorization, value: "Bearer rk_sdk_1"))
        headers.append(HTTPField(name: .authorization, value: "Bearer rk_sdk_3"))
        #expect(Self.presented(headers) == "rk_sdk_1, Bearer rk_sdk_3")
    }
}
