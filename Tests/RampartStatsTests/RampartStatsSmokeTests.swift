import Testing
import RampartStats

@Test func linksAgainstGSL() {
    #expect(gslVersion.hasPrefix("2."))
}
