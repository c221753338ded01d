import Foundation
import RampartCore
import RampartStats

extension MetricAnalyzer {
    /// How far each treatment's primary or guardrail test is from a decision at the current traffic.
    ///
    /// Every test reads an estimate θ̂ with standard error SE over t units (control + treatment; the treatment alone
    /// for a ceiling), and decides when its interval leaves a boundary b (0, the margin or the ceiling). SE·√t is
    /// stable as units accrue, so the units at which the test reaches a decision with the target power, if the
    /// true value is θ (observed, or `settings.primaryEffect`), follow from ``PowerAnalysis`` on the scale
    /// SE·√t, and the days from the traffic (docs/statistics.md, "Power at the current traffic").
    ///
    /// - Parameters:
    ///   - metric: A primary or guardrail metric.
    ///   - arms: Its per-variant statistics.
    ///   - report: Its report (for the decisions already reached).
    ///   - unitsPerDay: Enrolled units per day and variant.
    ///   - settings: Target power and the primary effect to plan for.
    func plans(_ metric: MetricDefinition, arms: [String: ArmStatistics], report: MetricReport, unitsPerDay: [String: Double], settings: PlanSettings) -> [MetricPlan] {
        guard metric.role == .primary || metric.role == .guardrail else { return [] }
        return experiment.variants.filter { $0.key != experiment.control }.map { variant in
            plan(metric, variant: variant.key, arms: arms, outcome: report.variants.first { $0.variant == variant.key }?.outcome, unitsPerDay: unitsPerDay, settings: settings)
        }
    }

    private func plan(_ metric: MetricDefinition, variant: String, arms: [String: ArmStatistics], outcome: MetricAssessment.Outcome?, unitsPerDay: [String: Double], settings: PlanSettings) -> MetricPlan {
        let role = metric.role ?? .secondary
        var row = MetricPlan(
            metric: metric.key, name: metric.name, role: role, variant: variant, test: "effect", scale: "relative",
            units: 0, boundary: 0, assumption: settings.primaryEffect != nil && role == .primary ? "given" : "observed",
            decided: outcome == .pass || outcome == .fail
        )
        let direction: RampartStats.MetricDirection = metric.direction == .increase ? .higherIsBetter : .lowerIsBetter
        guard let control = arms[experiment.control], control.units > 0, let treatment = arms[variant], treatment.units > 0 else {
            row.problem = "no enrolled units in \(arms[experiment.control]?.units ?? 0 > 0 ? variant : "control") yet"
            return row
        }
        // The estimate, its standard error, the units behind it and the boundary, as the metric's own test reads them.
        var estimate: Double?, standardError: Double?, oneSided = true
        var rate = (unitsPerDay[experiment.control] ?? 0) + (unitsPerDay[variant] ?? 0)
        row.units = control.units + treatment.units
        switch (role, metric.threshold) {
        case (.primary, _):
            oneSided = false
            switch control.compare(treatment: treatment, test: EffectTest(settings: fixed)) {
            case .failure(let reason): row.problem = reason.description
            case .success(let test):
                let relative = test.relative.standardError != nil && test.relative.estimate != nil
                let effect = relative ? test.relative : test.absolute
                row.scale = relative ? "relative" : "absolute"
                estimate = effect.estimate
                standardError = effect.standardError
                if let given = settings.primaryEffect {
                    row.assumed = relative ? given : (test.control?.mean).map { $0 * given }
                }
                row.problem = effect.problem?.description
            }
        case (.guardrail, .relativeMargin(let m)), (.guardrail, .absoluteMargin(let m)):
            row.test = "margin"
            let margin: Margin = { if case .relativeMargin = metric.threshold { return .relative(m) } else { return .absolute(m) } }()
            row.scale = { if case .relative = margin { return "relative" } else { return "absolute" } }()
            row.boundary = direction == .lowerIsBetter ? m : -m
            switch control.guardrail(treatment: treatment, test: GuardrailTest(margin: margin, direction: direction, settings: deciding)) {
            case .failure(let reason): row.problem = reason.description
            case .success(let g):
                estimate = g.effect.estimate
                standardError = g.effect.standardError
                row.problem = g.problem?.description
            }
        case (.guardrail, .ceiling(let limit)):
            row.test = "ceiling"
            row.scale = "value"
            row.boundary = limit
            row.units = treatment.units
            rate = unitsPerDay[variant] ?? 0
            let c = treatment.ceiling(CeilingTest(ceiling: limit, settings: deciding))
            estimate = c.statistic.estimate
            standardError = c.statistic.standardError
            if standardError == nil, let e = estimate, let lower = c.statistic.lower, let upper = c.statistic.upper,
                let k = power(settings, oneSided: true).testMultiplier(units: Double(treatment.units), sequential: deciding.sequential), k > 0
            {
                // Quantiles: bounds come from order statistics; read the standard error back from the side that
                // faces the ceiling.
                standardError = (e < limit ? upper - e : e - lower) / k
            }
            row.problem = c.problem?.description
        default:
            row.problem = "the guardrail has no threshold"
        }
        row.unitsPerDay = rate > 0 ? rate : nil
        if row.assumed == nil { row.assumed = estimate.finite }
        guard row.problem == nil, let se = standardError, se.isFinite, se > 0, let assumed = row.assumed else {
            if row.problem == nil { row.problem = "no standard error yet" }
            return row
        }
        let t = Double(row.units)
        let scale = se * t.squareRoot()
        let analysis = power(settings, oneSided: oneSided)
        let variants = row.test == "ceiling" ? [variant] : [experiment.control, variant]
        let mde = !deciding.sequential
            ? analysis.fixedMinimumDetectableEffect(standardErrorScale: scale, units: t)
            : looks.map { analysis.spendingMinimumDetectableEffect(standardErrorScale: scale, units: t, plan: $0.plan(variants, before: .distantFuture)) }
                ?? analysis.sequentialMinimumDetectableEffect(standardErrorScale: scale, units: t)
        row.minimumDetectableEffect = try? mde.get()
        row.towards = towards(row.test, assumed: assumed, boundary: row.boundary, direction: metric.direction)
        let distance = assumed - row.boundary
        if deciding.sequential, let looks {
            return spendingPlan(row, looks: looks, variants: variants, distance: distance, scale: scale, analysis: analysis)
        }
        let needed = deciding.sequential
            ? analysis.sequentialUnits(effect: distance, standardErrorScale: scale)
            : analysis.fixedUnits(effect: distance, standardErrorScale: scale)
        switch needed {
        case .failure(let reason):
            row.problem = distance == 0 ? "the \(row.assumption) value sits on the boundary: no sample size decides it" : reason.description
        case .success(let units):
            row.unitsNeeded = units
            if row.decided || units <= t {
                row.daysRemaining = 0
            } else if rate > 0 {
                row.daysRemaining = (units - t) / rate
            } else {
                row.problem = "no units enrolled in the traffic window: no rate to project"
            }
        }
        return row
    }

    /// The plan row of an α-spending design: looks projected at each coming day end, one day's traffic apart from
    /// the current units, after the day ends so far; the decision is the first look at which the test alone has the
    /// target power (``PowerAnalysis/spendingLook(effect:standardErrorScale:plan:looks:)``), and its days the
    /// number of that look (docs/statistics.md, "Power at the current traffic").
    private func spendingPlan(_ row: MetricPlan, looks: SequentialLooks, variants: [String], distance: Double, scale: Double, analysis: PowerAnalysis) -> MetricPlan {
        var row = row
        let plan = looks.plan(variants, before: .distantFuture)
        let t = Double(row.units)
        if row.decided { row.daysRemaining = 0; return row }
        guard let rate = row.unitsPerDay else {
            row.problem = "no units enrolled in the traffic window: no rate to project"
            return row
        }
        // Looks up to the first at or past the maximum (α is spent there), at most ten years of days; a guardrail's
        // watch keeps deciding after the maximum, so its looks go on for the ten years.
        let watched = analysis.oneSided && plan.watchShare > 0
        var future: [Double] = []
        while future.count < 3_650, watched || !reachesEnd(plan, future) { future.append(t + Double(future.count + 1) * rate) }
        if future.isEmpty { future = [t + rate] }
        switch analysis.spendingLook(effect: distance, standardErrorScale: scale, plan: plan, looks: future) {
        case .failure(let reason):
            row.problem = distance == 0 ? "the \(row.assumption) value sits on the boundary: no sample size decides it" : reason.description
        case .success(let look?):
            row.unitsNeeded = future[look]
            row.daysRemaining = Double(look + 1)
        case .success(nil):
            row.problem = watched
                ? "alpha-spending: no look in ten years of the current traffic reaches the target power at the \(row.assumption) value"
                : plan.calendar.map { "alpha-spending: no look up to the design's horizon (day \(Int($0.horizonDays))) reaches the target power at the \(row.assumption) value" }
                    ?? "alpha-spending: no look up to the design's maximum (\(Int(plan.maximumUnits)) units) reaches the target power at the \(row.assumption) value"
        }
        return row
    }

    /// Whether the last of some projected looks is at or past the design's maximum units or its calendar horizon.
    private func reachesEnd(_ plan: AlphaSpendingPlan, _ future: [Double]) -> Bool {
        guard let last = future.last else { return false }
        guard let calendar = plan.calendar else { return last >= plan.maximumUnits }
        return max(calendar.days, calendar.earlierDays.max() ?? 0) + Double(future.count) >= calendar.horizonDays
    }

    private func power(_ settings: PlanSettings, oneSided: Bool) -> PowerAnalysis {
        PowerAnalysis(alpha: analysis.alpha, power: settings.power, oneSided: oneSided, sequentialTuning: analysis.sequentialTuning)
    }

    /// The decision a true value on this side of the boundary leads to.
    private func towards(_ test: String, assumed: Double, boundary: Double, direction: RampartCore.MetricDirection) -> String {
        let above = assumed > boundary
        switch test {
        case "ceiling": return above ? "above_ceiling" : "below_ceiling"
        case "margin": return (direction == .decrease) == above ? "regression" : "non_inferior"
        default: return (direction == .increase) == above ? "win" : "loss"
        }
    }
}
