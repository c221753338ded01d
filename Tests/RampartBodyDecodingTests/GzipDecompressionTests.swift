import CompressNIO
import Foundation
import NIOCore
import RampartBodyDecoding
import Testing

/// `GzipDecoding.decompress` takes exactly one whole gzip member: the inputs `FuzzGzip` found, and the edges it checks.
@Suite("Gzip decompression")
struct GzipDecompressionTests {
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        return Array(try input.compress(with: .gzip()).readableBytesView)
    }

    static func decompress(_ bytes: [UInt8], limit: Int = 1 << 16) throws -> [UInt8] {
        Array(try GzipDecoding.decompress(ByteBuffer(bytes: bytes), limit: limit).readableBytesView)
    }

    /// Found by FuzzGzip: the gzip of an empty payload is 20 bytes, and cut to 19 its last 8 bytes are zeros, a
    /// trailer that matches an empty output (CRC 0, size 0); the old check of the trailer took it.
    @Test func aCutBodyIsRefusedEvenWhenItsLastBytesLookLikeATrailer() throws {
        let empty = try Self.gzip([])
        #expect(empty.count == 20)
        #expect(try Self.decompress(empty).isEmpty)
        for cut in 0..<empty.count {
            #expect(throws: GzipDecoding.Failure.self, "cut to \(cut)") { try Self.decompress(Array(empty[..<cut])) }
        }
        #expect(throws: GzipDecoding.Failure.corrupt("truncated: the body ends before the end of its gzip stream; send the whole compressed body")) {
            try Self.decompress(Array(empty[..<19]))
        }
    }

    /// Bytes after the member, even a copy of its own trailer (which the old check read as the trailer), and a second
    /// member are refused by name.
    @Test func bytesAfterTheMemberAreRefused() throws {
        let body = try Self.gzip(Array("[1]".utf8))
        #expect(try Self.decompress(body) == Array("[1]".utf8))
        #expect(throws: GzipDecoding.Failure.corrupt("8 bytes after the end of the gzip stream; send one gzip member and nothing after it")) {
            try Self.decompress(body + body.suffix(8))
        }
        #expect(throws: GzipDecoding.Failure.self) { try Self.decompress(body + (try Self.gzip(Array("[2]".utf8)))) }
        #expect(throws: GzipDecoding.Failure.self) { try Self.decompress(body + [0]) }
    }

    /// The limit is exact at every size, in one output chunk or several.
    @Test func theLimitIsExact() throws {
        for size in [0, 1, 4_095, 4_096, 4_097, 100_000] {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 251) }
            let body = try Self.gzip(payload)
            #expect(try Self.decompress(body, limit: size) == payload)
            if size > 0 {
                #expect(throws: GzipDecoding.Failure.tooLarge(limit: size - 1)) { try Self.decompress(body, limit: size - 1) }
            }
        }
    }

    /// A member with every optional header field (extra, name, comment, header CRC) and one of stored blocks, as
    /// other compressors write them (RFC 1952, 2.3).
    @Test func optionalHeaderFieldsAndStoredBlocksAreRead() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz/corpus/FuzzGzip")
        let payload = Array(try Data(contentsOf: seeds.appendingPathComponent("payload.json")))
        for name in ["batch.gz", "stored.gz", "headers.gz"] {
            let body = Array(try Data(contentsOf: seeds.appendingPathComponent(name)))
            #expect(try Self.decompress(body) == payload, "\(name)")
        }
        #expect(throws: GzipDecoding.Failure.self) {
            try Self.decompress(Array(try Data(contentsOf: seeds.appendingPathComponent("two-members.gz"))))
        }
    }
}
