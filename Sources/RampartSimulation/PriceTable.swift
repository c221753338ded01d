/// List prices of models in USD per million tokens, used to derive `estimated_cost_usd` from token counts.
struct PriceTable: Sendable {
    struct Price: Sendable, Codable {
        var inputPerMillion: Double
        var outputPerMillion: Double
    }

    var prices: [String: Price]

    /// OpenAI's published prices for the models the bundled experiments use.
    static let standard = PriceTable(prices: [
        "gpt-4.1": Price(inputPerMillion: 2.00, outputPerMillion: 8.00),
        "gpt-4.1-mini": Price(inputPerMillion: 0.40, outputPerMillion: 1.60),
        "gpt-4.1-nano": Price(inputPerMillion: 0.10, outputPerMillion: 0.40),
        "gpt-4o": Price(inputPerMillion: 2.50, outputPerMillion: 10.00),
        "gpt-4o-mini": Price(inputPerMillion: 0.15, outputPerMillion: 0.60),
    ])

    /// The cost of one request; unknown models are priced like gpt-4.1-mini.
    func cost(model: String, input: Int, output: Int) -> Double {
        let price = prices[model] ?? prices["gpt-4.1-mini"]!
        return (Double(input) * price.inputPerMillion + Double(output) * price.outputPerMillion) / 1_000_000
    }
}
