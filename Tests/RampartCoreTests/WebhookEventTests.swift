import Foundation
import Testing
@testable import RampartCore

/// Notification events: what a verdict change notifies, the backoff schedule, the event list syntax.
@Suite("Webhook events")
struct WebhookEventTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func verdict(_ action: VerdictAction, _ reasons: [VerdictReason] = []) -> Verdict {
        Verdict(action: action, reasons: reasons)
    }

    static let regression = VerdictReason(.guardrailRegression, metric: "escalation_rate", variant: "treatment", "escalation rate +31% relative: regression", decisive: true)
    static let srm = VerdictReason(.sampleRatioMismatch, "sample ratio mismatch: p = 2.0e-05 < 0.001", decisive: true)

    @Test func aFirstHoldNotifiesNothingButAFirstRollbackDoes() {
        let hold = VerdictWatch.changes(from: nil, to: Self.verdict(.hold), experiment: "e", at: Self.t0)
        #expect(hold.events.isEmpty)
        #expect(hold.state == VerdictWatch.State(verdict: "HOLD", regressions: [], srm: false))
        let rollback = VerdictWatch.changes(from: nil, to: Self.verdict(.rollback, [Self.regression, Self.srm]), experiment: "e", at: Self.t0)
        #expect(rollback.events.map(\.kind) == [.verdictChanged, .guardrailRegressed, .srmDetected])
        #expect(rollback.events[0].old == nil && rollback.events[0].new == "ROLLBACK")
        #expect(rollback.events[0].reasons == [Self.regression.message, Self.srm.message])
        #expect(rollback.events[1].new == "escalation_rate/treatment" && rollback.events[1].reasons == [Self.regression.message])
    }

    @Test func onlyChangesAreNotified() {
        let old = VerdictWatch.State(verdict: "ROLLBACK", regressions: ["escalation_rate/treatment"], srm: false)
        let same = VerdictWatch.changes(from: old, to: Self.verdict(.rollback, [Self.regression]), experiment: "e", at: Self.t0)
        #expect(same.events.isEmpty && same.state == old)
        let srmToo = VerdictWatch.changes(from: old, to: Self.verdict(.rollback, [Self.regression, Self.srm]), experiment: "e", at: Self.t0)
        #expect(srmToo.events.map(\.kind) == [.srmDetected])
        let advance = VerdictWatch.changes(from: VerdictWatch.State(verdict: "HOLD", regressions: [], srm: false), to: Self.verdict(.advance), experiment: "e", at: Self.t0)
        #expect(advance.events.map(\.kind) == [.verdictChanged])
        #expect(advance.events[0].old == "HOLD" && advance.events[0].new == "ADVANCE")
    }

    /// A segment guardrail's regression is a finding of its own: it is notified even when the guardrail over all
    /// units already regressed, and keyed with its segment.
    @Test func aSegmentRegressionIsNotifiedOnItsOwn() {
        var segment = Self.regression
        segment.segment = SegmentFilter(attribute: "plan", value: "enterprise")
        segment.message = "Escalation rate [plan = enterprise] (treatment) +60% relative: regression"
        let old = VerdictWatch.State(verdict: "ROLLBACK", regressions: ["escalation_rate/treatment"], srm: false)
        let change = VerdictWatch.changes(from: old, to: Self.verdict(.rollback, [Self.regression, segment]), experiment: "e", at: Self.t0)
        #expect(change.state.regressions == ["escalation_rate/treatment", "escalation_rate/treatment [plan = enterprise]"])
        #expect(change.events.count == 1)
        #expect(change.events.first?.kind == .guardrailRegressed && change.events.first?.new == "escalation_rate/treatment [plan = enterprise]")
        #expect(change.events.first?.reasons == [segment.message])
    }

    @Test func backoffDoublesUpToTheCapAndStopsAfterTheLastAttempt() {
        let backoff = WebhookBackoff(base: 10, cap: 60, maxAttempts: 5, jitter: 0.1)
        #expect((1...4).map { backoff.delay(afterAttempts: $0) } == [10, 20, 40, 60])
        #expect(backoff.delay(afterAttempts: 5) == nil)
        #expect(backoff.delay(afterAttempts: 2, unit: 0.5) == 21)
        #expect(backoff.delay(afterAttempts: 2, unit: 0) == 20)
    }

    @Test func eventListsParseAndNameTheUnknownOne() throws {
        #expect(try WebhookEventKind.parseList("all").get() == Set(WebhookEventKind.allCases))
        #expect(try WebhookEventKind.parseList("verdict_changed, srm_detected").get() == [.verdictChanged, .srmDetected])
        guard case .failure(let error) = WebhookEventKind.parseList("verdict_changed,verdict") else { Issue.record("accepted an unknown event"); return }
        #expect(error.message.contains("'verdict'") && error.message.hasPrefix("events:"))
    }

    @Test func rampActionsBecomeRolloutEventsAndOtherAuditEntriesDoNot() throws {
        let audit = AuditEntry(experiment: "e", action: "rollback", actor: "autopilot", at: Self.t0, from: "running at 5% (stage 2 of 5)", to: "stopped at 5% (stage 2 of 5)",
                               verdict: "ROLLBACK: escalation rate +31%: regression; sample ratio mismatch", reason: "automatic rollback", forced: false)
        let event = try #require(WebhookEvent.rolloutChange(audit))
        #expect(event.kind == .rolloutChanged && event.action == "rollback" && event.actor == "autopilot" && event.verdict == "ROLLBACK")
        #expect(event.old == audit.from && event.new == audit.to)
        #expect(event.reasons == ["automatic rollback", "escalation rate +31%: regression", "sample ratio mismatch"])
        var imported = audit
        imported.action = "import"
        #expect(WebhookEvent.rolloutChange(imported) == nil)
    }

    @Test func endpointsFilterByKindAndExperimentAndRecogniseSlack() throws {
        let endpoint = WebhookEndpoint(id: "wh_1", url: "https://hooks.slack.com/services/T/B/X", experiment: "e", events: [.rolloutChanged], secret: "s", createdAt: Self.t0)
        #expect(endpoint.isSlack)
        let event = WebhookEvent(kind: .rolloutChanged, experiment: "e", at: Self.t0, old: nil, new: "x", verdict: nil, reasons: [])
        #expect(endpoint.wants(event))
        var other = event
        other.experiment = "f"
        #expect(!endpoint.wants(other))
        other = event
        other.kind = .verdictChanged
        #expect(!endpoint.wants(other))
        #expect(throws: RampartError.self) { try WebhookEndpoint.validate(url: "ftp://example.com/x") }
        #expect(throws: RampartError.self) { try WebhookEndpoint.validate(url: "not a url") }
        try WebhookEndpoint.validate(url: "http://127.0.0.1:9000/hook")
    }
}

extension WebhookEventTests {
    @Test func theLastChangeSkipsWebhookDeliveryRecords() {
        func entry(_ action: String) -> AuditEntry {
            AuditEntry(experiment: "e", action: action, actor: "x", at: Self.t0, from: "", to: "", verdict: "n/a", reason: "", forced: false)
        }
        #expect([entry("advance"), entry("webhook_delivered"), entry("webhook_failed")].lastChange?.action == "advance")
        #expect([entry("webhook_delivered")].lastChange == nil)
        #expect([entry("pause"), entry("resume")].lastChange?.action == "resume")
    }
}
