import RampartCore

/// The semantic checks on an experiment that reading alone cannot make: weights, references, ranges, metrics.
enum ExperimentValidator {
    static func validate(_ experiment: inout Experiment, reader: inout YAMLReader) {
        if !experiment.key.isEmpty, !isValidKey(experiment.key) {
            reader.fail("key", "'\(experiment.key)' must be lower-case letters, digits, '-', '_' or '.'", at: nil)
        }
        if experiment.unit.isEmpty { reader.fail("unit", "must not be empty", at: nil) }
        if experiment.phase < 0 { reader.fail("phase", "must be 0 or more, found \(experiment.phase)", at: nil) }
        checkVariants(experiment, reader: &reader)
        checkCoverageAndRamp(experiment, reader: &reader)
        checkNamespace(experiment, reader: &reader)
        checkAnalysis(experiment.analysis, reader: &reader)
        ExperimentLoader.checkSegmentGuardrails(experiment, reader: &reader)
        checkSequentialMethod(experiment, reader: &reader)
        if let targeting = experiment.targeting {
            for problem in Condition.problems(in: targeting, path: "targeting") {
                reader.fail(problem.path, problem.message, at: nil)
            }
        }
        checkPrimary(experiment, reader: &reader)
        MetricValidator.check(experiment.metrics, reader: &reader)
    }

    private static func checkVariants(_ experiment: Experiment, reader: inout YAMLReader) {
        let variants = experiment.variants
        if variants.count < 2 {
            reader.fail("variants", "an experiment needs at least two variants, found \(variants.count)", at: nil)
        }
        var seen: Set<String> = []
        for (index, variant) in variants.enumerated() {
            let field = "variants[\(index)]"
            if variant.key.isEmpty {
                reader.fail("\(field).key", "must not be empty", at: nil)
            } else if !seen.insert(variant.key).inserted {
                reader.fail("\(field).key", "duplicate variant '\(variant.key)'", at: nil)
            }
            if !variant.weight.isNaN, !(0...1).contains(variant.weight) {
                reader.fail("\(field).weight", "must be between 0 and 1, found \(variant.weight)", at: nil)
            }
        }
        let weights = variants.map(\.weight)
        if !weights.isEmpty, !weights.contains(where: \.isNaN) {
            let total = weights.reduce(0, +)
            if abs(total - 1) > 1e-9 {
                reader.fail("variants", "weights must sum to 1, they sum to \(format(total))", at: nil)
            }
        }
        if !variants.isEmpty, !variants.contains(where: { $0.key == experiment.control }) {
            reader.fail("control", "'\(experiment.control)' is not one of the variants (\(variants.map(\.key).joined(separator: ", ")))", at: nil)
        }
        if experiment.status == .shipped {
            if let shipped = experiment.shippedVariant {
                if !variants.contains(where: { $0.key == shipped }) {
                    reader.fail("shipped_variant", "'\(shipped)' is not one of the variants", at: nil)
                }
            } else {
                reader.fail("shipped_variant", "is required when status is shipped", at: nil)
            }
        } else if experiment.shippedVariant != nil {
            reader.fail("shipped_variant", "is only used when status is shipped", at: nil, severity: .warning)
        }
    }

    private static func checkCoverageAndRamp(_ experiment: Experiment, reader: inout YAMLReader) {
        if !(0...1).contains(experiment.coverage) {
            reader.fail("coverage", "must be between 0 and 1, found \(experiment.coverage)", at: nil)
        }
        var previous = 0.0
        for (index, step) in experiment.ramp.enumerated() {
            let field = "ramp[\(index)]"
            if step.coverage.isNaN { continue }
            if !(step.coverage > 0 && step.coverage <= 1) {
                reader.fail("\(field).coverage", "must be in (0, 1], found \(step.coverage)", at: nil)
            } else if step.coverage <= previous {
                reader.fail("\(field).coverage", "steps must increase: \(step.coverage) follows \(previous)", at: nil)
            }
            previous = max(previous, step.coverage)
            if step.minDuration < 0 { reader.fail("\(field).min_duration", "must not be negative", at: nil) }
            if step.minUnitsPerVariant < 0 { reader.fail("\(field).min_units_per_variant", "must not be negative", at: nil) }
        }
        let stages = experiment.ramp.map(\.coverage)
        if stages.isEmpty, experiment.status == .running, experiment.coverage < 1 {
            reader.fail("ramp", "is empty while coverage is \(format(experiment.coverage)) < 1: the verdict can never advance (there is no next stage) or ship (there is no last stage); add a ramp plan, or set coverage: 1", at: nil, severity: .warning)
        }
        if !stages.isEmpty, experiment.status == .running, !stages.contains(where: { abs($0 - experiment.coverage) < 1e-12 }) {
            reader.fail("coverage", "\(experiment.coverage) is not one of the ramp's stages (\(stages.map(format).joined(separator: ", ")))", at: nil, severity: .warning)
        }
    }

    private static func checkNamespace(_ experiment: Experiment, reader: inout YAMLReader) {
        guard let namespace = experiment.namespace else { return }
        if namespace.id.isEmpty { reader.fail("namespace.id", "must not be empty", at: nil) }
        if !(0 <= namespace.start && namespace.start < namespace.end && namespace.end <= 1) {
            reader.fail("namespace.range", "expected 0 <= start < end <= 1, found [\(namespace.start), \(namespace.end)]", at: nil)
        }
    }

    private static func checkAnalysis(_ analysis: AnalysisSettings, reader: inout YAMLReader) {
        if !(analysis.alpha > 0 && analysis.alpha < 0.5) {
            reader.fail("alpha", "must be in (0, 0.5), found \(analysis.alpha)", at: nil)
        }
        if !(analysis.sequentialTuning > 0) {
            reader.fail("sequential_tuning", "must be positive, found \(analysis.sequentialTuning)", at: nil)
        }
        if !(analysis.srmThreshold > 0 && analysis.srmThreshold < 1) {
            reader.fail("srm_threshold", "must be in (0, 1), found \(analysis.srmThreshold)", at: nil)
        }
        if !(analysis.advanceRisk > 0 && analysis.advanceRisk < 1) {
            reader.fail("advance_risk", "must be in (0, 1): the largest probability of a guardrail being beyond its threshold at which the rollout may still advance, found \(format(analysis.advanceRisk))", at: nil)
        }
        if !(analysis.servedMismatchThreshold >= 0 && analysis.servedMismatchThreshold < 1) {
            reader.fail("served_mismatch_threshold", "must be in [0, 1): the largest share of a variant's LLM events running another prompt version or model at which the rollout may still move, found \(format(analysis.servedMismatchThreshold))", at: nil)
        }
        if let url = analysis.traceURL, let problem = TraceLink.problem(template: url) {
            reader.fail("trace_url", problem, at: nil)
        }
    }

    /// An α-spending design named with fixed-horizon tests is ignored (a warning), and a calendar horizon must leave
    /// the ramp's last stage time to decide.
    private static func checkSequentialMethod(_ experiment: Experiment, reader: inout YAMLReader) {
        guard case .alphaSpending = experiment.analysis.sequentialMethod else { return }
        if !experiment.analysis.sequential, reader.positions["sequential_method"] != nil {
            reader.fail("sequential_method", "alpha_spending is ignored with sequential: false (fixed-horizon tests)", at: nil, severity: .warning)
        }
        // The ramp's minimum durations before the last stage: if they reach the horizon, the last stage starts after
        // the primary's alpha is spent, so the rollout could never ship.
        if experiment.analysis.sequential, let horizon = experiment.sequentialHorizonDays {
            let days = experiment.ramp.dropLast().reduce(0.0) { $0 + $1.minDuration } / 86_400
            if days >= Double(horizon) {
                reader.fail("sequential_method", "the ramp's minimum durations before its last stage add up to \(format(days)) days, at or past the alpha-spending horizon of \(horizon) days: the primary could not decide at the last stage; set alpha_spending.horizon_days above \(format(days))", at: nil)
            }
        }
    }

    /// A running (or paused) experiment is judged, so it needs exactly one primary metric. (Several primaries, or
    /// metrics without a primary, are reported by ``MetricValidator`` whatever the status.)
    private static func checkPrimary(_ experiment: Experiment, reader: inout YAMLReader) {
        guard experiment.metrics.isEmpty, experiment.status == .running || experiment.status == .paused else { return }
        reader.fail("metrics", "a \(experiment.status.rawValue) experiment needs metrics, exactly one of them with role primary: without one its verdict can never be justified", at: nil)
        // Point at the status line, which is what makes the metrics required, when there is no metrics key.
        if reader.positions["metrics"] == nil, let status = reader.positions["status"] {
            reader.overrideLastPosition(status)
        }
    }

    /// Checks that span files: duplicate keys, and overlapping slices of one namespace among live experiments.
    static func crossCheck(_ loaded: inout [LoadedExperiment]) {
        var firstFile: [String: String] = [:]
        var slices: [(index: Int, namespace: Namespace, key: String)] = []
        for index in loaded.indices {
            guard let experiment = loaded[index].experiment, !experiment.key.isEmpty else { continue }
            let position = loaded[index].positions["key"] ?? .file
            if let other = firstFile[experiment.key] {
                loaded[index].problems.append(ConfigProblem(
                    file: loaded[index].file, line: position.line, column: position.column, field: "key",
                    message: "experiment key '\(experiment.key)' is also defined in \(other)"
                ))
            } else {
                firstFile[experiment.key] = loaded[index].file
            }
            guard let namespace = experiment.namespace, experiment.status == .running || experiment.status == .paused
            else { continue }
            for other in slices where other.namespace.overlaps(namespace) {
                let p = loaded[index].positions["namespace"] ?? .file
                loaded[index].problems.append(ConfigProblem(
                    file: loaded[index].file, line: p.line, column: p.column, field: "namespace.range",
                    message: "overlaps '\(other.key)' in namespace '\(namespace.id)': experiments sharing a namespace must own disjoint ranges"
                ))
            }
            slices.append((index, namespace, experiment.key))
        }
    }

    /// Whether `key` is lower-case letters, digits, '-', '_' or '.', starting with a letter or digit.
    static func isValidKey(_ key: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
        guard let first = key.first, first.isLetter || first.isNumber else { return false }
        return key.allSatisfy(allowed.contains)
    }

    static func format(_ x: Double) -> String {
        String(format: "%g", x)
    }
}
