import Foundation
import Testing
import RampartCore

/// How endpoints are shown to viewers and listed: URLs redacted, never a secret, the rotation's overlap while it runs.
@Suite("Webhook endpoint display")
struct WebhookEndpointDisplayTests {
    static func endpoint(_ url: String, previous: String? = nil, until: Date? = nil) -> WebhookEndpoint {
        WebhookEndpoint(id: "wh_a", url: url, experiment: nil, events: [.srmDetected, .verdictChanged], secret: "whsec_current",
                        createdAt: Date(timeIntervalSince1970: 1_780_000_000), previousSecret: previous, previousSecretUntil: until)
    }

    @Test func viewersSeeSchemeHostAndPortOnly() {
        #expect(Self.endpoint("https://hooks.slack.com/services/T0/B0/xyz").redactedURL == "https://hooks.slack.com/…")
        #expect(Self.endpoint("http://127.0.0.1:8081/hook?token=abc").redactedURL == "http://127.0.0.1:8081/…")
        #expect(Self.endpoint("https://example.com/?token=abc").redactedURL == "https://example.com/…")
        #expect(Self.endpoint("https://example.com").redactedURL == "https://example.com")
        #expect(Self.endpoint("https://example.com/").redactedURL == "https://example.com/")
    }

    @Test func theListingNeverCarriesASecretAndShowsTheOverlapWhileItRuns() throws {
        let t = Date(timeIntervalSince1970: 1_780_000_100)
        let rotating = Self.endpoint("https://example.com/hook", previous: "whsec_old", until: t.addingTimeInterval(60))
        let text = rotating.json(at: t, redacted: false).jsonText
        #expect(!text.contains("whsec_"))
        #expect(rotating.json(at: t, redacted: false)["previous_secret_until"]?.stringValue != nil)
        #expect(rotating.json(at: t.addingTimeInterval(60), redacted: false)["previous_secret_until"] == .null, "over once the overlap ends")
        #expect(rotating.json(at: t, redacted: true)["url"]?.stringValue == "https://example.com/…")
        #expect(rotating.json(at: t, redacted: false)["events"] == ["verdict_changed", "srm_detected"], "in the fixed order")
    }
}
