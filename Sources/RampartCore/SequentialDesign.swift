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
    ///   - maxUnits: The units (all variants) at which the whole of α is spent; `nil` takes it from the ramp plan
    ///     (``Experiment/sequentialMaximumUnits``).
    case alphaSpending(spending: Spending, maxUnits: Int?)

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
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .method) {
        case "mixture":
            self = .mixture
        case "alpha_spending":
            self = .alphaSpending(spending: try c.decode(Spending.self, forKey: .spending), maxUnits: try c.decodeIfPresent(Int.self, forKey: .maxUnits))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "unknown sequential method '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .method)
        if case .alphaSpending(let spending, let maxUnits) = self {
            try c.encode(spending, forKey: .spending)
            try c.encodeIfPresent(maxUnits, forKey: .maxUnits)
        }
    }
}

extension Experiment {
    /// The maximum information of an α-spending design, in units of all variants together: the file's
    /// `max_units` when given, else twice the ramp plan's largest `min_units_per_variant` times the number of
    /// variants (the ramp's minimums are the least data its gated stages advance on; the final stage is allowed as
    /// much again). `nil` for the mixture, or when neither gives a positive number.
    public var sequentialMaximumUnits: Int? {
        guard case .alphaSpending(_, let maxUnits) = analysis.sequentialMethod else { return nil }
        if let maxUnits { return maxUnits > 0 ? maxUnits : nil }
        let largest = ramp.map(\.minUnitsPerVariant).max() ?? 0
        guard largest > 0, !variants.isEmpty else { return nil }
        return 2 * largest * variants.count
    }
}
