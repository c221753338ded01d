import Testing
import RampartStats

/// Swift against scripts/stats_reference.py (scipy + statsmodels), 1e-6 relative.
@Suite("Reference values")
struct ReferenceTests {
    private func compare(_ input: JSON) -> TestResult {
        let settings = Fixture.settings(input["settings"])
        let test = EffectTest(settings: settings)
        guard let control = input["control"], let treatment = input["treatment"] else {
            Issue.record("case without arms")
            return test.compare(ArmPair(control: ArmEstimate(mean: 0, variance: 0, units: 0), treatment: ArmEstimate(mean: 0, variance: 0, units: 0)))
        }
        switch control["type"]?.string {
        case "ratio": return test.compare(control: Fixture.ratio(control), treatment: Fixture.ratio(treatment))
        case "cuped": return test.compare(control: Fixture.cuped(control), treatment: Fixture.cuped(treatment))
        case "quantileInterval":
            return test.compare(control: Fixture.quantileInterval(control), treatment: Fixture.quantileInterval(treatment))
        default: return test.compare(control: Fixture.sample(control), treatment: Fixture.sample(treatment))
        }
    }

    private func check(_ actual: EffectEstimate, _ expected: JSON?, _ label: String) {
        guard let expected else { return }
        if let problem = expected["problem"]?.string {
            #expect(reasonName(actual.problem) == problem, "\(label) problem")
            #expect(actual.pValue == nil && actual.lower == nil && actual.upper == nil, "\(label) numbers must be absent")
            expectClose(actual.estimate, expected["estimate"]?.double, "\(label).estimate")
            return
        }
        #expect(actual.problem == nil, "\(label): unexpected problem \(String(describing: actual.problem))")
        for key in ["estimate", "lower", "upper", "pValue", "standardError"] {
            let value: Double? = switch key {
            case "estimate": actual.estimate
            case "lower": actual.lower
            case "upper": actual.upper
            case "pValue": actual.pValue
            default: actual.standardError
            }
            expectClose(value, expected[key]?.double, "\(label).\(key)")
        }
    }

    @Test("effects: means, proportions, ratios, CUPED, quantile comparisons", arguments: Fixture.ids("effect"))
    func effect(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let result = compare(c.input)
        check(result.absolute, c.expected["absolute"], "\(id) absolute")
        check(result.relative, c.expected["relative"], "\(id) relative")
        if let dof = c.expected["dof"]?.double, !(Fixture.settings(c.input["settings"]).sequential) {
            expectClose(result.degreesOfFreedom, dof, "\(id) dof")
        }
        if let theta = c.expected["theta"]?.double, let control = c.input["control"], let treatment = c.input["treatment"] {
            let computed = try RegressionAdjustedStatistics.theta(control: Fixture.cuped(control), treatment: Fixture.cuped(treatment)).get()
            expectClose(computed, theta, "\(id) theta")
        }
    }

    @Test("guardrails: non-inferiority with relative and absolute margins", arguments: Fixture.ids("guardrail"))
    func guardrail(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let input = c.input, expected = c.expected
        let margin: Margin = input["margin"]?["kind"]?.string == "absolute"
            ? .absolute(input["margin"]?["value"]?.double ?? .nan)
            : .relative(input["margin"]?["value"]?.double ?? .nan)
        let direction: MetricDirection = input["direction"]?.string == "higherIsBetter" ? .higherIsBetter : .lowerIsBetter
        let test = GuardrailTest(margin: margin, direction: direction, settings: Fixture.settings(input["settings"]))
        let result = test.evaluate(control: Fixture.sample(try #require(input["control"])), treatment: Fixture.sample(try #require(input["treatment"])))
        let decision: String = switch result.decision {
        case .nonInferior: "nonInferior"
        case .regression: "regression"
        case .inconclusive: "inconclusive"
        }
        #expect(decision == expected["decision"]?.string)
        expectClose(result.effect.estimate, expected["estimate"]?.double, "estimate")
        expectClose(result.effect.lower, expected["lower"]?.double, "lower")
        expectClose(result.effect.upper, expected["upper"]?.double, "upper")
        expectClose(result.pValueNonInferior, expected["pValueNonInferior"]?.double, "pValueNonInferior")
        expectClose(result.pValueRegression, expected["pValueRegression"]?.double, "pValueRegression")
        expectClose(result.probabilityBeyondMargin, expected["probabilityBeyondMargin"]?.double, "probabilityBeyondMargin")
    }

    @Test("ceilings on a treatment mean or ratio", arguments: Fixture.ids("ceiling"))
    func ceiling(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let statistics = try #require(c.input["statistics"])
        let test = CeilingTest(ceiling: c.input["ceiling"]?.double ?? .nan, settings: Fixture.settings(c.input["settings"]))
        let result = statistics["type"]?.string == "ratio" ? test.evaluate(Fixture.ratio(statistics)) : test.evaluate(Fixture.sample(statistics))
        let decision: String = switch result.decision {
        case .belowCeiling: "belowCeiling"
        case .aboveCeiling: "aboveCeiling"
        case .inconclusive: "inconclusive"
        }
        #expect(decision == c.expected["decision"]?.string)
        expectClose(result.statistic.estimate, c.expected["estimate"]?.double, "estimate")
        expectClose(result.statistic.lower, c.expected["lower"]?.double, "lower")
        expectClose(result.statistic.upper, c.expected["upper"]?.double, "upper")
        expectClose(result.pValueBelow, c.expected["pValueBelow"]?.double, "pValueBelow")
        expectClose(result.pValueAbove, c.expected["pValueAbove"]?.double, "pValueAbove")
        expectClose(result.probabilityAbove, c.expected["probabilityAbove"]?.double, "probabilityAbove")
    }

    @Test("clustered quantile intervals (Deng et al. 2018)", arguments: Fixture.ids("quantile"))
    func quantile(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let statistics = Fixture.quantile(try #require(c.input["statistics"]))
        let sample = SortedSample(sorted: try #require(Fixture.shared.samples[c.input["sample"]?.string ?? ""]))
        let settings = Fixture.settings(c.input["settings"])
        let probabilities = try statistics.probabilityInterval(settings: settings).get()
        expectClose(probabilities.standardError, c.expected["sigma"]?.double, "sigma")
        expectClose(probabilities.multiplier, c.expected["multiplier"]?.double, "multiplier")
        expectClose(probabilities.lower, c.expected["pLower"]?.double, "pLower")
        expectClose(probabilities.upper, c.expected["pUpper"]?.double, "pUpper")
        let interval = try statistics.interval(settings: settings, distribution: sample).get()
        #expect(interval.lower == c.expected["lower"]?.double)
        #expect(interval.upper == c.expected["upper"]?.double)
        #expect(sample.quantile(statistics.level) == statistics.estimate)
        for item in c.expected["ceilings"]?.array ?? [] {
            let ceiling = try #require(item["ceiling"]?.double)
            let result = CeilingTest(ceiling: ceiling, settings: settings).evaluate(statistics, distribution: sample)
            expectClose(result.probabilityAbove, item["probabilityAbove"]?.double, "probabilityAbove at \(ceiling)")
        }
    }

    @Test("sample ratio mismatch (scipy.stats.chisquare)", arguments: Fixture.ids("srm"))
    func srm(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let counts = (c.input["counts"]?.array ?? []).compactMap(\.int)
        let weights = (c.input["weights"]?.array ?? []).compactMap(\.double)
        let result = SampleRatioMismatch().test(counts: counts, weights: weights)
        if let problem = c.expected["problem"]?.string {
            #expect(reasonName(result.problem) == problem)
            #expect(result.pValue == nil)
            return
        }
        expectClose(result.pValue, c.expected["pValue"]?.double, "pValue")
        expectClose(result.chiSquare, c.expected["chiSquare"]?.double, "chiSquare")
        #expect(result.degreesOfFreedom == c.expected["dof"]?.int)
        #expect(result.isMismatch == ((c.expected["pValue"]?.double ?? 1) < 0.001))
    }

    @Test("Holm and Benjamini–Hochberg (statsmodels multipletests)", arguments: Fixture.ids("correction"))
    func correction(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let pValues = (c.input["pValues"]?.array ?? []).map(\.double)
        let method: MultipleComparisons.Method = c.input["method"]?.string == "holm" ? .holm : .benjaminiHochberg
        let adjusted = MultipleComparisons.adjust(pValues, method: method)
        let expected = c.expected["adjusted"]?.array ?? []
        #expect(adjusted.count == expected.count)
        for (actual, reference) in zip(adjusted, expected) {
            if reference.isNull { #expect(actual == nil) } else { expectClose(actual, reference.double, "adjusted") }
        }
    }

    @Test("Bayesian chance to beat control and expected loss", arguments: Fixture.ids("bayes"))
    func bayes(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let comparison = BayesianComparison(
            direction: c.input["direction"]?.string == "lowerIsBetter" ? .lowerIsBetter : .higherIsBetter,
            relative: c.input["relative"]?.bool ?? true
        )
        let result = comparison.compare(control: Fixture.sample(try #require(c.input["control"])), treatment: Fixture.sample(try #require(c.input["treatment"])))
        #expect(result.problem == nil)
        expectClose(result.chanceToBeatControl, c.expected["chanceToBeatControl"]?.double, "chance")
        expectClose(result.expectedLossTreatment, c.expected["expectedLossTreatment"]?.double, "lossTreatment")
        expectClose(result.expectedLossControl, c.expected["expectedLossControl"]?.double, "lossControl")
        expectClose(result.posteriorMean, c.expected["posteriorMean"]?.double, "mean")
        expectClose(result.posteriorStandardDeviation, c.expected["posteriorStandardDeviation"]?.double, "sd")
    }

    @Test("power, required units and MDE (statsmodels NormalIndPower)", arguments: Fixture.ids("power"))
    func power(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let ratio = c.input["ratio"]?.double ?? 1
        let analysis = PowerAnalysis(
            alpha: c.input["alpha"]?.double ?? .nan,
            power: c.input["power"]?.double ?? .nan,
            oneSided: c.input["oneSided"]?.bool ?? false,
            controlShare: 1 / (1 + ratio),
            treatmentShare: ratio / (1 + ratio)
        )
        let effect = c.input["effect"]?.double ?? .nan, sd = c.input["standardDeviation"]?.double ?? .nan
        let units = try analysis.requiredUnits(effect: effect, standardDeviation: sd).get()
        expectClose(units.control, c.expected["controlUnits"]?.double, "control units")
        expectClose(units.treatment, c.expected["treatmentUnits"]?.double, "treatment units")
        let mde = try analysis.minimumDetectableEffect(standardDeviation: sd, controlUnits: 5_000, treatmentUnits: 5_000 * ratio).get()
        expectClose(mde, c.expected["mdeAt5000"]?.double, "mde")
        let power = try analysis.power(effect: effect, standardDeviation: sd, controlUnits: 3_000, treatmentUnits: 3_000 * ratio).get()
        expectClose(power, c.expected["powerAt3000"]?.double, "power")
    }

    @Test("power at the current traffic: units and MDE from a standard-error scale (statsmodels, papers)", arguments: Fixture.ids("horizon"))
    func horizon(id: String) throws {
        let c = try #require(Fixture.shared.cases[id])
        let analysis = PowerAnalysis(
            alpha: c.input["alpha"]?.double ?? .nan,
            power: c.input["power"]?.double ?? .nan,
            oneSided: c.input["oneSided"]?.bool ?? false,
            sequentialTuning: c.input["tuning"]?.double ?? .nan
        )
        let scale = c.input["scale"]?.double ?? .nan, effect = c.input["effect"]?.double ?? .nan, units = c.input["units"]?.double ?? .nan
        expectClose(try analysis.fixedUnits(effect: effect, standardErrorScale: scale).get(), c.expected["fixedUnits"]?.double, "fixed units")
        expectClose(try analysis.fixedUnits(effect: -effect, standardErrorScale: scale).get(), c.expected["fixedUnits"]?.double, "fixed units, negative effect")
        expectClose(try analysis.fixedMinimumDetectableEffect(standardErrorScale: scale, units: units).get(), c.expected["fixedMDE"]?.double, "fixed MDE")
        expectClose(try analysis.sequentialUnits(effect: effect, standardErrorScale: scale).get(), c.expected["sequentialUnits"]?.double, "sequential units")
        expectClose(try analysis.sequentialMinimumDetectableEffect(standardErrorScale: scale, units: units).get(), c.expected["sequentialMDE"]?.double, "sequential MDE")
    }

    @Test("GrowthBook's published examples, to their printed precision")
    func published() throws {
        let welch = EffectTest().compare(
            control: SampleStatistics(units: 3407, sum: 1396.87, sumSquares: 52377.9767),
            treatment: SampleStatistics(units: 3461, sum: 2422.7, sumSquares: 134698.29)
        )
        let printed = 5e-6 + 1e-12
        expectClose(welch.absolute.estimate, 0.29, "abs", relative: 0, absolute: printed)
        expectClose(welch.absolute.lower, 0.04538, "abs lower", relative: 0, absolute: printed)
        expectClose(welch.absolute.upper, 0.53462, "abs upper", relative: 0, absolute: printed)
        expectClose(welch.absolute.pValue, 0.02016, "abs p", relative: 0, absolute: printed)
        expectClose(welch.relative.estimate, 0.70732, "rel", relative: 0, absolute: printed)
        expectClose(welch.relative.lower, -0.03526, "rel lower", relative: 0, absolute: printed)
        expectClose(welch.relative.upper, 1.44989, "rel upper", relative: 0, absolute: printed)
        expectClose(welch.relative.pValue, 0.06191, "rel p", relative: 0, absolute: printed)

        let proportions = EffectTest().compare(
            control: SampleStatistics.proportion(successes: 14, units: 28),
            treatment: SampleStatistics.proportion(successes: 16, units: 30)
        )
        expectClose(proportions.relative.estimate, 0.06667, "prop rel", relative: 0, absolute: printed)
        expectClose(proportions.relative.lower, -0.47767, "prop lower", relative: 0, absolute: printed)
        expectClose(proportions.relative.upper, 0.61101, "prop upper", relative: 0, absolute: printed)
        expectClose(proportions.relative.pValue, 0.80707, "prop p", relative: 0, absolute: printed)

        let srm = SampleRatioMismatch()
        expectClose(srm.test(counts: [1000, 1200], weights: [0.5, 0.5]).pValue, 2.0079e-05, "srm 2", relative: 0, absolute: 5e-10)
        // GrowthBook's test uses weights [0.34, 0.33, 0.33] for this value; equal weights give 0.00193.
        expectClose(srm.test(counts: [500, 500, 600], weights: [0.34, 0.33, 0.33]).pValue, 0.000592638, "srm 3", relative: 0, absolute: 5e-10)
        #expect(srm.test(counts: [1000, 1200], weights: [0.5, 0.5]).isMismatch)
    }
}
