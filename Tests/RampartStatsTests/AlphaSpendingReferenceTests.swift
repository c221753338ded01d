import Foundation
import Testing
import RampartStats

/// α-spending boundaries against scripts/stats_reference.py (Gauss–Legendre integration,
/// checked there against scipy's multivariate normal CDF), 1e-6 relative.
@Suite("Alpha-spending reference values")
struct AlphaSpendingReferenceTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let id: String
        let spending: String
        let oneSided: Bool
        let alpha: Double
        let maximumUnits: Double
        let looks: [Double]
        /// Calendar-time spending fractions (day / horizon) of the looks; absent for the information fraction.
        let fractions: [Double]?
        let boundaries: [Bound]
        var testDescription: String { id }
    }

    /// A boundary, written as the string "inf" when nothing is left to spend.
    struct Bound: Decodable, Sendable {
        let value: Double
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { value = number } else {
                value = try container.decode(String.self) == "inf" ? .infinity : .nan
            }
        }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/spending_reference.json")
        struct File: Decodable { let cases: [Case] }
        do { return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases } catch {
            Issue.record("cannot load \(url.path): \(error)")
            return []
        }
    }()

    /// A comparison with SE 1 and Δ = 0.3 at `units` in all, through the public EffectTest.
    static func look(_ c: Case, index: Int) -> EffectEstimate {
        // Calendar time: a horizon of 1 day, each look's day its fraction.
        let calendar = c.fractions.map {
            AlphaSpendingPlan.CalendarSpending(horizonDays: 1, earlierDays: Array($0[..<index]), days: $0[index])
        }
        let plan = AlphaSpendingPlan(
            spending: SpendingFunction(rawValue: c.spending) ?? .pocock,
            maximumUnits: c.maximumUnits, earlierLooks: Array(c.looks[..<index]), calendar: calendar
        )
        let settings = TestSettings(
            alpha: c.alpha, alternative: c.oneSided ? .treatmentGreater : .twoSided,
            sequential: true, sequentialMethod: .alphaSpending(plan)
        )
        let half = Int(c.looks[index] / 2)
        let pair = ArmPair(
            control: ArmEstimate(mean: 0, variance: 0.5, units: half),
            treatment: ArmEstimate(mean: 0.3, variance: 0.5, units: Int(c.looks[index]) - half)
        )
        return EffectTest(settings: settings).compare(pair).absolute
    }

    @Test("boundaries at every look match the independent implementation", arguments: cases)
    func boundaries(_ c: Case) throws {
        #expect(c.looks.count == c.boundaries.count)
        for (index, expected) in c.boundaries.map(\.value).enumerated() {
            let estimate = Self.look(c, index: index)
            #expect(estimate.problem == nil, "\(c.id) look \(index)")
            let k = try #require(c.oneSided ? estimate.lower.map { 0.3 - $0 } : estimate.upper.map { $0 - 0.3 })
            if expected.isInfinite {
                #expect(k.isInfinite, "\(c.id) look \(index): α is spent")
                #expect(estimate.pValue == 1)
            } else {
                #expect(abs(k - expected) <= 1e-6 * abs(expected), "\(c.id) look \(index): \(k) vs \(expected)")
            }
        }
    }

    @Test("the fixture has calendar-time cases, one past its horizon")
    func calendarCases() {
        let calendar = Self.cases.filter { $0.fractions != nil }
        #expect(calendar.count >= 5)
        #expect(calendar.contains { $0.boundaries.contains { $0.value.isInfinite } })
    }

    @Test("the guardrail's one-sided bounds use the one-sided spending boundary")
    func guardrail() throws {
        let c = try #require(Self.cases.first { $0.id == "obf-one-sided-daily-28" })
        let index = 20
        let plan = AlphaSpendingPlan(maximumUnits: c.maximumUnits, earlierLooks: Array(c.looks[..<index]))
        let test = GuardrailTest(
            margin: .absolute(0.1), direction: .lowerIsBetter,
            settings: TestSettings(alpha: c.alpha, sequential: true, sequentialMethod: .alphaSpending(plan))
        )
        let half = Int(c.looks[index] / 2)
        let result = test.evaluate(ArmPair(
            control: ArmEstimate(mean: 0, variance: 0.5, units: half),
            treatment: ArmEstimate(mean: 0.3, variance: 0.5, units: half)
        ))
        let upper = try #require(result.effect.upper)
        #expect(abs(upper - 0.3 - c.boundaries[index].value) <= 1e-6 * c.boundaries[index].value)
    }
}
