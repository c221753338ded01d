import Foundation
import RampartCore
import RampartStats
import RampartStore
@testable import RampartAnalysis

/// Recounts from the events that the α-spending analysis tests compare the report with.
extension AlphaSpendingAnalysisTests {
    /// Units exposed before a moment, per variant, recounted from the events.
    static func exposed(_ events: [Event], before moment: Date) -> [String: Set<String>] {
        var arms: [String: Set<String>] = [:]
        for e in events where e.name == EventName.exposure && e.timestamp < moment { arms[e.properties["variant"]?.stringValue ?? "", default: []].insert(e.unit) }
        return arms
    }

    /// The primary (`resolved`) per variant as it stood before a moment, recounted from the events.
    static func resolved(_ events: [Event], before moment: Date) -> (control: SampleStatistics, treatment: SampleStatistics) {
        let arms = exposed(events, before: moment)
        let resolved = Set(events.filter { $0.name == "support_ticket_resolved" && $0.timestamp < moment }.map(\.unit))
        func proportion(_ v: String) -> SampleStatistics {
            .proportion(successes: Double(arms[v, default: []].intersection(resolved).count), units: arms[v, default: []].count)
        }
        return (proportion("control"), proportion("treatment"))
    }

    /// Units of both arms at each UTC day end before a moment (the design's earlier looks).
    static func dayEndUnits(_ events: [Event], before moment: Date) -> [Double] {
        var looks: [Double] = []
        var end = firstMidnight
        while end < moment {
            looks.append(Double(exposed(events, before: end).values.map(\.count).reduce(0, +)))
            end = end.addingTimeInterval(day)
        }
        return looks
    }
}
