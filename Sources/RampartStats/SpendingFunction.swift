import Foundation

/// A Lan–DeMets α-spending function: the share of the error budget α spent by information fraction τ.
///
/// Both reach α at τ = 1 and spend nothing at τ = 0. Sources: Lan & DeMets (1983),
/// *Discrete sequential boundaries for clinical trials*, Biometrika 70; Kim & DeMets (1987);
/// Jennison & Turnbull (2000), *Group Sequential Methods*, ch. 7.
public enum SpendingFunction: String, Sendable, Hashable, CaseIterable {
    /// O'Brien–Fleming type: α(τ) = 2 − 2Φ(Φ⁻¹(1 − α/2)/√τ). Spends almost nothing early,
    /// so the last look's boundary is close to the fixed-horizon one.
    case obrienFleming = "obrien-fleming"
    /// Pocock type: α(τ) = α·ln(1 + (e − 1)τ). Spends evenly; earlier decisions, lower power at the end.
    case pocock

    /// The cumulative α spent at information fraction `fraction` (capped to [0, 1]).
    /// - Parameters:
    ///   - fraction: The information fraction τ = t/t_max.
    ///   - alpha: The total error budget.
    public func spent(fraction: Double, alpha: Double) -> Double {
        let tau = min(max(fraction, 0), 1)
        guard tau > 0 else { return 0 }
        if tau == 1 { return alpha }
        switch self {
        case .obrienFleming:
            guard let z = Distributions.normalQuantile(1 - alpha / 2) else { return 0 }
            return 2 * Distributions.normalUpperTail(z / tau.squareRoot())
        case .pocock:
            return alpha * log(1 + (exp(1.0) - 1) * tau)
        }
    }
}
