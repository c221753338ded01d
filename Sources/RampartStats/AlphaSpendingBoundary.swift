import Foundation

/// Critical values of a group-sequential test with Lan–DeMets α-spending, computed at the
/// actual looks by the recursive numerical integration of Armitage, McPherson & Rowe (1969)
/// as set out in Jennison & Turnbull (2000), ch. 19.
///
/// Under H₀ the standardised statistics Z₁, …, Z_K at information I₁ < … < I_K are those of a
/// Brownian motion: Z_k√I_k = Z_{k−1}√I_{k−1} + N(0, I_k − I_{k−1}). The boundary b_k solves
/// P(cross at look k, not before) = α(τ_k) − (α actually spent before), τ_k = min(1, I_k/I_max),
/// the sub-density of Z_k on the continuation region being carried on a Simpson grid.
/// Two-sided designs reject on |Z_k| ≥ b_k (symmetric), one-sided on Z_k ≥ b_k.
/// GSL gives every normal density, tail and quantile; GSL's Brent solver (``RootFinder``) the roots.
///
/// After the first look at or beyond I_max (τ = 1) the whole of α is spent: later looks get
/// b = +∞ (no further rejection), which keeps the error at α when the sample overruns the plan.
///
/// With calendar-time spending (Lan & DeMets 1989) the spending fraction τ_k of each look is given
/// (elapsed time over a horizon fixed in advance) while the covariance still comes from the
/// information: ``boundaries(looks:fractions:)``.
struct AlphaSpendingBoundary: Hashable {
    /// The total error budget.
    let alpha: Double
    /// The spending function.
    let spending: SpendingFunction
    /// Information (units) at which α is fully spent.
    let maximumUnits: Double
    /// Whether the test rejects in the upper tail only.
    let oneSided: Bool

    /// Largest |z| carried on the grid; the null density beyond it is below 1e-31.
    static let gridLimit = 12.0

    /// The boundaries at looks with the given information, strictly increasing and positive.
    /// - Parameter looks: Information (units) at each look, in order.
    /// - Returns: One boundary per look (+∞ where nothing is left to spend), or `nil` when a
    ///   root cannot be bracketed.
    func boundaries(looks: [Double]) -> [Double]? {
        boundaries(looks: looks, fractions: looks.map { $0 / maximumUnits })
    }

    /// The boundaries at looks whose spending fractions are given (calendar time), the information still giving
    /// the covariance of the look statistics; ``maximumUnits`` is not used.
    /// - Parameters:
    ///   - looks: Information (units) at each look, strictly increasing and positive.
    ///   - fractions: The spending fraction τ_k of each look, non-decreasing; α is fully spent at the first τ ≥ 1.
    /// - Returns: One boundary per look, or `nil` when the input is unusable or a root cannot be bracketed.
    func boundaries(looks: [Double], fractions: [Double]) -> [Double]? {
        if let cached = AlphaSpendingBoundary.cache.value(for: self, looks: looks, fractions: fractions) { return cached }
        guard let computed = compute(looks: looks, fractions: fractions) else { return nil }
        AlphaSpendingBoundary.cache.store(computed, for: self, looks: looks, fractions: fractions)
        return computed
    }

    private func compute(looks: [Double], fractions: [Double]) -> [Double]? {
        guard !looks.isEmpty, zip(looks, looks.dropFirst()).allSatisfy({ $0 < $1 }), looks[0] > 0 else { return nil }
        guard fractions.count == looks.count, fractions.allSatisfy(\.isFinite),
            zip(fractions, fractions.dropFirst()).allSatisfy({ $0 <= $1 })
        else { return nil }
        var bounds: [Double] = []
        var spent = 0.0
        var grid: [Double] = [], mass: [Double] = []   // nodes and Simpson weight × sub-density
        var exhausted = false
        for (k, information) in looks.enumerated() {
            let target = spending.spent(fraction: fractions[k], alpha: alpha) - spent
            let previous = k == 0 ? 0 : looks[k - 1]
            let cross = crossing(information: information, previous: previous, grid: grid, mass: mass)
            let bound: Double
            if exhausted || target <= 0 {
                bound = .infinity
            } else {
                guard let root = RootFinder.brent(lower: oneSided ? -Self.gridLimit : 0, upper: 40, { cross($0) - target })
                else { return nil }
                bound = root
                spent += cross(root)
            }
            bounds.append(bound)
            if fractions[k] >= 1 { exhausted = true }
            guard k + 1 < looks.count else { break }
            let step = gridStep(information: information, next: looks[k + 1])
            (grid, mass) = continuation(
                bound: bound, information: information, previous: previous, step: step, grid: grid, mass: mass
            )
        }
        return bounds
    }

    /// P(Z_k crosses b and no earlier look crossed), as a function of b.
    private func crossing(information: Double, previous: Double, grid: [Double], mass: [Double]) -> (Double) -> Double {
        let oneSided = oneSided
        guard previous > 0 else {
            return { b in oneSided ? Distributions.normalUpperTail(b) : 2 * Distributions.normalUpperTail(b) }
        }
        let root = information.squareRoot(), rootPrevious = previous.squareRoot()
        let sd = (information - previous).squareRoot()
        return { b in
            var total = 0.0
            for j in grid.indices where mass[j] != 0 {
                let shift = grid[j] * rootPrevious
                var p = Distributions.normalUpperTail((b * root - shift) / sd)
                if !oneSided { p += Distributions.normalCDF((-b * root - shift) / sd) }
                total += mass[j] * p
            }
            return total
        }
    }

    /// Grid spacing at a look: fine enough for the next increment's kernel, whose standard
    /// deviation in z at this look is √((I_next − I)/I).
    private func gridStep(information: Double, next: Double) -> Double {
        min(0.025, ((next - information) / information).squareRoot() / 10)
    }

    /// The sub-density of Z_k on the continuation region, on a Simpson grid, times the weights.
    private func continuation(
        bound: Double, information: Double, previous: Double, step: Double, grid: [Double], mass: [Double]
    ) -> ([Double], [Double]) {
        let upper = min(bound, Self.gridLimit)
        let lower = oneSided ? -Self.gridLimit : -upper
        guard upper > lower else { return ([], []) }
        var intervals = Int(((upper - lower) / step).rounded(.up))
        intervals += intervals % 2
        let h = (upper - lower) / Double(intervals)
        var nodes = [Double](repeating: 0, count: intervals + 1)
        var weighted = [Double](repeating: 0, count: intervals + 1)
        let root = information.squareRoot(), rootPrevious = previous.squareRoot()
        let sd = (information - previous).squareRoot()
        for i in 0...intervals {
            let x = lower + Double(i) * h
            let simpson = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
            var density: Double
            if previous > 0 {
                density = 0
                for j in window(grid, centre: x * root / rootPrevious, halfWidth: 9 * sd / rootPrevious) where mass[j] != 0 {
                    density += mass[j] * Distributions.normalPDF((x * root - grid[j] * rootPrevious) / sd)
                }
                density *= root / sd
            } else {
                density = Distributions.normalPDF(x)
            }
            nodes[i] = x
            weighted[i] = simpson * h / 3 * density
        }
        return (nodes, weighted)
    }
}

extension AlphaSpendingBoundary {
    /// The indices of a uniform grid within `halfWidth` of `centre`: the kernel φ is below 1e-17
    /// beyond 9 standard deviations, so the rest adds nothing to the density.
    func window(_ grid: [Double], centre: Double, halfWidth: Double) -> Range<Int> {
        guard grid.count > 1 else { return grid.indices }
        let h = grid[1] - grid[0]
        let low = Int(((centre - halfWidth - grid[0]) / h).rounded(.down))
        let high = Int(((centre + halfWidth - grid[0]) / h).rounded(.up)) + 1
        let lower = min(max(low, 0), grid.count), upper = min(max(high, lower), grid.count)
        return lower..<upper
    }

    /// Boundaries depend only on the design and the looks, and a report asks for the same ones for every metric and
    /// treatment; the looks are day ends, so an experiment's boundaries stay the same all day however often it is
    /// analysed (the console's refresher analyses every experiment again and again): computed once, kept for the
    /// process, at most ``BoundaryCache/defaultCapacity`` sets per generation.
    static let cache = BoundaryCache()

    /// A bounded, thread-safe memo of computed boundaries, keyed by the design, the looks and their spending
    /// fractions.
    ///
    /// Two generations approximate least-recently-used eviction at O(1) cost: entries go into the current generation;
    /// when it holds `capacity` sets it becomes the previous one and the older is dropped; a hit in the previous
    /// generation moves the entry back into the current one. So the sets in use survive, whatever their number up to
    /// `capacity`, and the memo never holds more than 2 × `capacity` (clearing everything at the limit, as it did
    /// before, made a service with 200 experiments recompute every boundary on every pass).
    final class BoundaryCache: @unchecked Sendable {
        /// Sets per generation: a few per experiment (one per information scale, sidedness and α share) for
        /// hundreds of experiments; a set of 28 daily looks takes under 1 KiB.
        static let defaultCapacity = 4_096

        private struct Key: Hashable {
            let design: AlphaSpendingBoundary
            let looks: [Double]
            let fractions: [Double]
        }
        private var current: [Key: [Double]] = [:]
        private var previous: [Key: [Double]] = [:]
        private var counters = (hits: 0, misses: 0)
        private let lock = NSLock()
        /// Sets per generation.
        let capacity: Int

        /// - Parameter capacity: Sets per generation (at least 1).
        init(capacity: Int = BoundaryCache.defaultCapacity) {
            self.capacity = max(1, capacity)
        }

        /// The boundaries computed before for these looks, if kept.
        func value(for design: AlphaSpendingBoundary, looks: [Double], fractions: [Double]) -> [Double]? {
            let key = Key(design: design, looks: looks, fractions: fractions)
            lock.lock(); defer { lock.unlock() }
            if let bounds = current[key] {
                counters.hits += 1
                return bounds
            }
            guard let bounds = previous.removeValue(forKey: key) else {
                counters.misses += 1
                return nil
            }
            counters.hits += 1
            insert(bounds, key)
            return bounds
        }

        /// Keeps computed boundaries.
        func store(_ bounds: [Double], for design: AlphaSpendingBoundary, looks: [Double], fractions: [Double]) {
            let key = Key(design: design, looks: looks, fractions: fractions)
            lock.lock(); defer { lock.unlock() }
            insert(bounds, key)
        }

        /// Lookups answered and not answered so far, and the sets kept.
        var statistics: (hits: Int, misses: Int, count: Int) {
            lock.lock(); defer { lock.unlock() }
            return (counters.hits, counters.misses, current.count + previous.count)
        }

        /// Under the lock.
        private func insert(_ bounds: [Double], _ key: Key) {
            if current[key] == nil, current.count >= capacity {
                previous = current
                current = [:]
                current.reserveCapacity(capacity)
            }
            current[key] = bounds
        }
    }
}
