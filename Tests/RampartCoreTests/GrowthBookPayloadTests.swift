import Foundation
import Testing
@testable import RampartCore

@Suite("GrowthBook SDK payload")
struct GrowthBookPayloadTests {
    static func payload(_ key: String, weight: Double = 0.5) -> Variant {
        Variant(key: key, weight: weight, payload: VariantPayload(promptName: "p", promptVersionId: "pv_\(key)", model: "m", provider: "openai"))
    }

    static func experiment(_ key: String, status: ExperimentStatus = .running, targeting: JSONValue? = nil, phase: Int = 0) -> Experiment {
        Experiment(
            key: key, status: status, unit: "session_id", salt: "salt-\(key)", phase: phase,
            variants: [payload("b"), payload("a")], control: "a", targeting: targeting, coverage: 0.25,
            namespace: Namespace(id: "ns", start: 0.1, end: 0.6)
        )
    }

    @Test func aRunningExperimentIsAnExperimentRule() throws {
        let e = Self.experiment("e1", targeting: ["plan": ["$in": ["pro"]]], phase: 3)
        let payload = GrowthBookPayload([e])
        #expect(payload.omitted.isEmpty)
        let feature = try #require(payload.features["e1"]?.objectValue)
        // Not enrolled falls through to the control payload, whatever the control's position.
        #expect(feature["defaultValue"] == Self.payload("a").payload.jsonValue)
        let rule = try #require(feature["rules"]?.arrayValue?.first?.objectValue)
        #expect(rule["key"] == "e1")
        #expect(rule["seed"] == "salt-e1:3")
        #expect(rule["hashVersion"] == 2)
        #expect(rule["hashAttribute"] == "session_id")
        #expect(rule["coverage"] == 0.25)
        #expect(rule["weights"] == [0.5, 0.5])
        #expect(rule["variations"] == [Self.payload("b").payload.jsonValue, Self.payload("a").payload.jsonValue])
        #expect(rule["meta"]?.arrayValue?.map { $0.objectValue?["key"] } == ["b", "a"])
        #expect(rule["condition"] == ["plan": ["$in": ["pro"]]])
        #expect(rule["namespace"] == ["ns", 0.1, 0.6])
        #expect(rule["phase"] == "3")
        #expect(rule["disableStickyBucketing"] == true)
    }

    @Test func otherStatusesServeTheirStaticPayload() throws {
        var shipped = Self.experiment("s", status: .shipped)
        shipped.shippedVariant = "b"
        let payload = GrowthBookPayload([shipped, Self.experiment("p", status: .paused)])
        #expect(payload.features["s"] == ["defaultValue": Self.payload("b").payload.jsonValue, "rules": []])
        #expect(payload.features["p"] == ["defaultValue": Self.payload("a").payload.jsonValue, "rules": []])
    }

    @Test func whatCannotBeExpressedIsLeftOutAndListed() throws {
        let payload = GrowthBookPayload([
            Self.experiment("regex", targeting: ["email": ["$regex": "@example\\.com$"]]),
            Self.experiment("group", targeting: ["$or": [["id": ["$inGroup": "beta"]]]]),
            Self.experiment("broken", targeting: ["$and": "not an array"]),
            Self.experiment("fine", targeting: ["country": "US"]),
            Experiment(key: "single", status: .running, variants: [Self.payload("only", weight: 1)]),
        ])
        #expect(Set(payload.features.keys) == ["fine"])
        #expect(payload.omitted.map(\.key) == ["broken", "group", "regex", "single"])
        #expect(payload.omitted.first { $0.key == "regex" }?.reason.contains("$regex") == true)
        let body = payload.body(version: "v1")
        #expect(body["rampart"]?["omitted"]?.arrayValue?.count == 4)
        #expect(body["rampart"]?["version"] == "v1")
    }
}
