import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

@Suite("Experiments routes")
struct ExperimentsRouteTests {
    static let newExperiment = """
        key: tone-test
        status: running
        variants:
          - { key: control, weight: 0.5, payload: { prompt_name: tone, prompt_version_id: v1, model: m, provider: x } }
          - { key: warm, weight: 0.5, payload: { prompt_name: tone, prompt_version_id: v2, model: m, provider: x } }
        coverage: 0.5
        ramp: [{ coverage: 0.5 }, { coverage: 1 }]
        metrics:
          - { key: resolved, role: primary, kind: proportion, event: support_ticket_resolved }
        """

    @Test func listAndGet() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .ok)
                #expect(response.json?["experiments"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == ["support-answer-prompt", "triage-model-swap"])
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt", method: .get, headers: TestServer.admin()) { response in
                #expect(response.json?["definition"]?["control"] == "control")
            }
            try await client.execute(uri: "/v1/experiments/nope", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/experiments", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func createValidatesLikeTheCLIAndServesAtOnce() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: Self.newExperiment)) { response in
                #expect(response.status == .forbidden)
            }
            let broken = Self.newExperiment.replacingOccurrences(of: "weight: 0.5, payload: { prompt_name: tone, prompt_version_id: v2", with: "weight: 0.7, payload: { prompt_name: tone, prompt_version_id: v2")
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: broken)) { response in
                #expect(response.status == .unprocessableContent)
                let problems = response.json?["error"]?["problems"]?.arrayValue ?? []
                #expect(problems.contains { $0["field"] == "variants" && ($0["message"]?.stringValue ?? "").contains("sum to 1") })
                #expect(problems.first?["line"] == 3)
            }
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: "{not yaml: [")) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: Self.newExperiment)) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: Self.newExperiment)) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/tone-test", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: #"{"context":{"targetingKey":"u1"}}"#)) { response in
                #expect(response.status == .ok)
            }
        }
    }

    // Issue 11, item 1: a running experiment without a primary metric is refused, naming the field.
    @Test func createAndUpdateRefuseARunningExperimentWithoutAPrimaryMetric() async throws {
        let app = try await TestServer.application()
        let noMetrics = Self.newExperiment.components(separatedBy: "metrics:")[0]
        let noPrimary = Self.newExperiment.replacingOccurrences(of: "role: primary", with: "role: secondary")
        let badRisk = Self.newExperiment + "\nadvance_risk: 1.5"
        try await app.test(.router) { client in
            for body in [noMetrics, noPrimary] {
                try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .unprocessableContent)
                    let problems = response.json?["error"]?["problems"]?.arrayValue ?? []
                    #expect(problems.contains { $0["field"] == "metrics" && ($0["message"]?.stringValue ?? "").contains("primary") }, "\(problems)")
                }
            }
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: badRisk)) { response in
                #expect(response.status == .unprocessableContent)
                let problems = response.json?["error"]?["problems"]?.arrayValue ?? []
                #expect(problems.contains { $0["field"] == "advance_risk" }, "\(problems)")
            }
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: Self.newExperiment)) { response in
                #expect(response.status == .created)
            }
            for body in [noMetrics, noPrimary] {
                try await client.execute(uri: "/v1/experiments/tone-test", method: .put, headers: TestServer.admin(), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .unprocessableContent)
                    let problems = response.json?["error"]?["problems"]?.arrayValue ?? []
                    #expect(problems.contains { $0["field"] == "metrics" }, "\(problems)")
                }
            }
            try await client.execute(uri: "/v1/experiments/tone-test", method: .get, headers: TestServer.admin()) { response in
                #expect(response.json?["revision"] == 0, "the refused updates changed nothing")
            }
        }
    }

    @Test func updateRefusesAReshuffleUntilANewPhase() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: Self.newExperiment)) { _ in }
            let reweighted = Self.newExperiment
                .replacingOccurrences(of: "key: control, weight: 0.5", with: "key: control, weight: 0.3")
                .replacingOccurrences(of: "key: warm, weight: 0.5", with: "key: warm, weight: 0.7")
            try await client.execute(uri: "/v1/experiments/tone-test", method: .put, headers: TestServer.admin(), body: ByteBuffer(string: reweighted)) { response in
                #expect(response.status == .conflict)
                #expect(response.json?["error"]?["code"] == "would_reshuffle")
                // Both weights are named; the remedy is said once.
                let message = response.json?["error"]?["message"]?.stringValue ?? ""
                #expect(message.contains("weight of variant 'control'") && message.contains("weight of variant 'warm'"), "\(message)")
                #expect(message.components(separatedBy: "new phase").count == 2, "\(message)")
            }
            let renamed = Self.newExperiment.replacingOccurrences(of: "key: resolved, role: primary", with: "key: resolved, name: Resolution, role: primary")
            try await client.execute(uri: "/v1/experiments/tone-test", method: .put, headers: TestServer.admin(), body: ByteBuffer(string: renamed)) { response in
                #expect(response.status == .ok)
                #expect(response.json?["revision"] == 1)
            }
            try await client.execute(uri: "/v1/experiments/tone-test/phases", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: reweighted)) { response in
                #expect(response.status == .created)
                #expect(response.json?["phase"] == 1)
                #expect(response.json?["definition"]?["variants"]?.arrayValue?.first?["weight"] == 0.3)
            }
        }
    }

    /// Found by QA in session 29: a retried forced ramp action applied twice, each `POST …/phases` started another
    /// phase, and an empty actor was recorded. `If-Match` with the revision read makes a change conditional.
    @Test func ifMatchMakesChangesConditionalAndAnEmptyActorIsRefused() async throws {
        let store = try await TestServer.store(experiments: try TestServer.experiments(coverage: nil))
        let app = try await TestServer.application(store: store)
        try await app.test(.router) { client in
            let base = "/v1/experiments/support-answer-prompt"
            let read = try await client.execute(uri: base, method: .get, headers: TestServer.admin())
            let etag = try #require(read.headers[.eTag])
            #expect(etag == "\"\(read.json?["revision"]?.numberValue.map { Int($0) } ?? -1)\"")
            let forced = ByteBuffer(string: #"{"action":"advance","force":true,"reason":"demo day","actor":"maria"}"#)
            let first = try await client.execute(uri: base + "/ramp", method: .post, headers: TestServer.admin([.ifMatch: etag]), body: forced)
            #expect(first.status == .ok)
            #expect(first.headers[.eTag] != etag)
            // The same request again (a client retrying after a lost answer) is refused, not applied twice.
            let retry = try await client.execute(uri: base + "/ramp", method: .post, headers: TestServer.admin([.ifMatch: etag]), body: forced)
            #expect(retry.status == .preconditionFailed)
            #expect(retry.json?["error"]?["code"] == "stale_revision")
            #expect(try await store.auditEntries("support-answer-prompt").filter { $0.action == "advance" }.count == 1)
            // A new phase, conditionally: the second POST with the same tag starts nothing.
            let now = try #require(first.headers[.eTag])
            #expect(try await client.execute(uri: base + "/phases", method: .post, headers: TestServer.admin([.ifMatch: now])).status == .created)
            #expect(try await client.execute(uri: base + "/phases", method: .post, headers: TestServer.admin([.ifMatch: now])).status == .preconditionFailed)
            #expect(try await store.rollout("support-answer-prompt")?.experiment.phase == 1)
            // PUT too; a weak tag never matches; `*` always does.
            let definition = try #require(try await store.rollout("support-answer-prompt")).experiment.fileFormat.jsonText
            #expect(try await client.execute(uri: base, method: .put, headers: TestServer.admin([.ifMatch: "W/" + now]), body: ByteBuffer(string: definition)).status == .preconditionFailed)
            #expect(try await client.execute(uri: base, method: .put, headers: TestServer.admin([.ifMatch: "*"]), body: ByteBuffer(string: definition)).status == .ok)
            // An empty actor names nobody in the audit log.
            let noOne = try await client.execute(uri: base + "/ramp", method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"action":"pause","actor":" "}"#))
            #expect(noOne.status == .unprocessableContent)
            #expect(noOne.json?["error"]?["message"]?.stringValue?.hasPrefix("actor: must not be empty") == true)
            let emptyHeader = try await client.execute(uri: base + "/phases", method: .post, headers: TestServer.admin([HTTPField.Name("X-Actor")!: ""]))
            #expect(emptyHeader.status == .unprocessableContent)
            #expect(try await store.rollout("support-answer-prompt")?.experiment.phase == 1)
        }
    }

    @Test func rampFollowsTheVerdictAndIsAudited() async throws {
        let app = try await TestServer.application(experiments: try TestServer.experiments(coverage: nil))
        try await app.test(.router) { client in
            let uri = "/v1/experiments/support-answer-prompt/ramp"
            // No data: the verdict holds, so advancing is refused.
            try await client.execute(uri: uri, method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"action":"advance","actor":"maria"}"#)) { response in
                #expect(response.status == .conflict)
                let message = response.json?["error"]?["message"]?.stringValue ?? ""
                #expect(message.contains("HOLD"))
                // The API names its own fields, not the command line's flags.
                #expect(message.hasSuffix(#"override it with "force": true and a "reason""#), "\(message)")
                #expect(!message.contains("--"), "\(message)")
            }
            try await client.execute(uri: uri, method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"action":"advance","force":true}"#)) { response in
                #expect(response.status == .unprocessableContent)
                let message = response.json?["error"]?["message"]?.stringValue ?? ""
                #expect(message.hasPrefix("reason: required when force is true"), "\(message)")
            }
            try await client.execute(uri: uri, method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"action":"advance","force":true,"reason":"demo day","actor":"maria"}"#)) { response in
                #expect(response.status == .ok)
                #expect(response.json?["experiment"]?["coverage"] == 0.05)
                #expect(response.json?["audit"]?["forced"] == true)
            }
            try await client.execute(uri: uri, method: .post, headers: TestServer.admin(), body: ByteBuffer(string: #"{"action":"launch"}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: uri, method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: #"{"action":"pause"}"#)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/audit", method: .get, headers: TestServer.admin()) { response in
                // The import of the file, then the forced advance.
                let entries = response.json?["entries"]?.arrayValue ?? []
                #expect(entries.compactMap { $0["action"]?.stringValue } == ["import", "advance"])
                #expect(entries.last?["actor"] == "maria")
                #expect(entries.last?["to"] == "running at 5% (stage 2 of 5)")
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/audit", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .forbidden)
            }
            // Evaluation follows the new coverage at once.
            try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: #"{"context":{"targetingKey":"user-3","environment":"production","plan":"pro"}}"#)) { response in
                #expect(response.json?["reason"] == "TARGETING_MATCH")
            }
        }
    }

    @Test func resultsAsJSONAndHTML() async throws {
        let app = try await TestServer.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .ok)
                #expect(response.json?["schema"] == "rampart.report/v1")
                #expect(response.json?["verdict"]?["action"] == "HOLD")
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results.html", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body).contains("id=\"verdict\""))
            }
            try await client.execute(uri: "/v1/experiments/support-answer-prompt/results?as_of=yesterday", method: .get, headers: TestServer.sdk()) { response in
                #expect(response.status == .badRequest)
            }
        }
    }
}
