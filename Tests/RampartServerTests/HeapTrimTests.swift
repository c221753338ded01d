import Foundation
import Testing
@testable import RampartServer

/// Free memory the allocator keeps goes back to the operating system when the server trims its heap.
@Suite("Heap trim")
struct HeapTrimTests {
    /// 256 MiB freed in the middle of the heap (each 64 KiB block pinned in place by a small allocation after it, so
    /// that `free` cannot shrink the heap from its top) stays resident until a trim gives it back.
    @Test(.enabled(if: HeapTrim.isAvailable)) func freedMemoryInTheMiddleOfTheHeapIsGivenBack() throws {
        let block = 64 * 1024
        let count = 4096
        var blocks: [UnsafeMutableRawPointer] = []
        var pins: [UnsafeMutableRawPointer] = []
        for _ in 0..<count {
            let memory = try #require(malloc(block))
            memset(memory, 0x5a, block)
            blocks.append(memory)
            pins.append(try #require(malloc(32)))
        }
        defer { pins.forEach { free($0) } }
        blocks.forEach { free($0) }
        let held = Self.residentMiB()
        #expect(HeapTrim.release())
        let after = Self.residentMiB()
        // Other tests allocate meanwhile in this process; half of the 256 MiB is a margin no such noise reaches.
        #expect(held - after > 128, "resident \(held) MiB before the trim, \(after) MiB after")
    }

    /// `VmRSS` of this process in MiB.
    static func residentMiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
