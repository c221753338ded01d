/// One arm of an experiment: a key, a traffic weight and a payload.
public struct Variant: Sendable, Hashable, Codable {
    /// The variant key, unique within the experiment, e.g. `control`.
    public var key: String
    /// The share of enrolled traffic, in [0, 1]; the weights of an experiment sum to 1.
    public var weight: Double
    /// What the backend serves to units in this variant.
    public var payload: VariantPayload

    public init(key: String, weight: Double, payload: VariantPayload) {
        self.key = key
        self.weight = weight
        self.payload = payload
    }
}
