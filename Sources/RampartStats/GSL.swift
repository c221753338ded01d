import CGSL

/// Process-wide GSL configuration.
///
/// GSL's default error handler calls `abort()`. Every entry point into GSL in this
/// module goes through ``GSL/prepare()`` first, which turns the handler off exactly
/// once (a Swift `static let` is initialised lazily and thread-safely). With the
/// handler off, GSL reports errors through return codes and NaN results, which the
/// callers turn into a ``DegenerateReason``.
public enum GSL {
    private static let handlerDisabled: Bool = {
        _ = gsl_set_error_handler_off()
        return true
    }()

    /// Makes sure GSL will not abort the process on a domain error.
    @inline(__always)
    public static func prepare() {
        _ = handlerDisabled
    }
}
