import Foundation
import Testing
import RampartCore
@testable import RampartServer

/// Signatures during a secret rotation: one `v1=` entry per secret, newest first (docs/integrations.md).
@Suite("Webhook rotation signatures")
struct WebhookRotationSignatureTests {
    static let body = Array(#"{"experiment":"support-answer-prompt","new":"ROLLBACK"}"#.utf8)

    /// The hex values are Python's `hmac.new(secret, b"1764556800." + body, hashlib.sha256).hexdigest()`.
    @Test func duringTheOverlapTheHeaderCarriesBothSignaturesAndEitherVerifies() {
        let endpoint = WebhookEndpoint(id: "wh_a", url: "http://x/", experiment: nil, events: [.verdictChanged], secret: "whsec_new",
                                       createdAt: .distantPast, previousSecret: "whsec_old", previousSecretUntil: Date(timeIntervalSince1970: 1_764_560_400))
        let during = WebhookSignature.signature(body: Self.body, timestamp: 1_764_556_800, secrets: endpoint.secrets(at: Date(timeIntervalSince1970: 1_764_556_800)))
        #expect(during == "v1=48a955a6b302492d6dbcc447cac8f78437b828f30dc3aadc5540ba49b8aa3d5e,v1=a285036ab4c2675c538d348b4bf74370c17e58909cda65489ea8389696166dd9")
        for secret in ["whsec_new", "whsec_old"] {
            #expect(WebhookSignature.verify(header: during, body: Self.body, timestamp: 1_764_556_800, secret: secret, now: 1_764_556_800), "\(secret)")
        }
        #expect(!WebhookSignature.verify(header: during, body: Self.body, timestamp: 1_764_556_800, secret: "whsec_other", now: 1_764_556_800))
        #expect(!WebhookSignature.verify(header: during, body: Self.body + [0x20], timestamp: 1_764_556_800, secret: "whsec_old", now: 1_764_556_800))

        let after = WebhookSignature.signature(body: Self.body, timestamp: 1_764_560_400, secrets: endpoint.secrets(at: Date(timeIntervalSince1970: 1_764_560_400)))
        #expect(!after.contains(","), "after the overlap one signature")
        #expect(WebhookSignature.verify(header: after, body: Self.body, timestamp: 1_764_560_400, secret: "whsec_new", now: 1_764_560_400))
        #expect(!WebhookSignature.verify(header: after, body: Self.body, timestamp: 1_764_560_400, secret: "whsec_old", now: 1_764_560_400), "the old secret is gone")
    }

    @Test func overlapsParseWithUnitsAndRefuseNonsense() throws {
        #expect(try WebhookEndpoint.parseOverlap("24h").get() == 86_400)
        #expect(try WebhookEndpoint.parseOverlap("90m").get() == 5_400)
        #expect(try WebhookEndpoint.parseOverlap("0").get() == 0)
        #expect(try WebhookEndpoint.parseOverlap("2d").get() == 172_800)
        for bad in ["", "-1h", "soon", "31d", "nanh"] {
            guard case .failure(let error) = WebhookEndpoint.parseOverlap(bad) else { Issue.record("accepted '\(bad)'"); continue }
            #expect(error.message.hasPrefix("overlap: "))
        }
    }
}
