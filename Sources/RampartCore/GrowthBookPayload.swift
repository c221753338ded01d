import Foundation

/// Rampart's experiments as a GrowthBook SDK payload (`GET /api/features/{sdk-key}`), so that GrowthBook's SDKs
/// assign in-process exactly as Rampart assigns (docs/integrations.md).
///
/// Each experiment is a feature keyed by the experiment key:
///
/// - running: `defaultValue` is the control payload, and one experiment rule carries `key`, `seed` (the salt, or
///   `salt:phase`), `hashVersion: 2`, `hashAttribute` (the experiment's unit attribute), `coverage` (the coverage
///   in force, i.e. the ramp stage), `weights`, `variations` (the variant payloads, in Rampart's order, so the
///   bucket ranges are Rampart's), `meta` (the variant keys), `condition` (the targeting), `namespace`
///   (`[id, start, end]`), `phase`, and `disableStickyBucketing: true` (Rampart's ranges are the only stickiness).
///   A unit outside every range falls through to `defaultValue`, Rampart's control payload.
/// - shipped: `defaultValue` is the shipped variant's payload, no rules (Rampart's `STATIC`).
/// - draft, paused, stopped: `defaultValue` is the control payload, no rules (Rampart's `DISABLED`).
///
/// An experiment that GrowthBook's format cannot express exactly is left out and listed in ``omitted`` with the
/// reason, never served in a form that could assign differently (``omissionReason(_:)``).
public struct GrowthBookPayload: Sendable {
    /// An experiment left out of the payload, and why.
    public struct Omission: Sendable, Hashable {
        public var key: String
        public var reason: String
    }

    /// The `features` object.
    public var features: [String: JSONValue]
    /// The experiments left out.
    public var omitted: [Omission]

    /// Builds the payload.
    ///
    /// - Parameter experiments: The experiments, each with the coverage currently in force.
    public init(_ experiments: [Experiment]) {
        features = [:]
        omitted = []
        for experiment in experiments.sorted(by: { $0.key < $1.key }) {
            if let reason = Self.omissionReason(experiment) {
                omitted.append(Omission(key: experiment.key, reason: reason))
            } else {
                features[experiment.key] = Self.feature(experiment)
            }
        }
    }

    /// The whole response body: `features`, an empty `experiments` list (no visual-editor experiments),
    /// `dateUpdated`, and Rampart's metadata (`rampart.version`, `rampart.omitted`).
    ///
    /// - Parameter version: The configuration version the payload was built from.
    public func body(version: String) -> JSONValue {
        [
            "status": 200,
            "features": .object(features),
            "experiments": [],
            "rampart": [
                "version": .string(version),
                "omitted": .array(omitted.map { ["key": .string($0.key), "reason": .string($0.reason)] }),
            ],
        ]
    }

    /// Why an experiment cannot be served to GrowthBook's SDKs exactly, or `nil` when it can.
    ///
    /// - Fewer than two variants: GrowthBook skips such an experiment rule.
    /// - A targeting condition with problems (`Condition.problems`): Rampart fails closed on malformed conditions,
    ///   where GrowthBook's SDKs behave each in their own way.
    /// - `$regex` / `$regexi`: Rampart's ICU patterns and each SDK's regular-expression engine differ at the edges.
    /// - `$inGroup` / `$notInGroup`: saved groups are not part of the payload Rampart serves.
    ///
    /// - Parameter experiment: The experiment.
    public static func omissionReason(_ experiment: Experiment) -> String? {
        if experiment.status == .running, experiment.variants.count < 2 {
            return "a running experiment needs at least two variants in GrowthBook's format"
        }
        guard let targeting = experiment.targeting else { return nil }
        let problems = Condition.problems(in: targeting, path: "targeting")
        if let first = problems.first {
            return "the targeting condition has problems (\(first.path): \(first.message)); Rampart fails closed on it and GrowthBook's SDKs would not"
        }
        let operators = Self.operators(in: targeting)
        if let regex = ["$regex", "$regexi"].first(where: operators.contains) {
            return "the targeting uses \(regex): Rampart's ICU regular expressions and the SDKs' engines can disagree"
        }
        if let group = ["$inGroup", "$notInGroup"].first(where: operators.contains) {
            return "the targeting uses \(group): saved groups are not served in the payload"
        }
        return nil
    }

    /// The feature for an experiment that can be expressed.
    static func feature(_ experiment: Experiment) -> JSONValue {
        let control = (experiment.controlVariant ?? experiment.variants.first)?.payload.jsonValue ?? .null
        switch experiment.status {
        case .draft, .paused, .stopped:
            return ["defaultValue": control, "rules": []]
        case .shipped:
            let shipped = experiment.shippedVariant.flatMap { key in experiment.variants.first { $0.key == key } }
            return ["defaultValue": shipped?.payload.jsonValue ?? control, "rules": []]
        case .running:
            break
        }
        var rule: [String: JSONValue] = [
            "id": .string("rampart-\(experiment.key)"),
            "key": .string(experiment.key),
            "name": .string(experiment.name),
            "seed": .string(experiment.seed),
            "hashVersion": 2,
            "hashAttribute": .string(experiment.unit),
            "coverage": .number(min(max(experiment.coverage, 0), 1)),
            "weights": .array(experiment.variants.map { .number($0.weight) }),
            "variations": .array(experiment.variants.map(\.payload.jsonValue)),
            "meta": .array(experiment.variants.map { ["key": .string($0.key), "name": .string($0.key)] }),
            "phase": .string(String(experiment.phase)),
            "disableStickyBucketing": true,
        ]
        if let targeting = experiment.targeting { rule["condition"] = targeting }
        if let namespace = experiment.namespace {
            rule["namespace"] = [.string(namespace.id), .number(namespace.start), .number(namespace.end)]
        }
        return ["defaultValue": control, "rules": [.object(rule)]]
    }

    /// Every `$`-key used anywhere in a condition.
    static func operators(in value: JSONValue) -> Set<String> {
        switch value {
        case .object(let members):
            var found = Set(members.keys.filter { $0.hasPrefix("$") })
            for member in members.values { found.formUnion(operators(in: member)) }
            return found
        case .array(let elements):
            return elements.reduce(into: Set<String>()) { $0.formUnion(operators(in: $1)) }
        default:
            return []
        }
    }
}
