import Foundation
import Testing
@testable import RampartServer

/// The allocator's report read into memory in use and memory kept free.
@Suite("Heap usage")
struct HeapUsageTests {
    /// glibc 2.36's `malloc_info` after 1,000 blocks of 1,000 bytes, half of them freed, and one block of 1 MiB
    /// (mapped on its own): the totals after the last heap count, not the heap's own lines.
    static let report = """
        <malloc version="1">
        <heap nr="0">
        <sizes>
          <size from="1009" to="1009" total="497437" count="493"/>
        </sizes>
        <total type="fast" count="0" size="0"/>
        <total type="rest" count="494" size="566013"/>
        <system type="current" size="1081344"/>
        <system type="max" size="1081344"/>
        <aspace type="total" size="1081344"/>
        <aspace type="mprotect" size="1081344"/>
        </heap>
        <total type="fast" count="2" size="64"/>
        <total type="rest" count="494" size="566013"/>
        <total type="mmap" count="1" size="1052672"/>
        <system type="current" size="1081344"/>
        <system type="max" size="1081344"/>
        <aspace type="total" size="1081344"/>
        <aspace type="mprotect" size="1081344"/>
        </malloc>
        """

    @Test func theReportsTotalsGiveInUseAndFree() throws {
        let usage = try #require(HeapUsage(mallocInfo: Self.report))
        #expect(usage.free == 566_013 + 64)
        #expect(usage.inUse == 1_081_344 - 566_077 + 1_052_672)
        #expect(HeapUsage(mallocInfo: "<malloc version=\"1\"></malloc>") == nil)
        #expect(HeapUsage(mallocInfo: "not a report") == nil)
    }

    /// This process's own report: what a test holds is counted in use.
    @Test func thisProcessHoldsWhatItAllocated() throws {
        guard Allocator.isAvailable else { return }
        let bytes = 64 << 20
        let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { block.deallocate() }
        block.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
        let usage = try #require(Allocator.usage())
        #expect(usage.inUse >= bytes)
        #expect(usage.free >= 0)
    }
}
