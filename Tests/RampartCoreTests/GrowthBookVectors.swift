import Foundation
import RampartCore

/// The public GrowthBook SDK test cases in Tests/Fixtures/growthbook-cases.json.
enum GrowthBookVectors {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/growthbook-cases.json")

    static let all: [String: JSONValue] = {
        do {
            let data = try Data(contentsOf: url)
            return try JSONDecoder().decode(JSONValue.self, from: data).objectValue ?? [:]
        } catch {
            return [:]
        }
    }()

    /// The cases of one section, each an array of JSON values.
    static func section(_ name: String) -> [[JSONValue]] {
        (all[name]?.arrayValue ?? []).compactMap(\.arrayValue)
    }
}
