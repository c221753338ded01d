/// Shared checks on sufficient statistics.
enum InputValidation {
    /// Fails when any named value is NaN or infinite.
    static func finite(_ fields: KeyValuePairs<String, Double>) -> DegenerateReason? {
        for (name, value) in fields where !value.isFinite {
            return .nonFiniteInput(field: name)
        }
        return nil
    }

    /// A centred sum of squares, Σx² − (Σx)²/n, clamped at zero when rounding makes it
    /// slightly negative, and rejected when it is clearly negative (inconsistent input).
    static func centredSquares(sum: Double, sumSquares: Double, n: Double, field: String) -> Result<Double, DegenerateReason> {
        let centred = sumSquares - sum * sum / n
        if centred >= 0 { return .success(centred) }
        let tolerance = 1e-9 * max(abs(sumSquares), sum * sum / n, 1e-300)
        if -centred <= tolerance { return .success(0) }
        return .failure(.invalidInput("\(field): sum of squares is smaller than (sum)²/n"))
    }

    /// A centred cross-product, Σxy − Σx·Σy/n.
    static func centredCross(sumX: Double, sumY: Double, crossSum: Double, n: Double) -> Double {
        crossSum - sumX * sumY / n
    }
}
