import RampartCore

/// Small experiments for tests.
enum Fixtures {
    static func payload(_ version: String, model: String = "gpt-4.1-mini") -> VariantPayload {
        VariantPayload(promptName: "support_answer", promptVersionId: version, model: model, provider: "openai")
    }

    static func experiment(
        key: String = "exp",
        salt: String? = nil,
        phase: Int = 0,
        weights: [Double] = [0.5, 0.5],
        coverage: Double = 1,
        status: ExperimentStatus = .running,
        targeting: JSONValue? = nil,
        namespace: Namespace? = nil
    ) -> Experiment {
        let variants = weights.enumerated().map { index, weight in
            Variant(key: index == 0 ? "control" : "treatment\(index)", weight: weight, payload: payload("pv_\(index)"))
        }
        return Experiment(
            key: key, status: status, salt: salt, phase: phase, variants: variants, control: "control",
            targeting: targeting, coverage: coverage, namespace: namespace
        )
    }
}
