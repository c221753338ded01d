import Testing

@testable import RampartCore

@Suite("JavaScript coercions")
struct JavaScriptCoercionTests {
    @Test(
        "Numbers print as JavaScript prints them",
        arguments: [
            (0, "0"), (-0.0, "0"), (10, "10"), (-7, "-7"), (1.5, "1.5"), (0.1, "0.1"), (123.456, "123.456"),
            (0.000001, "0.000001"), (1e-7, "1e-7"), (1.5e-10, "1.5e-10"), (1e16, "10000000000000000"),
            (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.2345e25, "1.2345e+25"),
            (9007199254740992, "9007199254740992"), (1.2345678901234568e20, "123456789012345680000"),
            (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (.infinity, "Infinity"), (-.infinity, "-Infinity"), (.nan, "NaN"),
        ] as [(Double, String)])
    func numberToString(_ number: Double, _ expected: String) {
        #expect(number.javaScriptString == expected)
    }

    @Test(
        "Strings convert to numbers as JavaScript's Number() does",
        arguments: [
            ("", 0), ("  ", 0), (" 42 ", 42), ("+5", 5), ("-.5e-3", -0.0005), ("1.", 1), (".5", 0.5),
            ("0x1F", 31), ("0b101", 5), ("0o17", 15), ("Infinity", .infinity), ("-Infinity", -.infinity),
            ("1e400", .infinity),
        ] as [(String, Double)])
    func stringToNumber(_ text: String, _ expected: Double) {
        #expect(text.javaScriptNumber == expected)
    }

    @Test("Strings that are not numbers convert to NaN", arguments: ["abc", "1_000", "inf", "nan", "0x", "-0x10", "1e", "1 2", "."])
    func stringToNaN(_ text: String) {
        #expect(text.javaScriptNumber.isNaN)
    }

    @Test("Values print as JavaScript's String() does")
    func valueToString() {
        #expect(JSONValue.null.javaScriptString == "null")
        #expect(JSONValue.bool(true).javaScriptString == "true")
        #expect(JSONValue.array([1, nil, "a", [2, 3]]).javaScriptString == "1,,a,2,3")
        #expect(JSONValue.object([:]).javaScriptString == "[object Object]")
    }

    @Test("Version strings pad as GrowthBook's paddedVersionString does")
    func paddedVersions() {
        #expect(VersionString("v1.2.3+build.7").padded == "    1-    2-    3-~")
        #expect(VersionString("1.0.0-rc.1").padded == "    1-    0-    0-rc-    1")
        #expect(VersionString("123456.1.2").padded == "123456-    1-    2-~")
        #expect(VersionString(.number(2)).padded == "    2")
        #expect(VersionString(.null).padded == "    0")
        #expect(VersionString("").padded == "    0")
        #expect(VersionString("v").padded == "")
    }
}
