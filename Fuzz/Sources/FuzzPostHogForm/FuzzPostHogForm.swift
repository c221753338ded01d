import CompressNIO
import Foundation
import NIOCore
import RampartBodyDecoding

/// The decoded-size limit the checks use.
let limit = 65_536

/// Reads the input two ways.
///
/// As a form body, as posted: `PostHogFormBody.decode` must not crash, and what it returns is at most `limit` bytes.
///
/// As a payload: posted the ways PostHog's SDKs and form encoding deliver it (`data=` then base64 with either
/// alphabet, with or without padding, with `+` sent raw, so read as a space, or as `%2B`, wrapped in lines, among
/// other fields in either order, or base64 of its gzip with `compression=gzip-js`), the body decodes to the payload
/// itself. Payloads that are themselves gzip (1f 8b) are decompressed as the route does, so those are left out.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPostHogForm(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let decoded = try? PostHogFormBody.decode(ByteBuffer(bytes: bytes), limit: limit), decoded.readableBytes > limit {
        fatalError("decode returned \(decoded.readableBytes) bytes past the limit \(limit)")
    }
    guard !bytes.isEmpty, !bytes.starts(with: [0x1F, 0x8B]) else { return 0 }
    let variant = Int(bytes[0])
    var base64 = Data(bytes).base64EncodedString()
    if variant & 1 != 0 { base64 = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
    if variant & 2 != 0 { base64 = String(base64.prefix { $0 != "=" }) }
    if variant & 4 != 0 { base64 = stride(from: 0, to: base64.count, by: 76).map { start in
        let from = base64.index(base64.startIndex, offsetBy: start)
        return String(base64[from..<(base64.index(from, offsetBy: 76, limitedBy: base64.endIndex) ?? base64.endIndex)])
    }.joined(separator: "%0A") }
    var value = variant & 8 != 0 ? base64.replacingOccurrences(of: "+", with: "%2B") : base64
    value = value.replacingOccurrences(of: "=", with: variant & 16 != 0 ? "%3D" : "=")
    var fields = ["data=\(value)", "ver=1.130.0", "compression=base64"]
    if variant & 32 != 0 { fields.reverse() }
    expect(fields.joined(separator: "&"), decodesTo: bytes, "variant \(variant)")

    var payload = ByteBuffer(bytes: bytes)
    guard let compressed = try? payload.compress(with: .gzip()) else { fatalError("CompressNIO could not compress \(bytes.count) bytes") }
    let zipped = Data(compressed.readableBytesView).base64EncodedString().replacingOccurrences(of: "+", with: "%2B")
    expect("compression=gzip-js&data=\(zipped)", decodesTo: bytes, "gzip-js")
    return 0
}

/// Checks that a form body decodes to the payload (or is refused as too large, past the limit).
func expect(_ body: String, decodesTo payload: [UInt8], _ what: String) {
    do {
        let decoded = try PostHogFormBody.decode(ByteBuffer(string: body), limit: limit)
        guard Array(decoded.readableBytesView) == payload else {
            fatalError("\(what): \(payload.count) bytes came back as \(decoded.readableBytes) different ones from \(body.prefix(200))")
        }
    } catch PostHogFormBody.Failure.tooLarge where payload.count > limit {
    } catch {
        fatalError("\(what): \(payload.count) bytes refused: \(error) (\(body.prefix(200)))")
    }
}
