import Foundation
import Testing
import RampartCore
@testable import RampartConfig

/// `sequential_method:` in the experiment file: the forms it accepts, the maximum sample, and errors naming the field.
@Suite("Sequential method in the experiment file")
struct SequentialMethodConfigTests {
    /// ValidationTests' base file (13 lines) plus a ramp with minimums on lines 14–16; `sequential_method:` goes on 17.
    static let base = ValidationTests.valid + """

        ramp:
          - { coverage: 0.5, min_units_per_variant: 1000 }
          - { coverage: 1.0, min_units_per_variant: 3000 }
        """

    func load(_ yaml: String) -> LoadedExperiment {
        ExperimentLoader.parse(yaml: yaml, file: "demo.yaml")
    }

    @Test func theDefaultIsCalendarAlphaSpending() throws {
        let loaded = load(Self.base)
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let e = try #require(loaded.experiment)
        #expect(e.analysis.sequentialMethod == .alphaSpending(spending: .obrienFleming, maxUnits: nil, horizonDays: nil))
        #expect(e.analysis.sequentialMethod == SequentialDesign.default)
        #expect(e.sequentialMaximumUnits == nil)
        #expect(e.sequentialHorizonDays == 28)
        // No ramp minimums, no max_units: still a design (the horizon), so the file loads.
        let bare = load(ValidationTests.valid)
        #expect(bare.problems.isEmpty, "\(bare.problems)")
        #expect(bare.experiment?.sequentialHorizonDays == SequentialDesign.defaultHorizonDays)
    }

    @Test func theFormsItAccepts() throws {
        let cases: [(String, SequentialDesign, Int?, Int?)] = [
            ("mixture", .mixture, nil, nil),
            ("alpha_spending", .alphaSpending(spending: .obrienFleming, maxUnits: nil), nil, 28),
            ("{ alpha_spending: { spending: pocock } }", .alphaSpending(spending: .pocock, maxUnits: nil), nil, 28),
            ("{ alpha_spending: { horizon_days: 42 } }", .alphaSpending(spending: .obrienFleming, maxUnits: nil, horizonDays: 42), nil, 42),
            ("{ alpha_spending: { spending: obrien_fleming, max_units: 20000 } }", .alphaSpending(spending: .obrienFleming, maxUnits: 20_000), 20_000, nil),
            ("{ alpha_spending: { max_units: 500 } }", .alphaSpending(spending: .obrienFleming, maxUnits: 500), 500, nil),
        ]
        for (text, design, maximum, horizon) in cases {
            let loaded = load(Self.base + "\nsequential_method: \(text)")
            #expect(loaded.problems.isEmpty, "\(text): \(loaded.problems)")
            let e = try #require(loaded.experiment)
            #expect(e.analysis.sequentialMethod == design, "\(text)")
            #expect(e.sequentialMaximumUnits == maximum, "\(text)")
            #expect(e.sequentialHorizonDays == horizon, "\(text)")
            // The definition as the API returns it reads back to the same design.
            let again = ExperimentLoader.parse(yaml: e.fileFormat.jsonText, file: "round-trip.json")
            #expect(again.experiment?.analysis.sequentialMethod == design, "\(text): \(again.problems)")
            // And as the store keeps it (JSON Codable).
            let stored = try JSONDecoder().decode(AnalysisSettings.self, from: JSONEncoder().encode(e.analysis))
            #expect(stored.sequentialMethod == design)
        }
    }

    @Test func settingsStoredBeforeTheFieldDecodeAsTheMixture() throws {
        let old = #"{"alpha":0.05,"sequential":true,"sequential_tuning":5000,"srm_threshold":0.001}"#
        let settings = try JSONDecoder().decode(AnalysisSettings.self, from: Data(old.utf8))
        #expect(settings.sequentialMethod == .mixture)
    }

    func expectError(_ text: String, field: String, line: Int, containing message: String, base: String = SequentialMethodConfigTests.base, sourceLocation: SourceLocation = #_sourceLocation) {
        let loaded = load(base + "\nsequential_method: \(text)")
        let match = loaded.problems.first { $0.field == field && $0.message.contains(message) && $0.severity == .error }
        #expect(match != nil, "expected \(field): …\(message)… in \(loaded.problems.map(\.description))", sourceLocation: sourceLocation)
        #expect(match?.line == line, "line: \(String(describing: match))", sourceLocation: sourceLocation)
        #expect(loaded.hasErrors, sourceLocation: sourceLocation)
    }

    @Test func errorsNameTheField() {
        expectError("sprt", field: "sequential_method", line: 17, containing: "'sprt' is not one of: mixture, alpha_spending")
        expectError("{ alpha_spending: { spending: haybittle } }", field: "sequential_method.alpha_spending.spending", line: 17, containing: "'haybittle' is not one of: obrien_fleming, pocock")
        expectError("{ alpha_spending: { max_units: 0 } }", field: "sequential_method.alpha_spending.max_units", line: 17, containing: "greater than 0")
        expectError("{ alpha_spending: { max_units: 1.5e4 } }", field: "sequential_method.alpha_spending.max_units", line: 17, containing: "expected a whole number")
        expectError("{ alpha_spending: { looks: 28 } }", field: "sequential_method.alpha_spending.looks", line: 17, containing: "unknown key 'looks'")
        expectError("{ mixture: {} }", field: "sequential_method.mixture", line: 17, containing: "unknown key 'mixture'")
        expectError("[alpha_spending]", field: "sequential_method", line: 17, containing: "expected mixture, alpha_spending or")
        expectError("{ alpha_spending: { horizon_days: 0 } }", field: "sequential_method.alpha_spending.horizon_days", line: 17, containing: "greater than 0")
        expectError("{ alpha_spending: { horizon_days: 2.5 } }", field: "sequential_method.alpha_spending.horizon_days", line: 17, containing: "expected a whole number")
        expectError("{ alpha_spending: { max_units: 800, horizon_days: 14 } }", field: "sequential_method.alpha_spending.horizon_days", line: 17, containing: "not both")
    }

    @Test func theHorizonMustLeaveTheLastStageTimeToDecide() {
        // The ramp's minimum durations before its last stage (10 + 10 days) reach a 20-day horizon: an error; 21 is fine.
        let ramp = ValidationTests.valid + """

            ramp:
              - { coverage: 0.5, min_duration: 10d }
              - { coverage: 0.75, min_duration: 10d }
              - { coverage: 1.0, min_duration: 30d }
            """
        let loaded = load(ramp + "\nsequential_method: { alpha_spending: { horizon_days: 20 } }")
        let problem = loaded.problems.first { $0.field == "sequential_method" }
        #expect(problem?.severity == .error, "\(loaded.problems.map(\.description))")
        #expect(problem?.message.contains("add up to 20 days, at or past the alpha-spending horizon of 20 days") == true, "\(String(describing: problem))")
        #expect(load(ramp + "\nsequential_method: { alpha_spending: { horizon_days: 21 } }").problems.isEmpty)
        #expect(load(ramp + "\nsequential_method: mixture").problems.isEmpty)
        #expect(load(ramp + "\nsequential_method: { alpha_spending: { max_units: 8000 } }").problems.isEmpty)
    }

    @Test func alphaSpendingWithoutSequentialIsAWarning() {
        let loaded = load(Self.base + "\nsequential: false\nsequential_method: alpha_spending")
        #expect(!loaded.hasErrors, "\(loaded.problems)")
        #expect(loaded.problems.contains { $0.field == "sequential_method" && $0.severity == .warning && $0.message.contains("sequential: false") })
        // The default design is not named, so fixed-horizon files get no warning.
        #expect(load(Self.base + "\nsequential: false").problems.isEmpty)
    }
}

/// `cuped_window_days: 0` is CUPED's explicit opt-out; a negative window is an error naming the field.
@Suite("CUPED window in the experiment file")
struct CUPEDWindowConfigTests {
    @Test func zeroTurnsCUPEDOffAndNegativeIsAnError() throws {
        let off = ExperimentLoader.parse(yaml: ValidationTests.valid.replacingOccurrences(of: "event: support_ticket_resolved }", with: "event: support_ticket_resolved, cuped_window_days: 0 }"), file: "demo.yaml")
        #expect(off.problems.isEmpty, "\(off.problems)")
        let e = try #require(off.experiment)
        #expect(e.metrics[0].cupedWindowDays == 0)
        #expect(e.metrics[0].effectiveCupedWindowDays == nil)
        let negative = ExperimentLoader.parse(yaml: ValidationTests.valid.replacingOccurrences(of: "event: support_ticket_resolved }", with: "event: support_ticket_resolved, cuped_window_days: -1 }"), file: "demo.yaml")
        #expect(negative.problems.contains { $0.field == "metrics[0].cuped_window_days" && $0.severity == .error && $0.message.contains("0 (CUPED off)") && $0.line == 13 }, "\(negative.problems)")
    }
}
