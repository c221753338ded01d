import CGSL

/// Distribution functions, all delegated to GSL's `gsl_cdf_*` and `gsl_ran_*_pdf`.
///
/// Nothing here approximates a distribution by hand. A `nil` result means GSL could
/// not produce a finite value for the arguments (for example a degrees-of-freedom
/// value of zero).
public enum Distributions {
    /// Standard normal CDF, Φ(x).
    static func normalCDF(_ x: Double) -> Double {
        GSL.prepare()
        return gsl_cdf_ugaussian_P(x)
    }

    /// Standard normal upper tail, 1 − Φ(x), computed without cancellation.
    static func normalUpperTail(_ x: Double) -> Double {
        GSL.prepare()
        return gsl_cdf_ugaussian_Q(x)
    }

    /// Standard normal density, φ(x).
    static func normalPDF(_ x: Double) -> Double {
        GSL.prepare()
        return gsl_ran_ugaussian_pdf(x)
    }

    /// Standard normal quantile, Φ⁻¹(p).
    public static func normalQuantile(_ p: Double) -> Double? {
        GSL.prepare()
        return finite(gsl_cdf_ugaussian_Pinv(p))
    }

    /// Student t lower-tail probability P(T ≤ x) with `dof` degrees of freedom.
    static func studentTCDF(_ x: Double, dof: Double) -> Double? {
        GSL.prepare()
        return finite(gsl_cdf_tdist_P(x, dof))
    }

    /// Student t upper-tail probability P(T > x) with `dof` degrees of freedom.
    static func studentTUpperTail(_ x: Double, dof: Double) -> Double? {
        GSL.prepare()
        return finite(gsl_cdf_tdist_Q(x, dof))
    }

    /// Student t quantile: the x with P(T ≤ x) = p.
    static func studentTQuantile(_ p: Double, dof: Double) -> Double? {
        GSL.prepare()
        return finite(gsl_cdf_tdist_Pinv(p, dof))
    }

    /// Chi-square upper-tail probability P(X > x) with `dof` degrees of freedom.
    static func chiSquaredUpperTail(_ x: Double, dof: Double) -> Double? {
        GSL.prepare()
        return finite(gsl_cdf_chisq_Q(x, dof))
    }

    /// Quantile of the reference distribution: Student t when `dof` is given, else normal.
    static func quantile(_ p: Double, dof: Double?) -> Double? {
        if let dof { return studentTQuantile(p, dof: dof) }
        return normalQuantile(p)
    }

    /// Upper tail of the reference distribution: Student t when `dof` is given, else normal.
    static func upperTail(_ x: Double, dof: Double?) -> Double? {
        if let dof { return studentTUpperTail(x, dof: dof) }
        return normalUpperTail(x)
    }

    private static func finite(_ value: Double) -> Double? {
        value.isFinite ? value : nil
    }
}
