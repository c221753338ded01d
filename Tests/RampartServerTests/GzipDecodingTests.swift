import CompressNIO
import NIOCore
import RampartBodyDecoding
import Testing
@testable import RampartServer

@Suite("Gzip request bodies")
struct GzipDecodingTests {
    static func gzip(_ text: String) throws -> ByteBuffer {
        var input = ByteBuffer(string: text)
        return try input.compress(with: .gzip())
    }

    @Test func roundTripsAndRecognisesTheMagicNumber() throws {
        let text = String(repeating: #"{"event":"x","distinct_id":"u"}"#, count: 100)
        let compressed = try Self.gzip(text)
        #expect(GzipDecoding.looksCompressed(compressed))
        #expect(!GzipDecoding.looksCompressed(ByteBuffer(string: text)))
        let plain = try GzipDecoding.decompress(compressed, limit: text.utf8.count)
        #expect(String(buffer: plain) == text)
    }

    @Test func aBombIsRefusedWithoutDecompressingItAll() throws {
        // 64 MiB of zeros compress to about 64 KiB; the limit is 1 MiB.
        var zeros = ByteBuffer(repeating: 0, count: 64 * 1024 * 1024)
        let bomb = try zeros.compress(with: .gzip())
        #expect(bomb.readableBytes < 200_000)
        #expect(throws: GzipDecoding.Failure.tooLarge(limit: 1 << 20)) {
            try GzipDecoding.decompress(bomb, limit: 1 << 20)
        }
        // One byte over the limit is refused; exactly at the limit is accepted.
        let text = String(repeating: "a", count: 1_000)
        #expect(throws: GzipDecoding.Failure.tooLarge(limit: 999)) { try GzipDecoding.decompress(try Self.gzip(text), limit: 999) }
        #expect(try GzipDecoding.decompress(try Self.gzip(text), limit: 1_000).readableBytes == 1_000)
    }

    @Test func corruptDataAndUnknownEncodingsAreClearErrors() throws {
        var compressed = try Self.gzip(String(repeating: "hello world ", count: 50))
        compressed.setInteger(UInt8(0x00), at: 3)  // invalid flags are fine for zlib; corrupt the deflate data instead
        compressed.setBytes([UInt8](repeating: 0xFF, count: 8), at: 12)
        #expect(throws: GzipDecoding.Failure.self) { try GzipDecoding.decompress(compressed, limit: 1 << 20) }
        #expect(throws: GzipDecoding.Failure.self) { try GzipDecoding.decompress(ByteBuffer(string: "not gzip at all"), limit: 1 << 20) }
        do {
            _ = try GzipDecoding.decodeBody(ByteBuffer(string: "x"), contentEncoding: "br", limit: 100)
            Issue.record("br must be refused")
        } catch let error as APIError {
            #expect(error.status == .unsupportedMediaType)
        }
        do {
            _ = try GzipDecoding.decodeBody(ByteBuffer(string: "not gzip"), contentEncoding: "gzip", limit: 100)
            Issue.record("corrupt gzip must be refused")
        } catch let error as APIError {
            #expect(error.status == .badRequest)
            #expect(error.code == "invalid_gzip")
        }
        #expect(String(buffer: try GzipDecoding.decodeBody(ByteBuffer(string: "plain"), contentEncoding: nil, limit: 100)) == "plain")
        #expect(String(buffer: try GzipDecoding.decodeBody(try Self.gzip("zipped"), contentEncoding: nil, forceGzip: true, limit: 100)) == "zipped")
    }
}
