/// An experiment prepared for the assignment hot path: seed, variant ranges and control resolved once.
public struct CompiledExperiment: Sendable {
    /// The definition it was compiled from.
    public let experiment: Experiment
    /// The hashing seed (salt and phase).
    public let seed: String
    /// Each variant's bucket range at the experiment's coverage.
    public let ranges: [BucketRange]
    /// The variant served to units that are not enrolled.
    public let fallback: Variant
    /// The variant everyone gets once shipped.
    public let shipped: Variant?
    let targeting: Condition?

    /// Compiles an experiment.
    ///
    /// - Parameters:
    ///   - experiment: The definition; it should have passed validation, but a malformed one still compiles
    ///     (an unknown control falls back to the first variant).
    ///   - coverage: The coverage to use instead of the definition's, e.g. the current ramp stage's.
    public init(_ experiment: Experiment, coverage: Double? = nil) {
        self.experiment = experiment
        self.seed = experiment.seed
        self.ranges = Bucketing.bucketRanges(
            count: experiment.variants.count,
            coverage: coverage ?? experiment.coverage,
            weights: experiment.variants.map(\.weight)
        )
        let placeholder = Variant(
            key: experiment.control,
            weight: 0,
            payload: VariantPayload(promptName: "", promptVersionId: "", model: "", provider: "")
        )
        self.fallback = experiment.controlVariant ?? experiment.variants.first ?? placeholder
        self.shipped = experiment.shippedVariant.flatMap { key in experiment.variants.first { $0.key == key } }
        self.targeting = experiment.targeting.map(Condition.init)
    }

    /// Assigns a unit to a variant.
    ///
    /// - Parameters:
    ///   - unit: The unit identifier (the value of the experiment's unit attribute).
    ///   - attributes: The unit's attributes, for targeting.
    /// - Returns: The variant to serve, whether the unit is enrolled, its bucket and the reason.
    public func assign(unit: String, attributes: [String: JSONValue] = [:]) -> Assignment {
        switch experiment.status {
        case .draft, .paused, .stopped:
            return notEnrolled(.disabled, bucket: nil)
        case .shipped:
            return Assignment(
                experimentKey: experiment.key, phase: experiment.phase, variant: shipped ?? fallback,
                enrolled: false, bucket: nil, reason: .static
            )
        case .running:
            break
        }
        guard !unit.isEmpty else { return notEnrolled(.default, bucket: nil) }
        if let namespace = experiment.namespace, !Bucketing.inNamespace(unit: unit, namespace: namespace) {
            return notEnrolled(.default, bucket: nil)
        }
        let targeted = targeting != nil
        if targeted, !matchesTargeting(attributes) {
            return notEnrolled(.default, bucket: nil)
        }
        guard let n = Bucketing.hash(seed: seed, value: unit, version: 2) else {
            return notEnrolled(.default, bucket: nil)
        }
        guard let index = Bucketing.chooseVariation(n, ranges: ranges) else {
            return notEnrolled(.default, bucket: n)
        }
        return Assignment(
            experimentKey: experiment.key, phase: experiment.phase, variant: experiment.variants[index],
            enrolled: true, bucket: n, reason: targeted ? .targetingMatch : .split
        )
    }

    func matchesTargeting(_ attributes: [String: JSONValue]) -> Bool {
        targeting?.evaluate(attributes) ?? true
    }

    func notEnrolled(_ reason: AssignmentReason, bucket: Double?) -> Assignment {
        Assignment(
            experimentKey: experiment.key, phase: experiment.phase, variant: fallback,
            enrolled: false, bucket: bucket, reason: reason
        )
    }
}
