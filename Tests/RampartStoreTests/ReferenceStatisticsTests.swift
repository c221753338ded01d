import Foundation
import RampartCore
import RampartStore
import Testing

/// The store's SQL aggregation against a direct computation in Swift, on random data.
@Suite("Statistics against a reference computation")
struct ReferenceStatisticsTests {
    let scope = ExperimentScope(key: "exp")

    struct World {
        var events: [Event] = []

        /// Per unit in the analysis: its variant and first exposure (the as-of reference at the end of time).
        func enrolment() -> [String: (variant: String, first: Date)] {
            enrolment(asOf: .distantFuture)
        }

        /// Per-unit values of a metric, for enrolled units (0 when no event matches).
        func values(_ name: String, _ matches: (Event) -> Bool, _ value: (Event) -> Double?, indicator: Bool, cap: Double? = nil) -> [String: (variant: String, x: Double)] {
            values(name, matches, value, indicator: indicator, cap: cap, asOf: .distantFuture)
        }
    }

    static func world(seed: UInt64) -> World {
        var random = TestRandom(state: seed)
        var world = World()
        for u in 0..<80 {
            let unit = "user-\(u)"
            let variant = random.int(0..<2) == 0 ? "control" : "treatment"
            let first = Double(random.int(0..<1000))
            for k in 0..<random.int(0..<3) {
                world.events.append(exposure(unit, first + Double(k * random.int(1..<50)), variant))
            }
            if random.int(0..<15) == 0 { world.events.append(exposure(unit, first + 3, "treatment")) }
            if random.int(0..<10) == 0 { world.events.append(exposure(unit, first, "control", phase: 2)) }
            for _ in 0..<random.int(0..<8) {
                let ts = first + Double(random.int(-200..<800))
                let latency = (random.unit() * 3000).rounded() / 4
                var properties: [String: JSONValue] = [
                    "latency_ms": .number(latency),
                    "status": .string(random.int(0..<5) == 0 ? "error" : "success"),
                    "task_completed": .bool(random.int(0..<3) > 0),
                ]
                if random.int(0..<2) == 0 { properties["segment"] = .string(random.int(0..<2) == 0 ? "smb" : "enterprise") }
                world.events.append(event(random.int(0..<3) == 0 ? "b" : "a", unit, ts, properties, id: random.uuid()))
            }
        }
        random.shuffle(&world.events)
        return world
    }

    static func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return b == 0 }
        return abs(a - b) <= 1e-9 * max(1, abs(b))
    }

    @Test(arguments: StoreBackend.allCases, [1, 2, 3] as [UInt64])
    func sufficientStatisticsMatch(_ backend: StoreBackend, seed: UInt64) async throws {
        let world = Self.world(seed: seed)
        let store = try await backend.make()
        for start in stride(from: 0, to: world.events.count, by: 50) {
            _ = try await store.ingest(Array(world.events[start..<min(start + 50, world.events.count)]))
        }
        let enrolled = world.enrolment()
        let attribution = try await store.attribution(scope)
        #expect(attribution.enrolledUnits == enrolled.count)
        for variant in ["control", "treatment"] {
            #expect(attribution.enrolled[variant] ?? 0 == enrolled.values.filter { $0.variant == variant }.count)
        }

        typealias Case = (MetricQuery, [String: (variant: String, x: Double)])
        let latency: (Event) -> Double? = { $0.properties["latency_ms"]?.numberValue }
        let cases: [Case] = [
            (MetricQuery(event: "a", aggregation: .indicator), world.values("a", { _ in true }, { _ in 1 }, indicator: true)),
            (MetricQuery(event: "a"), world.values("a", { _ in true }, { _ in 1 }, indicator: false)),
            (MetricQuery(event: "a", value: "latency_ms"), world.values("a", { _ in true }, latency, indicator: false)),
            (MetricQuery(event: "a", value: "latency_ms", cap: 1500), world.values("a", { _ in true }, latency, indicator: false, cap: 1500)),
            (MetricQuery(event: "b", filter: ["status": "error"], aggregation: .indicator),
             world.values("b", { $0.properties["status"] == "error" }, { _ in 1 }, indicator: true)),
            (MetricQuery(event: "a", filter: ["task_completed": true, "latency_ms": ["$gt": 300]]),
             world.values("a", { $0.properties["task_completed"] == true && latency($0)! > 300 }, { _ in 1 }, indicator: false)),
            (MetricQuery(event: "a", filter: ["segment": "enterprise"], value: "latency_ms"),
             world.values("a", { $0.properties["segment"] == "enterprise" }, latency, indicator: false)),
        ]
        for (query, values) in cases {
            let stats = try await store.statistics(query, in: scope)
            for variant in ["control", "treatment"] {
                let xs = values.values.filter { $0.variant == variant }.map(\.x)
                let s = stats.variants[variant]
                #expect(s?.count ?? 0 == xs.count, "\(query)")
                #expect(Self.close(s?.sum, xs.reduce(0, +)), "\(query)")
                #expect(Self.close(s?.sumOfSquares, xs.map { $0 * $0 }.reduce(0, +)), "\(query)")
            }
        }

        // Joint statistics of two metrics on different events.
        let x = world.values("a", { _ in true }, latency, indicator: false)
        let y = world.values("b", { _ in true }, { _ in 1 }, indicator: false)
        let joint = try await store.jointStatistics(MetricQuery(event: "a", value: "latency_ms"), MetricQuery(event: "b"), in: scope)
        for variant in ["control", "treatment"] {
            let units = x.keys.filter { x[$0]!.variant == variant }
            let s = joint.variants[variant]
            #expect(s?.x.count ?? 0 == units.count)
            #expect(Self.close(s?.x.sum, units.map { x[$0]!.x }.reduce(0, +)))
            #expect(Self.close(s?.y.sum, units.map { y[$0]!.x }.reduce(0, +)))
            #expect(Self.close(s?.y.sumOfSquares, units.map { y[$0]!.x * y[$0]!.x }.reduce(0, +)))
            #expect(Self.close(s?.sumOfProducts, units.map { x[$0]!.x * y[$0]!.x }.reduce(0, +)))
        }

        // Quantiles over events, with per-unit counts.
        let quantiles = try await store.quantileStatistics(MetricQuery(event: "a", value: "latency_ms"), level: 0.9, in: scope)
        for variant in ["control", "treatment"] {
            var perUnit: [String: [Double]] = [:]
            for e in world.events where e.name == "a" {
                guard let (v, first) = enrolled[e.unit], v == variant, e.timestamp >= first else { continue }
                perUnit[e.unit, default: []].append(latency(e)!)
            }
            let all = perUnit.values.flatMap { $0 }.sorted()
            let q = try #require(quantiles.variants[variant])
            #expect(q.events == all.count)
            guard !all.isEmpty else { continue }
            let estimate = all[Int((0.9 * Double(all.count)).rounded(.up)) - 1]
            #expect(q.estimate == estimate)
            #expect(q.perUnit.x.count == perUnit.count)
            let c = perUnit.values.map { Double($0.count) }
            let b = perUnit.values.map { Double($0.filter { $0 <= estimate }.count) }
            #expect(Self.close(q.perUnit.x.sumOfSquares, c.map { $0 * $0 }.reduce(0, +)))
            #expect(Self.close(q.perUnit.y.sum, b.reduce(0, +)))
            #expect(Self.close(q.perUnit.sumOfProducts, zip(b, c).map { $0 * $1 }.reduce(0, +)))
        }
    }
}
