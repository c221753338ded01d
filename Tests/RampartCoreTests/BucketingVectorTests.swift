import Testing
import RampartCore

@Suite("GrowthBook bucketing vectors")
struct BucketingVectorTests {
    @Test func everySectionIsPresent() {
        for name in ["hash", "getBucketRange", "chooseVariation", "inNamespace", "getEqualWeights"] {
            #expect(!GrowthBookVectors.section(name).isEmpty, "missing section \(name)")
        }
    }

    @Test("hash", arguments: GrowthBookVectors.section("hash"))
    func hash(_ row: [JSONValue]) throws {
        let seed = try #require(row[0].stringValue)
        let value = try #require(row[1].stringValue)
        let version = try #require(row[2].numberValue)
        let got = Bucketing.hash(seed: seed, value: value, version: Int(version))
        #expect(got == row[3].numberValue, "hash(\(seed), \(value), v\(Int(version)))")
    }

    @Test("getBucketRange", arguments: GrowthBookVectors.section("getBucketRange"))
    func bucketRange(_ row: [JSONValue]) throws {
        let name = row[0].stringValue ?? ""
        let args = try #require(row[1].arrayValue)
        let count = Int(try #require(args[0].numberValue))
        let coverage = try #require(args[1].numberValue)
        let weights = args[2].arrayValue?.compactMap(\.numberValue)
        let expected = try #require(row[2].arrayValue).map { pair in
            BucketRange(start: pair.arrayValue?[0].numberValue ?? .nan, end: pair.arrayValue?[1].numberValue ?? .nan)
        }
        let got = Bucketing.bucketRanges(count: count, coverage: coverage, weights: weights)
        #expect(got.count == expected.count, "\(name)")
        for (g, e) in zip(got, expected) {
            #expect(abs(g.start - e.start) < 1e-9 && abs(g.end - e.end) < 1e-9, "\(name): \(got) vs \(expected)")
        }
    }

    @Test("chooseVariation", arguments: GrowthBookVectors.section("chooseVariation"))
    func chooseVariation(_ row: [JSONValue]) throws {
        let n = try #require(row[1].numberValue)
        let ranges = try #require(row[2].arrayValue).map { pair in
            BucketRange(start: pair.arrayValue?[0].numberValue ?? .nan, end: pair.arrayValue?[1].numberValue ?? .nan)
        }
        let expected = Int(try #require(row[3].numberValue))
        #expect((Bucketing.chooseVariation(n, ranges: ranges) ?? -1) == expected, "\(row[0])")
    }

    @Test("inNamespace", arguments: GrowthBookVectors.section("inNamespace"))
    func inNamespace(_ row: [JSONValue]) throws {
        let unit = try #require(row[1].stringValue)
        let ns = try #require(row[2].arrayValue)
        let namespace = Namespace(
            id: try #require(ns[0].stringValue),
            start: try #require(ns[1].numberValue),
            end: try #require(ns[2].numberValue)
        )
        #expect(Bucketing.inNamespace(unit: unit, namespace: namespace) == row[3].boolValue, "\(row[0])")
    }

    @Test("getEqualWeights", arguments: GrowthBookVectors.section("getEqualWeights"))
    func equalWeights(_ row: [JSONValue]) throws {
        let count = Int(try #require(row[0].numberValue))
        let expected = try #require(row[1].arrayValue).compactMap(\.numberValue)
        let got = Bucketing.equalWeights(count: count)
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) { #expect(abs(g - e) < 1e-6) }
    }

    @Test func decimalMixingMatchesStringConversion() {
        for n: UInt32 in [0, 7, 10, 99, 12345, 4_294_967_295] {
            var a = FNV1a()
            a.combineDecimal(n)
            #expect(a.value == FNV1a.hash(String(n)))
        }
    }
}

@Suite("FNV-1a")
struct FNV1aTests {
    @Test func nonASCIIUsesUTF16CodeUnits() {
        // "é" is one UTF-16 code unit (0xE9) and "😀" two surrogates (0xD83D 0xDE00).
        var expected = FNV1a()
        for unit: UInt16 in [0x61, 0xE9, 0xD83D, 0xDE00] { expected.combine(unit) }
        #expect(FNV1a.hash("aé😀") == expected.value)
    }

    @Test func asciiFastPathMatchesUTF16() {
        var expected = FNV1a()
        for unit in "user-123_abc".utf16 { expected.combine(unit) }
        #expect(FNV1a.hash("user-123_abc") == expected.value)
    }

    @Test func knownValues() {
        // Published FNV-1a 32-bit test values.
        #expect(FNV1a.hash("") == 0x811c_9dc5)
        #expect(FNV1a.hash("a") == 0xe40c_292c)
        #expect(FNV1a.hash("foobar") == 0xbf9c_f968)
    }
}
