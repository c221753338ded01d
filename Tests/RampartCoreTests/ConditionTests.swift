import Foundation
import Testing

@testable import RampartCore

/// One `evalCondition` case from GrowthBook's public SDK test vectors.
struct GrowthBookConditionCase: Sendable, CustomTestStringConvertible {
    let index: Int
    let name: String
    let condition: JSONValue
    let attributes: JSONValue
    let expected: Bool
    let savedGroups: [String: [JSONValue]]

    var testDescription: String { "#\(index) \(name)" }

    /// The `evalCondition` cases of `Tests/Fixtures/growthbook-cases.json`.
    static func all() throws -> [GrowthBookConditionCase] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/growthbook-cases.json")
        let fixture = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: url))
        let cases = try #require(fixture["evalCondition"]?.arrayValue)
        return try cases.enumerated().map { index, entry in
            let fields = try #require(entry.arrayValue)
            try #require(fields.count == 4 || fields.count == 5, "case \(index) has \(fields.count) fields")
            try #require(fields[3].boolValue != nil, "case \(index) expects a boolean")
            let groups = try fields.count == 5
                ? #require(fields[4].objectValue).mapValues { try #require($0.arrayValue) }
                : [:]
            return GrowthBookConditionCase(
                index: index,
                name: try #require(fields[0].stringValue),
                condition: fields[1],
                attributes: fields[2],
                expected: fields[3] == .bool(true),
                savedGroups: groups)
        }
    }
}

@Suite("Condition evaluation")
struct ConditionEvaluationTests {
    @Test("The fixture holds all 248 evalCondition vectors")
    func fixtureIsComplete() throws {
        #expect(try GrowthBookConditionCase.all().count == 248)
    }

    @Test("GrowthBook evalCondition vector", arguments: try GrowthBookConditionCase.all())
    func growthBookVector(_ vector: GrowthBookConditionCase) {
        let condition = Condition(vector.condition)
        #expect(
            condition.evaluate(vector.attributes, savedGroups: vector.savedGroups) == vector.expected,
            "\(vector.name): \(vector.condition) on \(vector.attributes)")
    }

    @Test("Dictionary attributes and JSONValue attributes agree")
    func dictionaryOverload() {
        let condition = Condition(["country": ["$in": ["US", "CA"]]])
        #expect(condition.evaluate(["country": "US"]))
        #expect(!condition.evaluate(["country": "FR"] as [String: JSONValue]))
        #expect(condition.evaluate(JSONValue.object(["country": "CA"])))
    }

    @Test("Dotted paths reach nested members, array elements and array length")
    func dottedPaths() {
        let attributes: [String: JSONValue] = ["user": ["tags": ["a", "b"], "name": "x"]]
        #expect(Condition(["user.name": "x"]).evaluate(attributes))
        #expect(Condition(["user.tags.1": "b"]).evaluate(attributes))
        #expect(Condition(["user.tags.length": 2]).evaluate(attributes))
        #expect(Condition(["user.tags.01": ["$exists": false]]).evaluate(attributes))
        #expect(Condition(["user.name.first": ["$exists": false]]).evaluate(attributes))
    }

    @Test("A malformed logical structure never matches, even under $not or $nor")
    func malformedStructureFailsClosed() {
        let malformed: [JSONValue] = [
            "country", [["country": "US"]], ["$or": ["country": "US"]], ["$and": ["a"]],
            ["$not": "x"], ["$nor": 5], ["$not": ["$or": 1]],
        ]
        for json in malformed {
            #expect(!Condition(json).evaluate(["country": "US"]), "\(json)")
        }
    }

    @Test("JavaScript coercions decide mixed-type comparisons")
    func javaScriptCoercions() {
        #expect(Condition(["n": "10"]).evaluate(["n": 10]))
        #expect(Condition(["n": 10]).evaluate(["n": "10"]))
        #expect(Condition(["n": "1.5"]).evaluate(["n": 1.5]))
        #expect(Condition(["n": "1,2"]).evaluate(["n": [1, 2]]))
        #expect(Condition(["n": 0]).evaluate([:]), "null * 1 is 0 in JavaScript")
        #expect(Condition(["n": ["$lt": 10]]).evaluate(["n": [5]]), "[5] compares as 5")
        #expect(!Condition(["n": ["$gt": 1]]).evaluate(["n": "abc"]), "NaN compares false")
        #expect(!Condition(["n": ["$lte": 1]]).evaluate(["n": "abc"]), "NaN compares false")
        #expect(Condition(["n": ["$regex": "^nu"]]).evaluate([:]), "a missing attribute reads as \"null\"")
        #expect(!Condition(["n": ["$eq": ["a"]]]).evaluate(["n": ["a"]]), "strict equality on arrays")
        #expect(Condition(["n": ["a"]]).evaluate(["n": ["a"]]), "literal arrays compare structurally")
    }

    @Test("$elemMatch skips falsy elements, as GrowthBook does")
    func elemMatchSkipsFalsy() {
        #expect(!Condition(["n": ["$elemMatch": ["$eq": 0]]]).evaluate(["n": [0, 1]]))
        #expect(Condition(["n": ["$elemMatch": ["$eq": 1]]]).evaluate(["n": [0, 1]]))
    }

    @Test("An empty $nor never matches; an empty $or always does")
    func emptyLogicalLists() {
        #expect(!Condition(["$nor": []]).evaluate([:]))
        #expect(Condition(["$or": []]).evaluate([:]))
    }

    @Test("$all and $alli accept operator objects as elements")
    func allWithOperators() {
        let condition = Condition(["n": ["$all": [["$gt": 5], 1]]])
        #expect(condition.evaluate(["n": [1, 7]]))
        #expect(!condition.evaluate(["n": [1, 3]]))
    }

    @Test("Conditions round-trip through Codable and compare by their JSON")
    func codable() throws {
        let condition = Condition(["version": ["$vgte": "2.0.0"], "$or": [["plan": "pro"], ["beta": true]]])
        let data = try JSONEncoder().encode(condition)
        let decoded = try JSONDecoder().decode(Condition.self, from: data)
        #expect(decoded == condition)
        #expect(decoded.evaluate(["version": "2.1.0", "beta": true]))
        #expect(!decoded.evaluate(["version": "1.9.9", "beta": true]))
    }
}

@Suite("Condition validation")
struct ConditionValidationTests {
    /// The single problem `Condition.problems(in:)` finds in `json`.
    private func onlyProblem(_ json: JSONValue) throws -> ConditionProblem {
        let problems = Condition.problems(in: json)
        try #require(problems.count == 1, "\(problems)")
        return problems[0]
    }

    @Test("A valid complex condition has no problems")
    func validComplexCondition() {
        let condition: JSONValue = [
            "country": ["$in": ["US", "CA"]],
            "app.version": ["$vgte": "2.4.0", "$vlt": "3.0.0"],
            "email": ["$regexi": "@example\\.(com|org)$"],
            "tags": ["$elemMatch": ["$in": ["beta", "staff"]], "$size": ["$gt": 0]],
            "orders": ["$elemMatch": ["total": ["$gte": 100]]],
            "roles": ["$all": ["viewer", ["$regex": "^edit"]]],
            "plan": ["$not": ["$eq": "free"]],
            "age": ["$exists": true, "$type": "number", "$gte": 18],
            "id": ["$notInGroup": "blocked-users"],
            "address": ["city": "Paris", "zip": "75001"],
            "$or": [["beta": true], ["$and": [["plan": "pro"], ["seats": ["$gt": 5]]]]],
            "$nor": [["banned": true]],
            "$not": ["country": "KP"],
        ]
        #expect(Condition.problems(in: condition).isEmpty, "\(Condition.problems(in: condition))")
    }

    @Test("A condition that is not an object")
    func notAnObject() throws {
        let problem = try onlyProblem(["country", "US"])
        #expect(problem.kind == .notAnObject)
        #expect(problem.path == "condition")
    }

    @Test("An element of $or that is not an object")
    func logicalElementNotAnObject() throws {
        let problem = try onlyProblem(["$or": [["plan": "pro"], "beta"]])
        #expect(problem.kind == .notAnObject)
        #expect(problem.path == "condition.$or[1]")
    }

    @Test("$and, $or and $nor need arrays", arguments: ["$and", "$or", "$nor"])
    func logicalOperandNotAnArray(_ name: String) throws {
        let problem = try onlyProblem(.object([name: ["plan": "pro"]]))
        #expect(problem.kind == .invalidOperand)
        #expect(problem.path == "condition.\(name)")
        #expect(problem.message.contains("array of conditions"))
    }

    @Test("An unknown operator, with a suggestion")
    func unknownOperator() throws {
        let problem = try onlyProblem(["name": ["$regx": "hello"]])
        #expect(problem.kind == .unknownOperator)
        #expect(problem.path == "condition.name.$regx")
        #expect(problem.message.contains("$regx"))
        #expect(problem.message.contains("did you mean $regex?"))
    }

    @Test(
        "Operators given the wrong operand type",
        arguments: [
            (["country": ["$in": "US"]], "condition.country.$in", "array"),
            (["country": ["$nin": "US"]], "condition.country.$nin", "array"),
            (["country": ["$ini": 1]], "condition.country.$ini", "array"),
            (["tags": ["$all": "a"]], "condition.tags.$all", "array"),
            (["tags": ["$size": "3"]], "condition.tags.$size", "whole number"),
            (["tags": ["$elemMatch": "a"]], "condition.tags.$elemMatch", "non-empty object"),
            (["tags": ["$elemMatch": [:]]], "condition.tags.$elemMatch", "non-empty object"),
            (["name": ["$not": [:]]], "condition.name.$not", "$not"),
            (["age": ["$exists": "yes"]], "condition.age.$exists", "true or false"),
            (["age": ["$gt": true]], "condition.age.$gt", "number or a string"),
            (["age": ["$type": 1]], "condition.age.$type", "type name"),
            (["age": ["$type": "integer"]], "condition.age.$type", "unknown type name"),
            (["age": ["$type": "undefined"]], "condition.age.$type", "missing attribute has type null"),
            (["name": ["$regex": 1]], "condition.name.$regex", "pattern string"),
            (["v": ["$vgt": ["1"]]], "condition.v.$vgt", "version string"),
            (["id": ["$inGroup": 7]], "condition.id.$inGroup", "saved group id"),
            (["n": ["$ne": ["a"]]], "condition.n.$ne", "strict equality"),
            (["$or": "x"], "condition.$or", "array of conditions"),
        ] as [(JSONValue, String, String)])
    func invalidOperand(_ condition: JSONValue, path: String, reason: String) throws {
        let problem = try onlyProblem(condition)
        #expect(problem.kind == .invalidOperand)
        #expect(problem.path == path)
        #expect(problem.message.contains(reason), "\(problem.message)")
    }

    @Test("A $regex or $regexi that does not compile", arguments: ["$regex", "$regexi"])
    func invalidRegex(_ name: String) throws {
        let problem = try onlyProblem(["name": .object([name: "/???***[)"])])
        #expect(problem.kind == .invalidRegex)
        #expect(problem.path == "condition.name.\(name)")
    }

    @Test("A value operator at condition level")
    func misplacedValueOperator() throws {
        let problem = try onlyProblem(["$in": ["US"]])
        #expect(problem.kind == .misplacedOperator)
        #expect(problem.path == "condition.$in")
    }

    @Test("A logical operator under an attribute")
    func misplacedLogicalOperator() throws {
        let problem = try onlyProblem(["age": ["$or": [["$gt": 1]]]])
        #expect(problem.kind == .misplacedOperator)
        #expect(problem.path == "condition.age.$or")
    }

    @Test("An object mixing operators and plain keys")
    func mixedOperatorObject() throws {
        let problem = try onlyProblem(["age": ["$gt": 18, "max": 65]])
        #expect(problem.kind == .mixedOperatorObject)
        #expect(problem.path == "condition.age")
        #expect(problem.message.contains("$gt"))
    }

    @Test("An attribute path with an empty component", arguments: ["a..b", "a.", ".a", ""])
    func emptyPathComponent(_ key: String) throws {
        let problem = try onlyProblem(.object([key: 1]))
        #expect(problem.kind == .emptyPathComponent)
    }

    @Test(
        "Operands that can never match",
        arguments: [
            (["n": ["$eq": ["a"]]], "condition.n.$eq"),
            (["n": ["$in": ["a", ["b"]]]], "condition.n.$in[1]"),
            (["tags": ["$size": 1.5]], "condition.tags.$size"),
            (["$nor": []], "condition.$nor"),
        ] as [(JSONValue, String)])
    func neverMatches(_ condition: JSONValue, path: String) throws {
        let problem = try onlyProblem(condition)
        #expect(problem.kind == .neverMatches)
        #expect(problem.path == path)
    }

    @Test("Problems in nested conditions carry their full path")
    func nestedPaths() {
        let condition: JSONValue = [
            "$and": [["country": ["$in": "US"]], ["$not": ["orders": ["$elemMatch": ["total": ["$gte": []]]]]]]
        ]
        let problems = Condition.problems(in: condition, path: "experiments.checkout.condition")
        #expect(problems.map(\.path) == [
            "experiments.checkout.condition.$and[0].country.$in",
            "experiments.checkout.condition.$and[1].$not.orders.$elemMatch.total.$gte",
        ])
        #expect(problems.first?.description.hasPrefix("experiments.checkout.condition.$and[0].country.$in: ") == true)
    }

    @Test("Every problem kind is exercised")
    func allKindsCovered() {
        let samples: [JSONValue] = [
            "x", ["a": ["$regx": 1]], ["a": ["$in": 1]], ["a": ["$regex": "("]], ["$in": [1]],
            ["a": ["$gt": 1, "b": 2]], ["a..b": 1], ["a": ["$eq": []]],
        ]
        let kinds = Set(samples.flatMap { Condition.problems(in: $0).map(\.kind) })
        #expect(kinds == Set(ConditionProblem.Kind.allCases))
    }
}
