import Testing
import RampartCore

@Suite("Reshuffle protection")
struct ReshuffleTests {
    @Test func weightChangeOnARunningExperimentIsRefused() {
        let old = Fixtures.experiment(weights: [0.5, 0.5])
        let new = Fixtures.experiment(weights: [0.2, 0.8])
        let reasons = new.reshuffleReasons(from: old)
        #expect(reasons.count == 2)
        #expect(reasons[0].contains("weight of variant 'control' changed from 0.5 to 0.2"))
    }

    @Test func aNewPhaseAllowsIt() {
        let old = Fixtures.experiment(weights: [0.5, 0.5])
        let new = Fixtures.experiment(phase: 1, weights: [0.2, 0.8])
        #expect(new.reshuffleReasons(from: old).isEmpty)
    }

    @Test func draftsMayChangeFreely() {
        let old = Fixtures.experiment(weights: [0.5, 0.5], status: .draft)
        #expect(Fixtures.experiment(weights: [0.1, 0.9]).reshuffleReasons(from: old).isEmpty)
    }

    @Test func coverageAndTargetingChangesAreSafe() {
        let old = Fixtures.experiment(coverage: 0.05)
        let new = Fixtures.experiment(coverage: 0.25, targeting: ["country": "US"])
        #expect(new.reshuffleReasons(from: old).isEmpty)
    }

    @Test func variantListAndSaltChangesAreRefused() {
        let old = Fixtures.experiment(weights: [0.5, 0.5])
        let new = Fixtures.experiment(salt: "other", weights: [0.34, 0.33, 0.33])
        let reasons = new.reshuffleReasons(from: old)
        #expect(reasons.contains { $0.hasPrefix("variants changed") })
        #expect(reasons.contains { $0.hasPrefix("salt changed") })
    }
}
