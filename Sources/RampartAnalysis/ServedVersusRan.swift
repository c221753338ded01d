import Foundation
import RampartCore
import RampartStore

/// "Served vs. ran" in the report (`served_vs_ran`): per variant, the share of its units' LLM events whose
/// `prompt_version_id` or `model` differs from what the variant serves, and the most frequent mismatching values.
public struct ServedVersusRan: Sendable, Codable {
    /// How many mismatching combinations each variant lists.
    public static let topCount = 5

    /// The experiment's `served_mismatch_threshold`: above it the verdict holds with `data_quality`.
    public var threshold: Double
    /// The LLM event names read.
    public var events: [String]
    public var variants: [Variant]

    /// One variant's events against its payload.
    public struct Variant: Sendable, Codable {
        public var variant: String
        /// What the variant serves.
        public var servedPromptVersionId: String
        public var servedModel: String
        /// LLM events naming a prompt version or a model.
        public var events: Int
        /// Those naming another prompt version or model than the variant serves.
        public var mismatched: Int
        /// `mismatched / events`; `null` without events (with `problem`).
        public var share: Double?
        /// Whether `share` is above the threshold (the verdict holds).
        public var aboveThreshold: Bool
        /// The mismatching combinations, most frequent first (at most ``ServedVersusRan/topCount``).
        public var top: [RanValue]
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case variant, events, mismatched, share, top, problem
            case servedPromptVersionId = "served_prompt_version_id"
            case servedModel = "served_model"
            case aboveThreshold = "above_threshold"
        }

        /// Every key, `null` when unknown.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(variant, forKey: .variant)
            try c.encode(servedPromptVersionId, forKey: .servedPromptVersionId)
            try c.encode(servedModel, forKey: .servedModel)
            try c.encode(events, forKey: .events)
            try c.encode(mismatched, forKey: .mismatched)
            try c.encode(share, forKey: .share)
            try c.encode(aboveThreshold, forKey: .aboveThreshold)
            try c.encode(top, forKey: .top)
            try c.encode(problem, forKey: .problem)
        }

        /// The verdict policy's view of this row.
        var mismatch: ServedMismatch {
            ServedMismatch(variant: variant, events: events, mismatched: mismatched, mostFrequent: top.first?.description)
        }
    }

    /// A prompt version and model that ran, and on how many events.
    public struct RanValue: Sendable, Codable, CustomStringConvertible {
        public var promptVersionId: String?
        public var model: String?
        public var events: Int

        enum CodingKeys: String, CodingKey {
            case model, events
            case promptVersionId = "prompt_version_id"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(promptVersionId, forKey: .promptVersionId)
            try c.encode(model, forKey: .model)
            try c.encode(events, forKey: .events)
        }

        /// "prompt_version_id pv_…, model gpt-4.1-mini (40 events)"; a missing field says "none".
        public var description: String {
            "prompt_version_id \(promptVersionId ?? "none"), model \(model ?? "none") (\(events) events)"
        }
    }

    /// Compares the store's counts with each variant's payload.
    ///
    /// - Parameters:
    ///   - experiment: The experiment (variants, payloads, threshold).
    ///   - counts: The store's ``DecisionQualityStore/ranVersions(in:)``.
    public init(_ experiment: Experiment, counts: [RanVersionCount]) {
        let threshold = experiment.analysis.servedMismatchThreshold
        self.threshold = threshold
        events = RanVersionCount.eventNames
        variants = experiment.variants.map { variant in
            let payload = variant.payload
            let rows = counts.filter { $0.variant == variant.key }
            let wrong = rows.filter {
                ($0.promptVersionId != nil && $0.promptVersionId != payload.promptVersionId) || ($0.model != nil && $0.model != payload.model)
            }
            let total = rows.reduce(0) { $0 + $1.events }
            let mismatched = wrong.reduce(0) { $0 + $1.events }
            let top = wrong.sorted { ($0.events, $1.promptVersionId ?? "", $1.model ?? "") > ($1.events, $0.promptVersionId ?? "", $0.model ?? "") }
                .prefix(Self.topCount).map { RanValue(promptVersionId: $0.promptVersionId, model: $0.model, events: $0.events) }
            let share = total > 0 ? Double(mismatched) / Double(total) : nil
            return Variant(
                variant: variant.key, servedPromptVersionId: payload.promptVersionId, servedModel: payload.model,
                events: total, mismatched: mismatched, share: share, aboveThreshold: (share ?? 0) > threshold, top: Array(top),
                problem: total == 0 ? "no LLM event of this variant's units names a prompt version or a model" : nil
            )
        }
    }

    /// The verdict policy's view: every variant's mismatch.
    public var mismatches: [ServedMismatch] { variants.map(\.mismatch) }

    /// The report's warnings: one per variant above the threshold.
    public var warnings: [String] {
        variants.filter(\.aboveThreshold).map { $0.mismatch.message(threshold: threshold) }
    }
}
