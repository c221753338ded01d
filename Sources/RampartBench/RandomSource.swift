import CGSL
import RampartStats

/// A seeded GSL random number generator (Mersenne Twister, `gsl_rng_mt19937`).
///
/// Not `Sendable`: one instance belongs to one simulation run on one thread.
final class RandomSource {
    private let rng: UnsafeMutablePointer<gsl_rng>?

    /// Creates a generator.
    /// - Parameter seed: The seed passed to `gsl_rng_set`.
    init(seed: UInt) {
        GSL.prepare()
        rng = gsl_rng_alloc(rampart_gsl_rng_mt19937())
        if let rng { gsl_rng_set(rng, seed) }
    }

    deinit {
        if let rng { gsl_rng_free(rng) }
    }

    /// A normal draw with mean 0 and standard deviation `sigma` (`gsl_ran_gaussian`).
    func gaussian(sigma: Double) -> Double {
        guard let rng else { return .nan }
        return gsl_ran_gaussian_ziggurat(rng, sigma)
    }

    /// A chi-square draw with `dof` degrees of freedom (`gsl_ran_chisq`).
    func chiSquared(dof: Double) -> Double {
        guard let rng else { return .nan }
        return gsl_ran_chisq(rng, dof)
    }

    /// A binomial draw (`gsl_ran_binomial`).
    func binomial(probability: Double, trials: Int) -> Int {
        guard let rng, trials > 0 else { return 0 }
        return Int(gsl_ran_binomial(rng, probability, UInt32(clamping: trials)))
    }

    /// A lognormal draw with log-mean `zeta` and log-sd `sigma` (`gsl_ran_lognormal`).
    func lognormal(zeta: Double, sigma: Double) -> Double {
        guard let rng else { return .nan }
        return gsl_ran_lognormal(rng, zeta, sigma)
    }

    /// A Poisson draw (`gsl_ran_poisson`).
    func poisson(mean: Double) -> Int {
        guard let rng else { return 0 }
        return Int(gsl_ran_poisson(rng, mean))
    }
}
