import Foundation
import NIOCore
import RampartBodyDecoding
import Testing

/// `PostHogFormBody.decode`: the inputs `FuzzPostHogForm` found, and the encodings it checks.
@Suite("PostHog form bodies")
struct PostHogFormBodyTests {
    static func decode(_ body: String) throws -> [UInt8] {
        Array(try PostHogFormBody.decode(ByteBuffer(string: body), limit: 1 << 16).readableBytesView)
    }

    /// Found by FuzzPostHogForm: base64 ending (or starting) with `+`, sent raw, reaches the decoder as a space,
    /// and trimming the value as if it were JSON text dropped it: 3 bytes came back as 2.
    @Test func aRawPlusAtEitherEndIsKept() throws {
        let payload: [UInt8] = [0x00, 0x03, 0xFE]
        #expect(Data(payload).base64EncodedString() == "AAP+")
        #expect(try Self.decode("data=AAP+&ver=1.130.0&compression=base64") == payload)
        let leading: [UInt8] = [0xFB, 0xEF, 0xBE]
        #expect(Data(leading).base64EncodedString() == "++++")
        #expect(try Self.decode("data=++++") == leading)
        #expect(try Self.decode("data=%2B%2B%2B%2B") == leading)
    }

    /// Either alphabet, with or without padding, wrapped in lines, among other fields; JSON text as it is.
    @Test func everyEncodingTheSDKsSendIsRead() throws {
        let payload = Array(#"{"batch":[{"event":"e","distinct_id":"u~?>"}]}"#.utf8)
        let standard = Data(payload).base64EncodedString()
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        for value in [standard, urlSafe, String(urlSafe.prefix { $0 != "=" }), standard.replacingOccurrences(of: "=", with: "%3D")] {
            #expect(try Self.decode("compression=base64&data=\(value)") == payload, "\(value)")
        }
        let wrapped = stride(from: 0, to: standard.count, by: 8).map { String(Array(standard)[$0..<min($0 + 8, standard.count)]) }
        #expect(try Self.decode("data=" + wrapped.joined(separator: "%0A")) == payload)
        #expect(try Self.decode("data=" + String(decoding: payload, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!) == payload)
    }

    /// Errors name the field and the reason.
    @Test func badBodiesAreNamed() throws {
        #expect(throws: PostHogFormBody.Failure.invalidPayload("data: the form body has no data field; send data=<base64 of the JSON body>")) {
            try Self.decode("ver=1")
        }
        #expect(throws: PostHogFormBody.Failure.invalidPayload("data: not base64 (nor JSON text); send data=<base64 of the JSON body>")) {
            try Self.decode("data=****")
        }
        #expect(throws: PostHogFormBody.Failure.tooLarge(limit: 2)) {
            try PostHogFormBody.decode(ByteBuffer(string: "data=AAAA"), limit: 2)
        }
    }
}
