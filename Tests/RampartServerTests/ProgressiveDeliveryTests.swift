import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
@testable import RampartServer

/// Argo Rollouts' web metric and Flagger's webhooks: the shapes those tools send and read, and the conditions
/// docs/integrations.md documents, evaluated against the verdict route's answers.
@Suite("Progressive delivery hooks")
struct ProgressiveDeliveryTests {
    static let docs = URL(fileURLWithPath: TestServer.experimentsDirectory).deletingLastPathComponent().appendingPathComponent("docs/integrations.md")

    /// The YAML block of docs/integrations.md that contains `marker`.
    static func documentedBlock(containing marker: String) throws -> String {
        let text = try String(contentsOf: docs, encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        return try #require(blocks.first { $0.contains(marker) }, "docs/integrations.md has no yaml block with \(marker)")
    }

    /// The value of `key:` in a YAML block, without its quotes.
    static func value(of key: String, in block: String) throws -> String {
        let line = try #require(block.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") })
        var value = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("'"), value.hasSuffix("'") { value = String(value.dropFirst().dropLast()) }
        return value
    }

    /// Evaluates the part of Argo's expression language the documented conditions use: `||`, `&&`,
    /// `result.FIELD == "TEXT"`, `result.FIELD != "TEXT"` and `result.FIELD` (a boolean).
    static func evaluate(_ condition: String, result: JSONValue) throws -> Bool {
        try condition.components(separatedBy: "||").contains { alternative in
            try alternative.components(separatedBy: "&&").allSatisfy { atom in
                let parts = atom.trimmingCharacters(in: .whitespaces).components(separatedBy: " ")
                let field = try #require(parts.first.flatMap { $0.hasPrefix("result.") ? String($0.dropFirst(7)) : nil }, "unsupported term \(atom)")
                let actual = result[field]
                if parts.count == 1 { return actual == .bool(true) }
                #expect(parts.count == 3, "unsupported term \(atom)")
                let expected = JSONValue.string(parts[2].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
                switch parts[1] {
                case "==": return actual == expected
                case "!=": return actual != expected
                default: Issue.record("unsupported operator in \(atom)"); return false
                }
            }
        }
    }

    static func state(status: ExperimentStatus = .running, stage: Int = 1) throws -> RolloutState {
        var experiment = try #require(try TestServer.experiments(coverage: nil).first { $0.key == "support-answer-prompt" })
        experiment.status = status
        experiment.coverage = experiment.ramp[stage].coverage
        return RolloutState(experiment: experiment, stageIndex: stage, revision: 3)
    }

    static let verdicts: [VerdictAction: Verdict] = [
        .advance: Verdict(action: .advance, reasons: [VerdictReason(.stageMinimumsMet, "stage 2's minimums are met", decisive: true), VerdictReason(.sampleRatioOK, "no SRM")]),
        .hold: Verdict(action: .hold, reasons: [VerdictReason(.tooFewUnits, "too few units: control 12, treatment 9 of the 500 per variant stage 2 requires", decisive: true)]),
        .rollback: Verdict(action: .rollback, reasons: [VerdictReason(.guardrailRegression, metric: "escalation_rate", variant: "treatment", "escalation rate +31.2% relative: regression", decisive: true)]),
        .ship: Verdict(action: .ship, reasons: []),
        .stop: Verdict(action: .stop, reasons: [VerdictReason(.primaryLoss, metric: "resolution", variant: "treatment", "worse", decisive: true)]),
    ]

    @Test func theVerdictDocumentHasAStableShape() throws {
        let doc = VerdictDocument.json(try Self.state(), verdict: try #require(Self.verdicts[.rollback]), at: Date(timeIntervalSince1970: 1_780_000_000))
        #expect(Set(try #require(doc.objectValue).keys) == ["experiment", "status", "phase", "verdict", "stage", "coverage", "summary", "reasons", "healthy", "analysed_at"])
        #expect(doc["verdict"] == "ROLLBACK" && doc["status"] == "running" && doc["healthy"] == .bool(false))
        #expect(doc["stage"]?["number"] == .number(2) && doc["stage"]?["index"] == .number(1) && doc["stage"]?["last"] == .bool(false))
        #expect(doc["reasons"] == [["kind": "guardrail_regression", "metric": "escalation_rate", "variant": "treatment", "message": "escalation rate +31.2% relative: regression"]])
        // A segment guardrail's reason carries its segment.
        let segment = Verdict(action: .rollback, reasons: [VerdictReason(.guardrailRegression, metric: "escalation_rate", variant: "treatment", segment: SegmentFilter(attribute: "plan", value: "enterprise"), "Escalation rate [plan = enterprise] (treatment): regression", decisive: true)])
        let segmentDoc = VerdictDocument.json(try Self.state(), verdict: segment, at: Date())
        #expect(segmentDoc["reasons"]?.arrayValue?.first?["segment"] == ["attribute": "plan", "value": "enterprise"])
        let hold = VerdictDocument.json(try Self.state(), verdict: try #require(Self.verdicts[.advance]), at: Date())
        #expect(hold["reasons"]?.arrayValue?.count == 1, "decisive reasons only")
    }

    /// The AnalysisTemplate's conditions: ADVANCE (and SHIP) succeed, ROLLBACK (and STOP) fail, HOLD is neither, so
    /// Argo counts the measurement inconclusive and pauses the rollout.
    @Test func theDocumentedArgoConditionsReadTheVerdict() throws {
        let template = try Self.documentedBlock(containing: "kind: AnalysisTemplate")
        let success = try Self.value(of: "successCondition", in: template)
        let failure = try Self.value(of: "failureCondition", in: template)
        #expect(try Self.value(of: "url", in: template).contains("/v1/experiments/{{ args.experiment }}/verdict"))
        #expect(template.contains("key: Authorization"))
        let expected: [VerdictAction: (Bool, Bool)] = [.advance: (true, false), .ship: (true, false), .hold: (false, false), .rollback: (false, true), .stop: (false, true)]
        for (action, (succeeds, fails)) in expected {
            let doc = VerdictDocument.json(try Self.state(), verdict: try #require(Self.verdicts[action]), at: Date())
            #expect(try Self.evaluate(success, result: doc) == succeeds, "successCondition for \(action)")
            #expect(try Self.evaluate(failure, result: doc) == fails, "failureCondition for \(action)")
        }
    }

    @Test func flaggerHooksAnswer200OnlyWhenTheVerdictAllows() throws {
        let running = try Self.state()
        func status(_ hook: FlaggerGate.Hook, _ action: VerdictAction, _ state: RolloutState? = nil) throws -> Int {
            Int(FlaggerGate.decide(hook, state: try state ?? running, verdict: try #require(Self.verdicts[action])).status.code)
        }
        #expect(try status(.confirmTrafficIncrease, .advance) == 200)
        #expect(try status(.confirmTrafficIncrease, .ship) == 200)
        #expect(try status(.confirmTrafficIncrease, .hold) == 403)
        #expect(try status(.confirmTrafficIncrease, .rollback) == 409)
        #expect(try status(.confirmPromotion, .ship) == 200)
        #expect(try status(.confirmPromotion, .advance) == 403)
        #expect(try status(.confirmPromotion, .stop) == 409)
        #expect(try status(.rollback, .rollback) == 200)
        #expect(try status(.rollback, .stop) == 200)
        #expect(try status(.rollback, .hold) == 403)
        #expect(try status(.rollback, .advance) == 403)
        #expect(try status(.rollback, .hold, Self.state(status: .stopped)) == 200, "rolled back in Rampart")
        #expect(try status(.confirmTrafficIncrease, .advance, Self.state(status: .paused)) == 409)
        #expect(try status(.confirmPromotion, .hold, Self.state(status: .shipped)) == 200)
    }

    @Test func flaggerPayloadsAreReadAsFlaggerSendsThem() throws {
        let payload = try FlaggerGate.Payload(json: ["name": "podinfo", "namespace": "test", "phase": "Progressing", "checksum": "abc", "metadata": ["experiment": "support-answer-prompt"]])
        #expect(try payload.experiment() == "support-answer-prompt" && payload.name == "podinfo" && payload.phase == "Progressing")
        #expect(throws: RampartError.self) { try FlaggerGate.Payload(json: ["name": "podinfo", "namespace": "test", "phase": "Progressing"]).experiment() }
        #expect(throws: RampartError.self) { try FlaggerGate.Payload(json: ["metadata": ["experiment": 3]]) }
        #expect(throws: RampartError.self) { try FlaggerGate.Payload(json: ["a", "b"]) }
    }

    @Test func routesAnswerWithTheToolsShapesAndKeys() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/verdict", method: .get, headers: TestServer.admin()) { response in
                #expect(response.status == .ok)
                #expect(response.json?["verdict"] == "HOLD" && response.json?["experiment"] == "support-answer-prompt")
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/verdict", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .forbidden, "an SDK key reads no verdicts")
            }
            try await client.execute(uri: "/v1/experiments/nope/verdict", method: .get, headers: TestServer.admin()) { response in
                #expect(response.status == .notFound)
            }
            // The documented Canary's webhooks, posted as Flagger posts them.
            let canary = try Self.documentedBlock(containing: "kind: Canary")
            let hooks = canary.components(separatedBy: "- name: ").dropFirst().filter { $0.contains("type: ") }
            #expect(Set(try hooks.map { try Self.value(of: "type", in: $0) }) == ["confirm-traffic-increase", "confirm-promotion", "rollback"])
            for hook in hooks {
                let url = try Self.value(of: "url", in: hook)
                let path = try #require(url.range(of: "/v1/flagger/")).lowerBound
                let experiment = try Self.value(of: "experiment", in: hook)
                let payload: JSONValue = ["name": "support-bot", "namespace": "prod", "phase": "Progressing", "metadata": ["experiment": .string(experiment), "api_key": .string(TestServer.adminKey)]]
                try await client.execute(uri: String(url[path...]), method: .post, body: ByteBuffer(string: payload.jsonText)) { response in
                    #expect(response.status == .forbidden, "HOLD: \(url)")
                    #expect(response.json?["allowed"] == .bool(false) && response.json?["verdict"] == "HOLD")
                    #expect(response.json?["canary"]?["name"] == "support-bot")
                }
            }
            let payload: JSONValue = ["name": "support-bot", "namespace": "prod", "phase": "Progressing", "metadata": ["experiment": "support-answer-prompt"]]
            try await client.execute(uri: "/v1/flagger/rollback", method: .post, body: ByteBuffer(string: payload.jsonText)) { response in
                #expect(response.status == .unauthorized, "no key")
            }
            try await client.execute(uri: "/v1/flagger/rollback", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: payload.jsonText)) { response in
                #expect(response.status == .forbidden && response.json?["error"]?["code"] == "wrong_scope")
            }
            try await client.execute(uri: "/v1/flagger/rollback", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"name": "x", "metadata": {}}"#)) { response in
                #expect(response.status == .unprocessableContent && response.json?["error"]?["message"]?.stringValue?.hasPrefix("metadata.experiment") == true)
            }
            // A person rolls back in Rampart: Flagger's rollback hook now says yes, the gates say stop.
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/ramp", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"action": "rollback", "reason": "test"}"#)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/flagger/rollback", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: payload.jsonText)) { response in
                #expect(response.status == .ok && response.json?["allowed"] == .bool(true))
            }
            try await client.execute(uri: "/v1/flagger/confirm-traffic-increase", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: payload.jsonText)) { response in
                #expect(response.status == .conflict)
            }
        }
    }
}
