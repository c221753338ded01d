import Foundation
import Testing
@testable import RampartServer

/// Free memory the allocator keeps goes back to the operating system when the server trims its heap.
@Suite("Heap trim", .serialized)
struct HeapTrimTests {
    /// With the server's options, a large block is mapped on its own and goes back to the system when freed, trim
    /// or not, however large blocks freed earlier were (glibc otherwise raises its threshold after each).
    @Test(.enabled(if: Allocator.isAvailable)) func largeBlocksGoBackWhenFreedWithTheServersOptions() throws {
        #expect(Allocator.configureForServer())
        let before = Self.residentMiB()
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<128 {
            let memory = try #require(malloc(1 << 20))
            memset(memory, 0x5a, 1 << 20)
            blocks.append(memory)
        }
        let held = Self.residentMiB()
        blocks.forEach { free($0) }
        let after = Self.residentMiB()
        // Only the drop is checked: other suites allocate and free meanwhile, which can hide the rise.
        #expect(held - after > 96, "resident \(before) MiB, \(held) MiB with 128 MiB allocated, \(after) MiB after freeing it")
    }

    /// 256 MiB freed in the middle of the heap (each 64 KiB block pinned in place by a small allocation after it, so
    /// that `free` cannot shrink the heap from its top) stays resident until a trim gives it back.
    @Test(.enabled(if: Allocator.isAvailable)) func freedMemoryInTheMiddleOfTheHeapIsGivenBack() throws {
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
        #expect(Allocator.releaseFreeMemory())
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
