import CGSL

/// Bracketed root finding with GSL's Brent–Dekker solver (`gsl_root_fsolver_brent`).
enum RootFinder {
    /// Carries the Swift closure through GSL's `void *params`.
    private final class Context {
        let function: (Double) -> Double
        init(_ function: @escaping (Double) -> Double) { self.function = function }
    }

    /// Finds x in [lower, upper] with f(x) = 0.
    ///
    /// - Parameters:
    ///   - lower: Lower end of the bracket; f(lower) and f(upper) must differ in sign.
    ///   - upper: Upper end of the bracket.
    ///   - relativeTolerance: Convergence tolerance on the bracket width, relative to x.
    ///   - function: The function whose root is wanted. It must be finite on the bracket.
    /// - Returns: The root, or `nil` when the bracket is invalid or GSL fails to converge.
    static func brent(
        lower: Double,
        upper: Double,
        relativeTolerance: Double = 1e-13,
        _ function: @escaping (Double) -> Double
    ) -> Double? {
        GSL.prepare()
        guard lower.isFinite, upper.isFinite, lower < upper else { return nil }
        let fLower = function(lower), fUpper = function(upper)
        guard fLower.isFinite, fUpper.isFinite else { return nil }
        if fLower == 0 { return lower }
        if fUpper == 0 { return upper }
        guard (fLower < 0) != (fUpper < 0) else { return nil }
        guard let solver = gsl_root_fsolver_alloc(rampart_gsl_root_fsolver_brent()) else { return nil }
        defer { gsl_root_fsolver_free(solver) }

        let context = Context(function)
        return withExtendedLifetime(context) { () -> Double? in
            var gslFunction = gsl_function(
                function: { x, params in
                    guard let params else { return .nan }
                    return Unmanaged<Context>.fromOpaque(params).takeUnretainedValue().function(x)
                },
                params: Unmanaged.passUnretained(context).toOpaque()
            )
            guard gsl_root_fsolver_set(solver, &gslFunction, lower, upper) == GSL_SUCCESS else { return nil }
            for _ in 0..<200 {
                guard gsl_root_fsolver_iterate(solver) == GSL_SUCCESS else { return nil }
                let low = gsl_root_fsolver_x_lower(solver)
                let high = gsl_root_fsolver_x_upper(solver)
                if gsl_root_test_interval(low, high, 0, relativeTolerance) == GSL_SUCCESS {
                    return gsl_root_fsolver_root(solver)
                }
            }
            return nil
        }
    }
}
