import Foundation

/// The asymptotic confidence sequence of Waudby-Smith et al. (2023), built on the
/// Gaussian-mixture boundaries of Robbins (two-sided) and Howard et al. (2021, one-sided).
///
/// All quantities are in standard-error units: with z = (θ̂ − θ₀)/SE over t units, the
/// two-sided sequence is θ̂ ± SE·c(t), and the one-sided bound is θ̂ − SE·c₁(t).
struct SequentialBoundary {
    /// ρ² of the normal mixture.
    let rho2: Double
    /// The error level the boundary is built for.
    let alpha: Double

    /// ρ² that minimises the two-sided width at `tuning` units (Waudby-Smith et al. eq. 161):
    /// ρ² = (−2 ln α + ln(−2 ln α + 1)) / n*.
    static func optimalRho2(alpha: Double, tuning: Double) -> Double {
        let logAlpha = log(alpha)
        return (-2 * logAlpha + log(-2 * logAlpha + 1)) / tuning
    }

    /// A two-sided boundary at level α.
    static func twoSided(alpha: Double, tuning: Double) -> SequentialBoundary {
        SequentialBoundary(rho2: optimalRho2(alpha: alpha, tuning: tuning), alpha: alpha)
    }

    /// A one-sided boundary at level α, tuned as the two-sided one at 2α (Howard et al.).
    static func oneSided(alpha: Double, tuning: Double) -> SequentialBoundary {
        SequentialBoundary(rho2: optimalRho2(alpha: 2 * alpha, tuning: tuning), alpha: alpha)
    }

    /// Two-sided multiplier c(t) = √( (tρ²+1)/(tρ²) · 2·ln(√(tρ²+1)/α) ).
    func twoSidedMultiplier(units t: Double, alpha level: Double? = nil) -> Double {
        let a = level ?? alpha
        let s = t * rho2 + 1
        return ((s / (t * rho2)) * 2 * log(s.squareRoot() / a)).squareRoot()
    }

    /// Two-sided always-valid p-value: 1 / the mixture martingale, capped at 1.
    ///
    /// ln M = tρ²z²/(2(tρ²+1)) − ½ln(tρ²+1); p = min(1, e^{−ln M}).
    func twoSidedPValue(z: Double, units t: Double) -> Double {
        let s = t * rho2 + 1
        let logM = t * rho2 * z * z / (2 * s) - 0.5 * log(s)
        return logM <= 0 ? 1 : exp(-logM)
    }

    /// ln of the one-sided (half-normal mixture) martingale at standardised statistic z.
    ///
    /// ln M = ln 2 − ½ln(tρ²+1) + tρ²z²/(2(tρ²+1)) + ln Φ(z·√(tρ²)/√(tρ²+1)).
    func oneSidedLogMartingale(z: Double, units t: Double) -> Double {
        let s = t * rho2 + 1
        let phi = Distributions.normalCDF(z * (t * rho2).squareRoot() / s.squareRoot())
        guard phi > 0 else { return -.infinity }
        return log(2) - 0.5 * log(s) + t * rho2 * z * z / (2 * s) + log(phi)
    }

    /// One-sided always-valid p-value for H₁: θ > θ₀, given z = (θ̂ − θ₀)/SE.
    func oneSidedPValue(z: Double, units t: Double) -> Double {
        let logM = oneSidedLogMartingale(z: z, units: t)
        return logM <= 0 ? 1 : exp(-logM)
    }

    /// One-sided multiplier c₁(t): the z at which the half-normal mixture reaches 1/α.
    ///
    /// Solved with GSL's Brent solver, bracketed by the two-sided multipliers at 2α
    /// (where the martingale is below 1/α) and at α (where it is above).
    func oneSidedMultiplier(units t: Double) -> Double? {
        let low = twoSidedMultiplier(units: t, alpha: min(2 * alpha, 0.999_999))
        let high = twoSidedMultiplier(units: t, alpha: alpha)
        let target = -log(alpha)
        return RootFinder.brent(lower: low, upper: high) { z in
            oneSidedLogMartingale(z: z, units: t) - target
        }
    }
}
