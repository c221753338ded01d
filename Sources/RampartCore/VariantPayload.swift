/// What a variant tells a backend to serve: the prompt version and the model that runs it.
public struct VariantPayload: Sendable, Hashable, Codable {
    /// The prompt's stable name, e.g. `support_answer`.
    public var promptName: String
    /// The immutable prompt version, e.g. `pv_2026_06_04_003`.
    public var promptVersionId: String
    /// The model identifier, e.g. `gpt-4.1-mini`.
    public var model: String
    /// The model provider, e.g. `openai`.
    public var provider: String
    /// Free-form generation parameters: temperature, max tokens, tools, and so on.
    public var parameters: [String: JSONValue]

    public init(
        promptName: String,
        promptVersionId: String,
        model: String,
        provider: String,
        parameters: [String: JSONValue] = [:]
    ) {
        self.promptName = promptName
        self.promptVersionId = promptVersionId
        self.model = model
        self.provider = provider
        self.parameters = parameters
    }

    enum CodingKeys: String, CodingKey {
        case promptName = "prompt_name"
        case promptVersionId = "prompt_version_id"
        case model, provider, parameters
    }

    /// The payload as one JSON object, as OFREP and `rampart assign` return it.
    public var jsonValue: JSONValue {
        .object([
            "prompt_name": .string(promptName),
            "prompt_version_id": .string(promptVersionId),
            "model": .string(model),
            "provider": .string(provider),
            "parameters": .object(parameters),
        ])
    }
}
