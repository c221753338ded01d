import Foundation
import Testing
@testable import RampartServer

/// Free memory the allocator keeps goes back to the operating system when the server trims its heap.
@Suite("Heap trim", .serialized)
struct HeapTrimTests {
    /// The server's allocator options are taken by glibc. (What they do to resident memory is measured, not unit
    /// tested: a block is mapped on its own only when its arena has no free chunk to serve it, which in a test
    /// process full of freed memory is rarely the case; docs/performance.md, "Soak".)
    @Test(.enabled(if: Allocator.isAvailable)) func theServersOptionsAreTaken() {
        #expect(Allocator.configureForServer())
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
