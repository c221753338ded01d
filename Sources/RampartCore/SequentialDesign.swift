/// Which always-valid design an experiment's sequential tests use (`sequential_method:` in the experiment file,
/// docs/experiment-format.md; the statistics are in docs/statistics.md).
public enum SequentialDesign: Sendable, Hashable, Codable {
    /// How an α-spending design spends α over the information fraction.
    public enum Spending: String, Sendable, Hashable, Codable, CaseIterable {
        /// O'Brien–Fleming type (Lan–DeMets): little early, close to the fixed-horizon test at the end.
        case obrienFleming = "obrien_fleming"
        /// Pocock type: evenly; earlier decisions on large effects, less power at the end.
        case pocock
    }

    /// The normal-mixture confidence sequence tuned by `sequential_tuning`: valid at any looks, no plan needed.
    case mixture
    /// Group-sequential α-spending, looked at at each UTC day end.
    /// - Parameters:
    ///   - spending: The spending function.
    ///   - maxUnits: The units (all variants) at which the whole of α is spent (information counted in units);
    ///     `nil` spends over calendar time instead, up to `horizonDays`.
    ///   - horizonDays: With calendar time, the day (UTC day ends since the phase's first exposure) at which the
    ///     whole of α is spent; `nil` is ``defaultHorizonDays``. Ignored with `maxUnits`.
    case alphaSpending(spending: Spending, maxUnits: Int?, horizonDays: Int? = nil)

    /// The design of experiments whose file does not name one: α-spending, O'Brien–Fleming, over calendar time with
    /// the default horizon (docs/statistics.md, "Default").
    public static let `default` = SequentialDesign.alphaSpending(spending: .obrienFleming, maxUnits: nil)

    /// The horizon of calendar-time α-spending when the file gives none: 28 days (four weeks, the horizon of the
    /// simulations in docs/statistics.md; every shipped ramp's minimum durations end well before it).
    public static let defaultHorizonDays = 28

    /// The name written in experiment files and reports: `mixture` or `alpha_spending`.
    public var name: String {
        switch self {
        case .mixture: "mixture"
        case .alphaSpending: "alpha_spending"
        }
    }

    /// The share of a guardrail's α that an α-spending design gives to an always-valid one-sided normal-mixture
    /// watch for the whole run (past the maximum included), the rest going to the α-spending boundary; the union
    /// bound keeps the guardrail's error at most α (docs/statistics.md, "Guardrails past the maximum").
    public static let guardrailWatchShare = 0.2

    /// The names `sequential_method:` accepts.
    public static let names = ["mixture", "alpha_spending"]

    enum CodingKeys: String, CodingKey {
        case method, spending
        case maxUnits = "max_units"
        case horizonDays = "horizon_days"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .method) {
        case "mixture":
            self = .mixture
        case "alpha_spending":
            self = .alphaSpending(
                spending: try c.decode(Spending.self, forKey: .spending), maxUnits: try c.decodeIfPresent(Int.self, forKey: .maxUnits),
                horizonDays: try c.decodeIfPresent(Int.self, forKey: .horizonDays)
            )
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "unknown sequential method '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .method)
        if case .alphaSpending(let spending, let maxUnits, let horizonDays) = self {
            try c.encode(spending, forKey: .spending)
            try c.encodeIfPresent(maxUnits, forKey: .maxUnits)
            try c.encodeIfPresent(horizonDays, forKey: .horizonDays)
        }
    }
}

extension Experiment {
    /// The maximum information of a units-based α-spending design, in units of all variants together: the file's
    /// `max_units`. `nil` for the mixture and for calendar-time α-spending (no `max_units`).
    public var sequentialMaximumUnits: Int? {
        guard case .alphaSpending(_, let maxUnits?, _) = analysis.sequentialMethod, maxUnits > 0 else { return nil }
        return maxUnits
    }

    /// The horizon of a calendar-time α-spending design, in days: the file's `horizon_days`, else
    /// ``SequentialDesign/defaultHorizonDays``. `nil` for the mixture and for α-spending with `max_units`.
    public var sequentialHorizonDays: Int? {
        guard case .alphaSpending(_, nil, let horizon) = analysis.sequentialMethod else { return nil }
        return horizon ?? SequentialDesign.defaultHorizonDays
    }
}
