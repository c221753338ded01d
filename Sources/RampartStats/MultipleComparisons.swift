/// Multiple-comparison corrections across variants and metrics.
///
/// Pass every p-value of the family (all treatment-vs-control comparisons of all
/// metrics that share a decision). `nil` or non-finite entries are skipped and stay
/// `nil`; the family size is the number of valid p-values.
public enum MultipleComparisons {
    /// The correction method.
    public enum Method: Sendable, Hashable {
        /// Holm's step-down procedure; controls the family-wise error rate.
        case holm
        /// Benjamini–Hochberg step-up procedure; controls the false discovery rate.
        case benjaminiHochberg
    }

    /// Adjusted p-values, in input order.
    /// - Parameters:
    ///   - pValues: Raw p-values.
    ///   - method: Holm or Benjamini–Hochberg.
    public static func adjust(_ pValues: [Double?], method: Method) -> [Double?] {
        let valid = pValues.indices.compactMap { index -> (Int, Double)? in
            guard let p = pValues[index], p.isFinite, p >= 0, p <= 1 else { return nil }
            return (index, p)
        }
        let m = Double(valid.count)
        var adjusted = [Double?](repeating: nil, count: pValues.count)
        guard !valid.isEmpty else { return adjusted }
        let ascending = valid.sorted { $0.1 < $1.1 }
        switch method {
        case .holm:
            // p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)
            var running = 0.0
            for (rank, entry) in ascending.enumerated() {
                running = max(running, min(1, (m - Double(rank)) * entry.1))
                adjusted[entry.0] = running
            }
        case .benjaminiHochberg:
            // p̃₍ᵢ₎ = min_{j ≥ i} min(1, m·p₍ⱼ₎ / j)
            var running = 1.0
            for (rank, entry) in ascending.enumerated().reversed() {
                running = min(running, m * entry.1 / Double(rank + 1))
                adjusted[entry.0] = min(1, running)
            }
        }
        return adjusted
    }

    /// Adjusted p-values for plain (non-optional) p-values.
    public static func adjust(_ pValues: [Double], method: Method) -> [Double?] {
        adjust(pValues.map { Optional($0) }, method: method)
    }
}
