import Foundation
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// Signing, bodies and the delivery outcome rules.
@Suite("Webhook delivery")
struct WebhookDeliveryTests {
    @Test func hmacMatchesRFC4231TestCase2() {
        #expect(WebhookSignature.hmacHex(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// The value Python's `hmac.new(b"whsec_test", b"1764556800." + body, hashlib.sha256).hexdigest()` gives.
    @Test func signatureIsTheHMACOfTimestampDotBody() {
        let body = Array(#"{"experiment":"support-answer-prompt","new":"ROLLBACK"}"#.utf8)
        let header = WebhookSignature.signature(body: body, timestamp: 1_764_556_800, secret: "whsec_test")
        #expect(header == "v1=5901c019d3ff6089d8d9584be58f9edb4b7d1ae8d644113d1e3c9e51cdf33cb9")
        #expect(WebhookSignature.verify(header: header, body: body, timestamp: 1_764_556_800, secret: "whsec_test", now: 1_764_556_900))
        #expect(!WebhookSignature.verify(header: header, body: body, timestamp: 1_764_556_800, secret: "whsec_test", now: 1_764_557_101), "replayed after 5 minutes")
        #expect(!WebhookSignature.verify(header: header, body: body + [0x20], timestamp: 1_764_556_800, secret: "whsec_test", now: 1_764_556_800), "body changed")
        #expect(!WebhookSignature.verify(header: header, body: body, timestamp: 1_764_556_801, secret: "whsec_test", now: 1_764_556_801), "timestamp changed")
        #expect(!WebhookSignature.verify(header: header, body: body, timestamp: 1_764_556_800, secret: "whsec_other", now: 1_764_556_800), "other secret")
    }

    @Test func answersBecomeDeliveredRetryOrFailed() {
        let backoff = WebhookBackoff(base: 2, cap: 100, maxAttempts: 3, jitter: 0)
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(WebhookDeliveryService.outcome(.status(204), attempts: 1, backoff: backoff, now: now, unit: 0) == .delivered(status: 204))
        #expect(WebhookDeliveryService.outcome(.status(500), attempts: 1, backoff: backoff, now: now, unit: 0) == .retry(status: 500, error: "HTTP 500", next: now.addingTimeInterval(2)))
        #expect(WebhookDeliveryService.outcome(.error("connection refused"), attempts: 2, backoff: backoff, now: now, unit: 0) == .retry(status: nil, error: "connection refused", next: now.addingTimeInterval(4)))
        #expect(WebhookDeliveryService.outcome(.status(410), attempts: 3, backoff: backoff, now: now, unit: 0) == .failed(status: 410, error: "HTTP 410"))
    }

    /// A failed request's error names no part of the URL, whose path or query may carry the receiver's credentials:
    /// Foundation's text did (`NSErrorFailingURLKey`), and viewers read it (found by QA in session 29).
    @Test func aFailedRequestIsDescribedWithoutItsURL() async throws {
        let endpoint = WebhookEndpoint(id: "wh_1", url: "http://127.0.0.1:1/hooks/T0SECRETPATH?token=SECRETTOKEN", experiment: nil,
                                       events: Set(WebhookEventKind.allCases), secret: "s", createdAt: Date())
        let answer = await WebhookSender(timeout: 5).send(Array("{}".utf8), event: Self.event, to: endpoint)
        guard case .error(let text) = answer else {
            Issue.record("expected an error, got \(answer)")
            return
        }
        #expect(text.hasPrefix("the connection was refused (URL error"), "\(text)")
        for secret in ["SECRETTOKEN", "SECRETPATH", "127.0.0.1", "://"] { #expect(!text.contains(secret), "\(text)") }
    }

    /// A row recorded before errors were described without the URL is not shown to a viewer as it was written.
    @Test func anOldErrorWithTheURLIsRedactedForViewers() {
        let endpoint = WebhookEndpoint(id: "wh_1", url: "https://hooks.example.com/x?token=SECRETTOKEN", experiment: nil,
                                       events: Set(WebhookEventKind.allCases), secret: "s", createdAt: Date())
        var delivery = WebhookDelivery(id: 1, endpoint: endpoint, event: Self.event, status: .failed, attempts: 3, nextAttemptAt: Date(),
                                       lastStatus: nil, lastError: "Error Domain=NSURLErrorDomain Code=-1004 \"(null)\" UserInfo={NSErrorFailingURLKey=https://hooks.example.com/x?token=SECRETTOKEN}", finishedAt: Date())
        #expect(delivery.lastError(redacted: false)?.contains("SECRETTOKEN") == true, "an admin reads it whole")
        #expect(delivery.lastError(redacted: true)?.contains("SECRETTOKEN") == false)
        #expect(delivery.json(url: endpoint.redactedURL)["last_error"]?.stringValue?.contains("SECRETTOKEN") == false)
        delivery.lastError = "the connection was refused (URL error -1004)"
        #expect(delivery.lastError(redacted: true) == "the connection was refused (URL error -1004)")
    }

    static let event = WebhookEvent(
        id: UUID(uuidString: "6f1c2b1e-0000-4000-8000-000000000001")!, kind: .verdictChanged, experiment: "support answer", at: Date(timeIntervalSince1970: 1_764_556_800),
        old: "HOLD", new: "ROLLBACK", verdict: "ROLLBACK", reasons: ["escalation rate <+31%> & worse: regression"]
    )

    @Test func jsonBodyCarriesTheEventAndTheConsoleLink() throws {
        let endpoint = WebhookEndpoint(id: "wh_1", url: "https://example.com/hook", experiment: nil, events: Set(WebhookEventKind.allCases), secret: "s", createdAt: Date())
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(WebhookBody.render(Self.event, for: endpoint, consoleBase: "https://rampart.example.com/")))
        #expect(body["type"] == "verdict_changed" && body["experiment"] == "support answer" && body["old"] == "HOLD" && body["new"] == "ROLLBACK")
        #expect(body["id"] == "6f1c2b1e-0000-4000-8000-000000000001" && body["at"] == "2025-12-01T02:40:00Z")
        #expect(body["reasons"] == ["escalation rate <+31%> & worse: regression"])
        #expect(body["url"] == "https://rampart.example.com/experiments/support%20answer")
        let noLink = try JSONDecoder().decode(JSONValue.self, from: Data(WebhookBody.render(Self.event, for: endpoint, consoleBase: nil)))
        #expect(noLink["url"] == .null)
    }

    @Test func slackURLsGetTextAndBlocksWithEscapedMarkup() throws {
        let endpoint = WebhookEndpoint(id: "wh_1", url: "https://hooks.slack.com/services/T0/B0/XYZ", experiment: nil, events: Set(WebhookEventKind.allCases), secret: "s", createdAt: Date())
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(WebhookBody.render(Self.event, for: endpoint, consoleBase: "https://r.example.com")))
        #expect(body["text"]?.stringValue?.contains("verdict HOLD → ROLLBACK") == true)
        let blocks = try #require(body["blocks"]?.arrayValue)
        #expect(blocks.first?["type"] == "section")
        let text = try #require(blocks.first?["text"]?["text"]?.stringValue)
        #expect(text.hasPrefix("<https://r.example.com/experiments/support%20answer|support answer>: verdict HOLD → ROLLBACK"))
        #expect(text.contains("escalation rate &lt;+31%&gt; &amp; worse"))
        #expect(body["type"] == nil, "Slack's shape, not Rampart's")
    }
}
