import Foundation
import RampartCore
@testable import RampartStore
import Testing

/// The arrays an analysis on PostgreSQL attributes events through: units spread over their shards, the columns a
/// read passes on, and the binary array parameter as PostgreSQL reads it.
@Suite("PostgreSQL unit arrays")
struct PostgresUnitArraysTests {
    static let none = PostgresUnitArrays.notEnrolled

    @Test func unitsLandAtTheirOffsetInTheirShardAndOthersAreNotEnrolled() {
        let arrays = PostgresUnitArrays(shards: [10..<13, 13..<16], units: [14, 10, 99, 12], first: [1_400, 1_000, 9_900, 1_200], variant: [2, 1, 3, 2])
        #expect(arrays.shards.map(\.range) == [10..<13, 13..<16])
        #expect(arrays.shards[0].first == [1_000, Self.none, 1_200] && arrays.shards[0].variant == [1, 0, 2])
        #expect(arrays.shards[1].first == [Self.none, 1_400, Self.none] && arrays.shards[1].variant == [0, 2, 0])
        let whole = arrays.whole
        #expect(whole.range == 10..<16 && whole.first == arrays.shards.flatMap(\.first) && whole.variant == [1, 0, 2, 0, 2, 0])
        // A covariate window subtracted from the marker stays beyond any event.
        #expect(Self.none - 365 * 86_400_000 > Int64(Date.distantFuture.timeIntervalSince1970 * 1000))
    }

    @Test func aReadPassesOnTheColumnsItNamesInTableOrder() {
        let sql = "sum(e.latency_ms) FILTER (WHERE e.model = ? AND e.ts >= e.first_ts), rampart_prop(e.props, ?), rate.escalated_to_human, e.name_id = ?"
        #expect(PostgresUnitArrays.columns(readBy: sql) == ["name_id", "model", "latency_ms", "props"])
        #expect(PostgresUnitArrays.columns(readBy: "count(*)").isEmpty)
    }

    @Test(.enabled(if: StoreBackend.postgresURL != nil)) func theEncodedArrayReadsBackAsABigintArray() async throws {
        let store = try #require(try await StoreBackend.postgres.make() as? PostgresEventStore)
        for values: [Int64] in [[], [0], [1, -2, Int64.max, Int64.min, PostgresUnitArrays.notEnrolled], Array(0..<100_000).map { $0 * 7_919 - 50_000 }] {
            let read = try await store.read("reading an array back") { c in
                try await store.rows(PostgresEventStore.Statement(
                    "SELECT coalesce(?::bigint[], '{}'), cardinality(?::bigint[])", [.int8Array(PostgresInt8Array(values)), .int8Array(PostgresInt8Array(values))]
                ), on: c)[0].decode(([Int64], Int).self)
            }
            #expect(read.0 == values && read.1 == values.count)
        }
    }
}
