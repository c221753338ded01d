import CCompressZlib
import CompressNIO
import NIOCore
import RampartBodyDecoding

/// The decompressed-size limit the checks use: small, so that inputs of a few bytes reach it.
let limit = 4_096

/// Reads the input two ways.
///
/// As a gzip body: `GzipDecoding.decompress` must agree with zlib's own inflate, driven directly (one gzip member
/// that ends exactly where the body ends, with at most `limit` bytes of output): it takes the body when zlib reaches
/// the member's end with the whole body read, giving the same bytes, and refuses it as too large exactly when zlib
/// produces more than `limit` bytes.
///
/// As a payload: compressed by CompressNIO, it decompresses to itself at a limit of its own size and is refused as
/// too large one byte below; every cut of the compressed body and the body with a byte appended are refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkBody(bytes)
    checkPayload(bytes)
    return 0
}

/// What zlib makes of a body, or what `GzipDecoding` made of it.
enum Outcome: Equatable {
    case taken([UInt8])
    case tooLarge
    case refused
}

func checkBody(_ bytes: [UInt8]) {
    let ours: Outcome
    do {
        let output = try GzipDecoding.decompress(ByteBuffer(bytes: bytes), limit: limit)
        guard output.readableBytes <= limit else { fatalError("\(output.readableBytes) bytes returned past the limit \(limit)") }
        ours = .taken(Array(output.readableBytesView))
    } catch GzipDecoding.Failure.tooLarge(let reported) {
        guard reported == limit else { fatalError("tooLarge reports limit \(reported), not \(limit)") }
        ours = .tooLarge
    } catch {
        ours = .refused
    }
    let reference = inflateReference(bytes)
    guard ours == reference else { fatalError("GzipDecoding gave \(describe(ours)), zlib \(describe(reference))") }
}

func checkPayload(_ payload: [UInt8]) {
    var input = ByteBuffer(bytes: payload)
    guard let compressed = try? input.compress(with: .gzip()) else { fatalError("CompressNIO could not compress \(payload.count) bytes") }
    let body = Array(compressed.readableBytesView)
    guard let round = try? GzipDecoding.decompress(ByteBuffer(bytes: body), limit: payload.count),
        Array(round.readableBytesView) == payload
    else { fatalError("a gzip body of \(payload.count) bytes did not decompress to itself at a limit of its size") }
    if !payload.isEmpty {
        do {
            _ = try GzipDecoding.decompress(ByteBuffer(bytes: body), limit: payload.count - 1)
            fatalError("a body of \(payload.count) bytes was taken at a limit of \(payload.count - 1)")
        } catch GzipDecoding.Failure.tooLarge {
        } catch {
            fatalError("a body of \(payload.count) bytes at a limit one below: \(error), not tooLarge")
        }
    }
    // Every cut when the body is short, else 64 spread over it and the last 16.
    let cuts = body.count <= 96 ? Array(0..<body.count) : (0..<64).map { $0 * body.count / 64 } + ((body.count - 16)..<body.count)
    for cut in cuts {
        if let taken = try? GzipDecoding.decompress(ByteBuffer(bytes: body[..<cut]), limit: payload.count) {
            fatalError("the body cut to \(cut) of \(body.count) bytes was taken (\(taken.readableBytes) bytes)")
        }
    }
    for extra: UInt8 in [0, 0x1F] {
        if (try? GzipDecoding.decompress(ByteBuffer(bytes: body + [extra]), limit: payload.count)) != nil {
            fatalError("the body with a byte \(extra) after its end was taken")
        }
    }
}

/// zlib's inflate over the whole body in one call, gzip format only, with room for `limit + 1` bytes.
func inflateReference(_ bytes: [UInt8]) -> Outcome {
    var stream = z_stream()
    guard CCompressZlib_inflateInit2(&stream, 16 + 15) == Z_OK else { fatalError("inflateInit2 failed") }
    defer { inflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: limit + 1)
    let code = input.withUnsafeMutableBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            stream.next_out = outputBuffer.baseAddress
            stream.avail_out = uInt(outputBuffer.count)
            return inflate(&stream, Z_FINISH)
        }
    }
    let written = limit + 1 - Int(stream.avail_out)
    if written > limit { return .tooLarge }
    guard code == Z_STREAM_END, stream.avail_in == 0 else { return .refused }
    return .taken(Array(output[..<written]))
}

func describe(_ outcome: Outcome) -> String {
    switch outcome {
    case .taken(let bytes): "taken (\(bytes.count) bytes)"
    case .tooLarge: "too large"
    case .refused: "refused"
    }
}
