import RampartCore

extension Experiment {
    /// The definition in the experiment-file format (docs/experiment-format.md), as JSON: the keys and shapes that
    /// YAML files, `POST /v1/experiments` and `PUT /v1/experiments/{key}` accept, so that what
    /// `GET /v1/experiments/{key}` returns can be saved as a file or sent back unchanged.
    ///
    /// Every field is written, defaults included, so the text says everything in force; optional fields that are
    /// unset (targeting, namespace, shipped variant, a metric's event, threshold, …) are left out, as a file
    /// would. Durations are written in seconds. ``ExperimentLoader/parse(yaml:file:)`` reads the text back into an
    /// equal `Experiment`.
    public var fileFormat: JSONValue {
        var object: [String: JSONValue] = [
            "key": .string(key),
            "name": .string(name),
            "description": .string(description),
            "owner": .string(owner),
            "hypothesis": .string(hypothesis),
            "status": .string(status.rawValue),
            "unit": .string(unit),
            "salt": .string(salt),
            "phase": .number(Double(phase)),
            "variants": .array(variants.map { variant in
                .object(["key": .string(variant.key), "weight": .number(variant.weight), "payload": variant.payload.jsonValue])
            }),
            "control": .string(control),
            "coverage": .number(coverage),
            "ramp": .array(ramp.map { step in
                .object([
                    "coverage": .number(step.coverage),
                    "min_duration": .number(step.minDuration),
                    "min_units_per_variant": .number(Double(step.minUnitsPerVariant)),
                    "requires_approval": .bool(step.requiresApproval),
                ])
            }),
            "metrics": .array(metrics.map(\.fileFormat)),
            "alpha": .number(analysis.alpha),
            "sequential": .bool(analysis.sequential),
            "sequential_tuning": .number(analysis.sequentialTuning),
            "sequential_method": analysis.sequentialMethod.fileFormat,
            "srm_threshold": .number(analysis.srmThreshold),
            "advance_risk": .number(analysis.advanceRisk),
            "served_mismatch_threshold": .number(analysis.servedMismatchThreshold),
        ]
        object["trace_url"] = analysis.traceURL.map(JSONValue.string)
        object["segments"] = .array(analysis.segments.map(JSONValue.string))
        object["segment_min_units"] = .number(Double(analysis.segmentMinimumUnits))
        object["targeting"] = targeting
        object["namespace"] = namespace.map { .object(["id": .string($0.id), "range": [.number($0.start), .number($0.end)]]) }
        object["shipped_variant"] = shippedVariant.map(JSONValue.string)
        return .object(object)
    }
}
