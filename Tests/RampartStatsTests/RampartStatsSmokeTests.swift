import Testing
@testable import RampartStats

@Test func linksAgainstGSL() {
    #expect(gslVersion.hasPrefix("2."))
}
