/// Who counts in an experiment's analysis.
public struct Attribution: Sendable, Hashable {
    /// Units analysed in each variant: exposed to that variant only. Variants nobody saw are absent.
    public var enrolled: [String: Int]
    /// Units exposed to more than one variant: excluded from every variant.
    public var multiVariantUnits: Int
    /// Exposure events counted (after deduplication), all units included.
    public var exposures: Int

    public init(enrolled: [String: Int] = [:], multiVariantUnits: Int = 0, exposures: Int = 0) {
        self.enrolled = enrolled
        self.multiVariantUnits = multiVariantUnits
        self.exposures = exposures
    }

    /// Enrolled units over all variants, excluded units not included.
    public var enrolledUnits: Int { enrolled.values.reduce(0, +) }
}
