import Foundation

/// Who counts in an experiment's analysis.
public struct Attribution: Sendable, Hashable {
    /// Units analysed in each variant: exposed to that variant only. Variants nobody saw are absent.
    public var enrolled: [String: Int]
    /// Units exposed to more than one variant: excluded from every variant.
    public var multiVariantUnits: Int
    /// Exposure events counted (after deduplication), all units included.
    public var exposures: Int
    /// The earliest exposure of the experiment phase (as of the scope's moment), excluded units included; `nil`
    /// when nobody was exposed. The first stage of a phase starts here.
    public var firstExposure: Date?

    public init(enrolled: [String: Int] = [:], multiVariantUnits: Int = 0, exposures: Int = 0, firstExposure: Date? = nil) {
        self.enrolled = enrolled
        self.multiVariantUnits = multiVariantUnits
        self.exposures = exposures
        self.firstExposure = firstExposure
    }

    /// Enrolled units over all variants, excluded units not included.
    public var enrolledUnits: Int { enrolled.values.reduce(0, +) }
}
