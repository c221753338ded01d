import CGSL

/// The GSL version this module is linked against.
public var gslVersion: String { GSL_VERSION }
