extension AlphaSpendingPlan {
    /// The process-wide memo of α-spending boundaries so far: lookups answered from it, lookups that computed the
    /// boundaries, and the boundary sets it holds (for benchmarks and diagnostics).
    public static var boundaryCacheStatistics: (hits: Int, misses: Int, count: Int) {
        AlphaSpendingBoundary.cache.statistics
    }
}
