import Foundation

/// Turns an experiment snapshot into a verdict. The rules, in the order they apply, are documented in
/// docs/rollouts.md; each is a product decision, made explicit here so that it can be tested.
public enum VerdictPolicy {
    /// Decides what to do next.
    ///
    /// - Parameter snapshot: The experiment, its stage, its units, its SRM test and its metric assessments.
    /// - Returns: The action and every reason, with numbers.
    public static func decide(_ snapshot: ExperimentSnapshot) -> Verdict {
        let experiment = snapshot.experiment
        var context = contextReasons(snapshot)
        guard experiment.status == .running else {
            let reason = VerdictReason(.notRunning, "the experiment is \(experiment.status.rawValue), not running", decisive: true)
            return Verdict(action: .hold, reasons: [reason] + context)
        }

        // 1. Roll back as soon as a guardrail regresses or the split is broken.
        var rollback: [VerdictReason] = []
        if let p = snapshot.srmPValue, p < experiment.analysis.srmThreshold {
            rollback.append(VerdictReason(.sampleRatioMismatch, "sample ratio mismatch: p = \(VerdictFormat.pValue(p)) < \(VerdictFormat.number(experiment.analysis.srmThreshold)) (\(VerdictFormat.units(snapshot)) at \(VerdictFormat.weights(experiment)))", decisive: true))
        }
        for a in snapshot.assessments where a.role == .guardrail && a.outcome == .fail {
            rollback.append(VerdictReason(.guardrailRegression, metric: a.metric, variant: a.variant, segment: a.segment, VerdictFormat.describe(a, direction: direction(of: a, in: experiment)), decisive: true))
        }
        if !rollback.isEmpty {
            return Verdict(action: .rollback, reasons: rollback + context.filter { $0.kind != .guardrailRegression })
        }

        // 2. Stop when the primary metric is significantly worse.
        let primaryLosses = snapshot.assessments.filter { $0.role == .primary && $0.outcome == .fail }
        if !primaryLosses.isEmpty {
            let reasons = primaryLosses.map {
                VerdictReason(.primaryLoss, metric: $0.metric, variant: $0.variant, segment: $0.segment, VerdictFormat.describe($0, direction: direction(of: $0, in: experiment)), decisive: true)
            }
            return Verdict(action: .stop, reasons: reasons + context.filter { $0.kind != .primaryLoss })
        }

        // 3. Hold on missing data (a missing primary metric included), warnings, a guardrail probably beyond its
        // threshold, too few units or too little time. Never advance or ship on missing data or on leaning evidence.
        var hold: [VerdictReason] = missingReasons(snapshot)
        hold += snapshot.warnings.map { VerdictReason(.dataQuality, "data-quality warning: \($0)", decisive: true) }
        let servedThreshold = experiment.analysis.servedMismatchThreshold
        hold += snapshot.servedMismatches.filter { $0.exceeds(servedThreshold) }.map {
            VerdictReason(.dataQuality, variant: $0.variant, "served vs. ran: \($0.message(threshold: servedThreshold))", decisive: true)
        }
        if snapshot.srmPValue == nil {
            hold.append(VerdictReason(.missingMetric, "the sample-ratio test could not be computed (no enrolled units?)", decisive: true))
        }
        hold += atRiskReasons(snapshot)
        let (minimumReasons, minimumsMet) = stageMinimums(snapshot)
        if !minimumsMet { hold += minimumReasons }
        if !hold.isEmpty {
            return Verdict(action: .hold, reasons: hold + (minimumsMet ? minimumReasons : []) + context)
        }
        context = minimumReasons + context

        // 4. At the last stage, ship only on evidence: the primary wins and every guardrail is non-inferior.
        if snapshot.isLastStage {
            let unproven = snapshot.assessments.filter { ($0.role == .primary || $0.role == .guardrail) && $0.outcome != .pass }
            if unproven.isEmpty {
                let last = VerdictReason(.lastStage, "last stage reached (coverage \(VerdictFormat.percent(experiment.coverage)))", decisive: true)
                return Verdict(action: .ship, reasons: [last] + context.map { promote($0, kinds: [.primaryWin, .guardrailNoninferior]) })
            }
            let reasons = unproven.map {
                VerdictReason($0.role == .primary ? .primaryInconclusive : .guardrailInconclusive, metric: $0.metric, variant: $0.variant, segment: $0.segment, VerdictFormat.describe($0, direction: direction(of: $0, in: experiment)), decisive: true)
            }
            return Verdict(action: .hold, reasons: reasons + context.filter { r in !reasons.contains { $0.metric == r.metric && $0.variant == r.variant && $0.segment == r.segment } })
        }

        // 5. Otherwise advance: minimums met and no guardrail regresses.
        return Verdict(action: .advance, reasons: context.map { promote($0, kinds: [.stageMinimumsMet]) })
    }

    static func direction(of assessment: MetricAssessment, in experiment: Experiment) -> MetricDirection {
        experiment.metric(assessment.metric)?.direction ?? .increase
    }

    static func promote(_ reason: VerdictReason, kinds: Set<VerdictReason.Kind>) -> VerdictReason {
        var r = reason
        if kinds.contains(r.kind) { r.decisive = true }
        return r
    }

    /// The non-decisive description of every assessment and of the SRM test.
    static func contextReasons(_ snapshot: ExperimentSnapshot) -> [VerdictReason] {
        var reasons: [VerdictReason] = []
        for a in snapshot.assessments where a.outcome != .missing {
            let kind: VerdictReason.Kind
            switch (a.role, a.outcome) {
            case (.primary, .pass): kind = .primaryWin
            case (.primary, .fail): kind = .primaryLoss
            case (.primary, _): kind = .primaryInconclusive
            case (_, .pass): kind = .guardrailNoninferior
            case (_, .fail): kind = .guardrailRegression
            default: kind = .guardrailInconclusive
            }
            reasons.append(VerdictReason(kind, metric: a.metric, variant: a.variant, segment: a.segment, VerdictFormat.describe(a, direction: direction(of: a, in: snapshot.experiment))))
        }
        if let p = snapshot.srmPValue, p >= snapshot.experiment.analysis.srmThreshold {
            reasons.append(VerdictReason(.sampleRatioOK, "traffic split as configured: SRM p = \(VerdictFormat.pValue(p)) (\(VerdictFormat.units(snapshot)))"))
        }
        return reasons
    }

    /// Guardrails that are not shown regressing yet but whose probability of being beyond their threshold is above
    /// the experiment's `advance_risk`: the evidence leans towards harm, so the rollout must not widen.
    static func atRiskReasons(_ snapshot: ExperimentSnapshot) -> [VerdictReason] {
        let limit = snapshot.experiment.analysis.advanceRisk
        return snapshot.assessments.compactMap { a in
            guard a.role == .guardrail, a.outcome != .fail, a.outcome != .missing,
                let risk = a.probabilityBeyondThreshold, risk > limit
            else { return nil }
            let message = VerdictFormat.atRisk(a, direction: direction(of: a, in: snapshot.experiment), limit: limit)
            return VerdictReason(.guardrailAtRisk, metric: a.metric, variant: a.variant, segment: a.segment, message, decisive: true)
        }
    }

    /// Primary and guardrail metrics with no usable number, including those not assessed at all, and the absence of
    /// a primary metric: without one nothing shows the treatment is better.
    static func missingReasons(_ snapshot: ExperimentSnapshot) -> [VerdictReason] {
        var reasons: [VerdictReason] = []
        let e = snapshot.experiment
        if e.primaryMetric == nil {
            reasons.append(VerdictReason(.missingMetric, "the experiment has no primary metric: nothing can show the treatment is better, so it neither advances nor ships", decisive: true))
        }
        let treatments = e.variants.map(\.key).filter { $0 != e.control }
        for metric in e.metrics where metric.role == .primary || metric.role == .guardrail {
            for variant in treatments {
                let found = snapshot.assessments.first { $0.metric == metric.key && $0.variant == variant && $0.segment == nil }
                if let found, found.outcome != .missing { continue }
                let why = found?.problem ?? "no result"
                reasons.append(VerdictReason(.missingMetric, metric: metric.key, variant: variant, "\(metric.name) (\(variant)) is missing: \(why)", decisive: true))
            }
        }
        // A segment guardrail the experiment opted in to is a guardrail too: without its number nothing shows the
        // segment is safe.
        for a in snapshot.assessments where a.segment != nil && a.outcome == .missing {
            reasons.append(VerdictReason(.missingMetric, metric: a.metric, variant: a.variant, segment: a.segment, "\(a.name) (\(a.variant)) is missing: \(a.problem ?? "no result")", decisive: true))
        }
        return reasons
    }

    /// Whether the current stage's minimum duration and units per variant are met, with reasons either way.
    static func stageMinimums(_ snapshot: ExperimentSnapshot) -> ([VerdictReason], Bool) {
        let e = snapshot.experiment
        guard let stage = snapshot.stage else {
            if e.ramp.isEmpty, e.coverage < 1 {
                // Without a plan there is no next stage: ADVANCE would name a step that does not exist.
                return ([VerdictReason(.noRampPlan, "no ramp plan: coverage \(VerdictFormat.percent(e.coverage)) is below 100% and there is no next stage to advance to; add a ramp plan, or ship or roll back by hand", decisive: true)], false)
            }
            if e.ramp.isEmpty { return ([], true) }
            return ([VerdictReason(.tooFewUnits, "coverage \(VerdictFormat.percent(e.coverage)) is not a stage of the ramp plan", decisive: true)], false)
        }
        var reasons: [VerdictReason] = []
        var met = true
        let number = (snapshot.stageIndex ?? 0) + 1
        let elapsed = snapshot.stageStartedAt.map { max(snapshot.now.timeIntervalSince($0), 0) } ?? 0
        if snapshot.stageStartedAt == nil {
            met = false
            let moment = RFC3339.format(milliseconds: Int64((snapshot.now.timeIntervalSince1970 * 1_000).rounded(.down)))
            reasons.append(VerdictReason(.stageTooShort, "stage \(number) had not started by \(moment): no exposure of this phase yet, or the stage was entered later", decisive: true))
        } else if elapsed < stage.minDuration {
            met = false
            reasons.append(VerdictReason(.stageTooShort, "stage \(number) has run \(VerdictFormat.duration(elapsed)) of its minimum \(VerdictFormat.duration(stage.minDuration))", decisive: true))
        }
        let counts = e.variants.map { ($0.key, snapshot.unitsPerVariant[$0.key] ?? 0) }
        let short = counts.filter { $0.1 < max(stage.minUnitsPerVariant, 1) }
        if !short.isEmpty {
            met = false
            let list = short.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            reasons.append(VerdictReason(.tooFewUnits, "too few units: \(list) of the \(max(stage.minUnitsPerVariant, 1)) per variant stage \(number) requires", decisive: true))
        }
        if met {
            let list = counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            reasons.append(VerdictReason(.stageMinimumsMet, "stage \(number) minimums met: \(VerdictFormat.duration(elapsed)) ≥ \(VerdictFormat.duration(stage.minDuration)), units \(list) ≥ \(stage.minUnitsPerVariant) per variant"))
        }
        return (reasons, met)
    }
}
