import Foundation
import RampartStats

/// The reference cases written by scripts/stats_reference.py.
struct Fixture: Sendable {
    struct Case: Decodable, Sendable {
        let id: String
        let kind: String
        let input: JSON
        let expected: JSON
    }

    private struct File: Decodable {
        let samples: [String: [Double]]
        let cases: [Case]
    }

    let cases: [String: Case]
    let samples: [String: [Double]]

    static let shared: Fixture = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference.json")
        do {
            let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
            return Fixture(cases: Dictionary(uniqueKeysWithValues: file.cases.map { ($0.id, $0) }), samples: file.samples)
        } catch {
            Issue.record("cannot load \(url.path): \(error)")
            return Fixture(cases: [:], samples: [:])
        }
    }()

    static func ids(_ kind: String) -> [String] {
        shared.cases.values.filter { $0.kind == kind }.map(\.id).sorted()
    }

    static func settings(_ json: JSON?) -> TestSettings {
        let alternative: Alternative = switch json?["alternative"]?.string {
        case "treatmentGreater": .treatmentGreater
        case "treatmentLess": .treatmentLess
        default: .twoSided
        }
        return TestSettings(
            alpha: json?["alpha"]?.double ?? 0.05,
            alternative: alternative,
            sequential: json?["sequential"]?.bool ?? false,
            sequentialTuning: json?["tuning"]?.double ?? 5_000
        )
    }

    static func sample(_ json: JSON) -> SampleStatistics {
        if json["type"]?.string == "proportion" {
            return .proportion(successes: json["successes"]?.double ?? .nan, units: json["units"]?.int ?? 0)
        }
        return SampleStatistics(units: json["units"]?.int ?? 0, sum: json["sum"]?.double ?? .nan, sumSquares: json["sumSquares"]?.double ?? .nan)
    }

    static func ratio(_ json: JSON) -> RatioStatistics {
        RatioStatistics(
            units: json["units"]?.int ?? 0,
            numeratorSum: json["numeratorSum"]?.double ?? .nan,
            numeratorSumSquares: json["numeratorSumSquares"]?.double ?? .nan,
            denominatorSum: json["denominatorSum"]?.double ?? .nan,
            denominatorSumSquares: json["denominatorSumSquares"]?.double ?? .nan,
            crossSum: json["crossSum"]?.double ?? .nan
        )
    }

    static func cuped(_ json: JSON) -> RegressionAdjustedStatistics {
        RegressionAdjustedStatistics(
            units: json["units"]?.int ?? 0,
            postSum: json["postSum"]?.double ?? .nan,
            postSumSquares: json["postSumSquares"]?.double ?? .nan,
            preSum: json["preSum"]?.double ?? .nan,
            preSumSquares: json["preSumSquares"]?.double ?? .nan,
            crossSum: json["crossSum"]?.double ?? .nan
        )
    }

    static func quantileInterval(_ json: JSON) -> QuantileInterval {
        QuantileInterval(
            estimate: json["estimate"]?.double ?? .nan,
            lower: json["lower"]?.double ?? .nan,
            upper: json["upper"]?.double ?? .nan,
            multiplier: json["multiplier"]?.double ?? .nan,
            units: json["units"]?.int ?? 0
        )
    }

    static func quantile(_ json: JSON) -> QuantileStatistics {
        QuantileStatistics(
            units: json["units"]?.int ?? 0,
            level: json["level"]?.double ?? .nan,
            estimate: json["estimate"]?.double ?? .nan,
            sumM: json["sumM"]?.double ?? .nan,
            sumMSquares: json["sumMSquares"]?.double ?? .nan,
            sumY: json["sumY"]?.double ?? .nan,
            sumYSquares: json["sumYSquares"]?.double ?? .nan,
            sumYM: json["sumYM"]?.double ?? .nan
        )
    }
}

/// A short name for each degenerate reason, as the fixture spells it.
func reasonName(_ reason: DegenerateReason?) -> String? {
    switch reason {
    case nil: nil
    case .noUnits: "noUnits"
    case .tooFewUnits: "tooFewUnits"
    case .zeroVariance: "zeroVariance"
    case .zeroDenominator: "zeroDenominator"
    case .zeroControlMean: "zeroControlMean"
    case .nonFiniteInput: "nonFiniteInput"
    case .invalidInput: "invalidInput"
    case .invalidSetting: "invalidSetting"
    case .emptyDistribution: "emptyDistribution"
    case .numericalFailure: "numericalFailure"
    }
}

/// Expects `actual` to match `expected` to 1e-6 relative (exactly for infinities).
func expectClose(
    _ actual: Double?, _ expected: Double?, _ label: String,
    relative: Double = 1e-6, absolute: Double = 1e-14,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let expected else { return }
    guard let actual else {
        Issue.record("\(label): expected \(expected), got nil", sourceLocation: sourceLocation)
        return
    }
    if expected.isInfinite {
        #expect(actual == expected, "\(label)", sourceLocation: sourceLocation)
        return
    }
    let tolerance = relative * abs(expected) + absolute
    #expect(abs(actual - expected) <= tolerance, "\(label): \(actual) vs \(expected)", sourceLocation: sourceLocation)
}

import Testing
