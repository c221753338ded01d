extension RegressionAdjustedStatistics {
    /// Centred second moments of one variant.
    struct Moments {
        var n: Double
        var postMean: Double
        var preMean: Double
        var syy: Double
        var sxx: Double
        var sxy: Double
    }

    func moments() -> Result<Moments, DegenerateReason> {
        if let problem = InputValidation.finite([
            "postSum": postSum, "postSumSquares": postSumSquares,
            "preSum": preSum, "preSumSquares": preSumSquares, "crossSum": crossSum,
        ]) {
            return .failure(problem)
        }
        guard units >= 0 else { return .failure(.invalidInput("negative unit count")) }
        guard units > 0 else { return .failure(.noUnits) }
        guard units >= 2 else { return .failure(.tooFewUnits(required: 2, actual: units)) }
        let n = Double(units)
        return InputValidation.centredSquares(sum: postSum, sumSquares: postSumSquares, n: n, field: "postSumSquares")
            .flatMap { syy in
                InputValidation.centredSquares(sum: preSum, sumSquares: preSumSquares, n: n, field: "preSumSquares")
                    .map { sxx in
                        Moments(
                            n: n, postMean: postSum / n, preMean: preSum / n, syy: syy, sxx: sxx,
                            sxy: InputValidation.centredCross(sumX: preSum, sumY: postSum, crossSum: crossSum, n: n)
                        )
                    }
            }
    }

    /// The pooled within-variant regression slope θ, or 0 when the covariate is constant.
    public static func theta(control: Self, treatment: Self) -> Result<Double, DegenerateReason> {
        control.moments().flatMap { c in
            treatment.moments().map { t in
                let sxx = c.sxx + t.sxx
                return sxx > 0 ? (c.sxy + t.sxy) / sxx : 0
            }
        }
    }

    /// Adjusts both variants with the pooled θ and reduces them to arm estimates.
    ///
    /// Each adjusted mean is z̄_g = ȳ_g − θ(x̄_g − x̄) with per-unit variance
    /// (S_yy − 2θS_xy + θ²S_xx)/(n − 1), i.e. the sample variance of zᵢ = yᵢ − θ(xᵢ − x̄).
    public static func armEstimates(control: Self, treatment: Self) -> Result<ArmPair, DegenerateReason> {
        control.moments().flatMap { c in
            treatment.moments().map { t in
                let sxx = c.sxx + t.sxx
                let theta = sxx > 0 ? (c.sxy + t.sxy) / sxx : 0
                let pooledPreMean = (control.preSum + treatment.preSum) / (c.n + t.n)
                func adjusted(_ m: Moments, units: Int) -> ArmEstimate {
                    let unitVariance = max(m.syy - 2 * theta * m.sxy + theta * theta * m.sxx, 0) / (m.n - 1)
                    return ArmEstimate(
                        mean: m.postMean - theta * (m.preMean - pooledPreMean),
                        variance: unitVariance / m.n,
                        units: units,
                        usesStudentT: true
                    )
                }
                return ArmPair(control: adjusted(c, units: control.units), treatment: adjusted(t, units: treatment.units))
            }
        }
    }
}
