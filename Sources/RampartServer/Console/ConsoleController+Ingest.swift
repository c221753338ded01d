import Foundation
import Hummingbird
import RampartAnalysis
import RampartStore

extension ConsoleController {
    /// The ingest health page's values: events per minute (last hour) and per day (last 14 days) by name, the
    /// latest event per name, exposures per experiment, rejections by field with the latest examples.
    func ingestValues(now: Date = Date()) async throws -> [String: Any] {
        guard let health else {
            throw ConsolePageError(status: .notImplemented, title: "Not available", message: "This store does not report ingest health.")
        }
        let minuteStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - 59 * 60)
        let dayStart = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 13 * 86_400)
        let perMinute = try await health.eventCounts(since: minuteStart, until: now.addingTimeInterval(60), bucketSeconds: 60)
        let perDay = try await health.eventCounts(since: dayStart, until: now.addingTimeInterval(86_400), bucketSeconds: 86_400)
        let latest = try await health.latestEvents()
        let names = Set(perMinute.map(\.name)).union(perDay.map(\.name)).union(latest.map(\.name)).sorted()
        func series(_ buckets: [EventCountBucket], name: String, start: Date, width: Double, count: Int) -> [Int] {
            var values = [Int](repeating: 0, count: count)
            for b in buckets where b.name == name {
                let i = Int((b.start.timeIntervalSince(start) / width).rounded(.down))
                if values.indices.contains(i) { values[i] += b.count }
            }
            return values
        }
        let days = (0..<14).map { ReportFormat.date(dayStart.addingTimeInterval(Double($0) * 86_400)).prefix(10) }
        let rows: [[String: Any]] = names.map { name in
            let minutes = series(perMinute, name: name, start: minuteStart, width: 60, count: 60)
            let daily = series(perDay, name: name, start: dayStart, width: 86_400, count: 14)
            let last = latest.first { $0.name == name }
            return [
                "name": name, "lastHour": minutes.reduce(0, +), "lastMinute": minutes.last ?? 0,
                "minuteChart": Self.sparkline(minutes, label: "\(name): events per minute, last hour"),
                "days": daily.enumerated().map { ["day": String(days[$0.offset]), "count": $0.element] },
                "dayChart": Self.sparkline(daily, label: "\(name): events per day, last 14 days"),
                "latest": ConsoleController.date(last?.at), "total": last?.total ?? 0,
                "quietFor": last.map { ConsoleController.duration(now.timeIntervalSince($0.at)) } ?? "—",
            ]
        }
        let exposures = try await health.exposureCounts().map { x -> [String: Any] in
            ["experiment": x.experiment, "phase": x.phase, "units": x.units, "exposures": x.exposures, "latest": ConsoleController.date(x.latest)]
        }
        let byField = try await health.rejectionCounts(since: now.addingTimeInterval(-14 * 86_400)).map { r -> [String: Any] in
            ["field": r.field, "count": r.count, "latest": ReportFormat.date(r.latest)]
        }
        let examples = try await health.recentRejections(limit: 20).map { r -> [String: Any] in
            ["at": ReportFormat.date(r.at), "index": r.index, "field": r.field, "reason": r.reason, "source": r.source]
        }
        return [
            "names": rows, "noEvents": rows.isEmpty, "days": days.map { ["day": String($0)] },
            "exposures": exposures, "noExposures": exposures.isEmpty,
            "rejectionFields": byField, "rejections": examples, "noRejections": examples.isEmpty,
            "now": ReportFormat.date(now),
        ]
    }

    /// A bar chart of counts as inline SVG, with its numbers in a title for screen readers.
    static func sparkline(_ values: [Int], label: String, width: Int = 240, height: Int = 36) -> String {
        let top = max(values.max() ?? 0, 1)
        let step = Double(width) / Double(max(values.count, 1))
        var bars = ""
        for (i, v) in values.enumerated() where v > 0 {
            let h = max(1, Double(v) / Double(top) * Double(height - 2))
            bars += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", Double(i) * step, Double(height) - h, max(step - 1, 1), h)
        }
        let title = RampartAnalysis.html(label + ": " + values.map(String.init).joined(separator: ", "))
        return "<svg class=\"spark\" role=\"img\" aria-label=\"\(RampartAnalysis.html(label))\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\"><title>\(title)</title>\(bars)</svg>"
    }

    @Sendable func ingestPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        renderer.page("ingest", title: "Ingest health", identity: identity, values: try await ingestValues())
    }
}
