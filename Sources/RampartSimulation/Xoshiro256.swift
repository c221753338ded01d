import Foundation

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: a small, fast, reproducible generator, so the
/// simulator's output depends only on its seed, on every platform and Swift version.
public struct Xoshiro256: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator from a seed; each stream id gives an independent-looking sequence for the same seed.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mix = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// A uniform double in [0, 1).
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `p`.
    public mutating func bernoulli(_ p: Double) -> Bool {
        uniform() < p
    }

    /// A standard normal deviate (Box–Muller; one of the pair is discarded to keep the stream simple).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A log-normal deviate with the given median and log-scale standard deviation.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * normal())
    }

    /// A geometric count of failures before a success with probability `p`: mean (1 − p) / p.
    public mutating func geometric(_ p: Double) -> Int {
        var n = 0
        while !bernoulli(p) && n < 1000 { n += 1 }
        return n
    }

    /// An integer in `range`.
    public mutating func int(in range: Range<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// A version-4 UUID from the stream.
    public mutating func uuid() -> UUID {
        let a = next(), b = next()
        var t: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &t) { bytes in
            for i in 0..<8 {
                bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i))
                bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i))
            }
            bytes[6] = bytes[6] & 0x0F | 0x40
            bytes[8] = bytes[8] & 0x3F | 0x80
        }
        return UUID(uuid: t)
    }
}
