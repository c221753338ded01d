import Testing
import RampartStore
@testable import RampartServer

@Suite("API key ring")
struct KeyRingTests {
    static let sdk = "rk_sdk_abcdefghijklmnopqrstuvwxyz0123"
    static let admin = "rk_admin_abcdefghijklmnopqrstuvwxyz0123"

    static func ring() -> KeyRing {
        KeyRing([
            APIKey.fromPlaintext(sdk, scope: .sdk, name: "sdk"),
            APIKey.fromPlaintext(admin, scope: .admin, name: "admin"),
        ])
    }

    @Test func aRepeatedKeyKeepsItsScope() {
        let ring = Self.ring()
        for _ in 0..<3 {
            #expect(ring.scope(of: Self.sdk) == .sdk)
            #expect(ring.scope(of: Self.admin) == .admin)
        }
    }

    @Test func keysCloseToARememberedOneAreRejected() {
        let ring = Self.ring()
        #expect(ring.scope(of: Self.sdk) == .sdk)
        var lastByteChanged = Array(Self.sdk.utf8)
        lastByteChanged[lastByteChanged.count - 1] ^= 1
        for near in [String(decoding: lastByteChanged, as: UTF8.self), String(Self.sdk.dropLast()), Self.sdk + "4", "", "r"] {
            #expect(ring.scope(of: near) == nil, "\(near)")
        }
        #expect(ring.scope(of: Self.sdk) == .sdk)
    }

    @Test func aRevokedKeyStopsWorkingEvenWhenRemembered() {
        let ring = Self.ring()
        #expect(ring.scope(of: Self.sdk) == .sdk)
        ring.replace([APIKey.fromPlaintext(Self.admin, scope: .admin, name: "admin")])
        #expect(ring.scope(of: Self.sdk) == nil)
        #expect(ring.scope(of: Self.admin) == .admin)
    }

    @Test func moreKeysThanRememberedAndLongKeysStillWork() {
        let many = (0..<(RecentKeys.capacity + 3)).map { "rk_sdk_key\($0)_abcdefghijklmnop" }
        let long = "rk_sdk_" + String(repeating: "x", count: RecentKeys.width)
        let ring = KeyRing((many + [long]).map { APIKey.fromPlaintext($0, scope: .sdk, name: $0) })
        for _ in 0..<2 {
            for key in many + [long] { #expect(ring.scope(of: key) == .sdk, "\(key)") }
        }
    }

    @Test func aRememberedKeyIsFoundAsASubstringToo() {
        let ring = Self.ring()
        let header = "Bearer  \(Self.sdk) "
        let token = header.dropFirst("Bearer  ".count).dropLast()
        #expect(ring.scope(of: token) == .sdk)
        #expect(ring.scope(of: token) == .sdk)
    }
}
