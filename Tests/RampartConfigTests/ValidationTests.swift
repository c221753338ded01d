import Testing
import RampartCore
@testable import RampartConfig

/// Each kind of mistake is reported with its file, line and field.
@Suite("Validation")
struct ValidationTests {
    static let valid = """
        key: demo
        status: running
        variants:
          - key: control
            weight: 0.5
            payload: { prompt_name: p, prompt_version_id: v1, model: m, provider: x }
          - key: treatment
            weight: 0.5
            payload: { prompt_name: p, prompt_version_id: v2, model: m, provider: x }
        control: control
        coverage: 1
        metrics:
          - { key: resolved, role: primary, kind: proportion, event: support_ticket_resolved }
        """

    func problems(_ yaml: String) -> [ConfigProblem] {
        ExperimentLoader.parse(yaml: yaml, file: "demo.yaml").problems
    }

    func expectProblem(_ yaml: String, field: String, line: Int, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = problems(yaml)
        let match = found.first { $0.field == field && $0.message.contains(text) }
        #expect(match != nil, "expected \(field): …\(text)… in \(found.map(\.description))", sourceLocation: sourceLocation)
        #expect(match?.line == line, "line of \(field): \(String(describing: match))", sourceLocation: sourceLocation)
        #expect(match?.file == "demo.yaml", sourceLocation: sourceLocation)
    }

    @Test func theBaseFileIsValid() {
        #expect(problems(Self.valid).isEmpty)
    }

    /// An empty key made an experiment no route could reach (found by QA in session 29).
    @Test func anEmptyKeyIsRefused() {
        expectProblem(Self.valid.replacingOccurrences(of: "key: demo", with: "key: \"\""), field: "key", line: 1, containing: "must not be empty")
    }

    /// Running below full coverage with no ramp plan, the verdict can never advance or ship (found by QA in
    /// session 29, where it gave ADVANCE with no next stage).
    @Test func anEmptyRampBelowFullCoverageIsWarnedAbout() {
        let found = problems(Self.valid.replacingOccurrences(of: "coverage: 1", with: "coverage: 0.5"))
        let warning = found.first { $0.field == "ramp" }
        #expect(warning?.severity == .warning && warning?.message.contains("can never advance") == true, "\(found.map(\.description))")
        #expect(problems(Self.valid.replacingOccurrences(of: "status: running", with: "status: draft").replacingOccurrences(of: "coverage: 1", with: "coverage: 0.5")).isEmpty)
    }

    @Test func unknownKey() {
        expectProblem(Self.valid + "\ncolour: blue", field: "colour", line: 14, containing: "unknown key 'colour'")
    }

    @Test func unknownNestedKey() {
        let yaml = Self.valid.replacingOccurrences(of: "    weight: 0.5\n    payload: { prompt_name: p, prompt_version_id: v2", with: "    wieght: 0.5\n    payload: { prompt_name: p, prompt_version_id: v2")
        expectProblem(yaml, field: "variants[1].wieght", line: 8, containing: "unknown key")
        expectProblem(yaml, field: "variants[1].weight", line: 7, containing: "is required")
    }

    @Test func weightsMustSumToOne() {
        let yaml = Self.valid.replacingOccurrences(of: "  - key: treatment\n    weight: 0.5", with: "  - key: treatment\n    weight: 0.6")
        expectProblem(yaml, field: "variants", line: 3, containing: "sum to 1.1")
    }

    @Test func unknownControl() {
        let yaml = Self.valid.replacingOccurrences(of: "control: control", with: "control: baseline")
        expectProblem(yaml, field: "control", line: 10, containing: "'baseline' is not one of the variants")
    }

    @Test func duplicateVariant() {
        let yaml = Self.valid.replacingOccurrences(of: "key: treatment", with: "key: control")
        expectProblem(yaml, field: "variants[1].key", line: 7, containing: "duplicate variant 'control'")
    }

    @Test func coverageOutsideTheUnitInterval() {
        let yaml = Self.valid.replacingOccurrences(of: "coverage: 1", with: "coverage: 1.5")
        expectProblem(yaml, field: "coverage", line: 11, containing: "between 0 and 1")
    }

    @Test func metricNamingSomethingUndefined() {
        let yaml = Self.valid + "\n  - { key: cost_per_ticket, role: guardrail, kind: ratio, numerator: cost, denominator: resolved, threshold: { ceiling: 0.03 } }"
        expectProblem(yaml, field: "metrics[1].numerator", line: 14, containing: "'cost', which is not a metric defined")
    }

    @Test func metricValueMustBeNumeric() {
        let yaml = Self.valid + "\n  - { key: m, role: secondary, kind: mean, event: llm_request_completed, value: model }"
        expectProblem(yaml, field: "metrics[1].value", line: 14, containing: "not a number")
    }

    @Test func guardrailNeedsAThreshold() {
        let yaml = Self.valid + "\n  - { key: esc, role: guardrail, kind: proportion, event: llm_task_completed }"
        expectProblem(yaml, field: "metrics[1].threshold", line: 14, containing: "needs a threshold")
    }

    @Test func quantileNeedsALevelAndAValue() {
        let yaml = Self.valid + "\n  - { key: p95, role: secondary, kind: quantile, event: llm_request_completed }"
        let found = problems(yaml)
        #expect(found.contains { $0.field == "metrics[1].quantile" && $0.line == 14 })
        #expect(found.contains { $0.field == "metrics[1].value" && $0.line == 14 })
    }

    @Test func cupedOnAQuantileIsAWarning() {
        let yaml = Self.valid + "\n  - { key: p95, role: secondary, kind: quantile, event: llm_request_completed, value: latency_ms, quantile: 0.95, cuped_window_days: 14 }"
        let found = problems(yaml)
        #expect(found.contains { $0.field == "metrics[1].cuped_window_days" && $0.severity == .warning && $0.line == 14 })
    }

    @Test func brokenFilter() {
        let yaml = Self.valid + "\n  - { key: fb, role: secondary, kind: proportion, event: llm_output_rated, filter: { user_feedback: great, latency_ms: { $near: 3 } } }"
        let found = problems(yaml)
        #expect(found.contains { $0.field == "metrics[1].filter.user_feedback" && $0.message.contains("one of positive") })
        #expect(found.contains { $0.field == "metrics[1].filter.latency_ms.$near" && $0.message.contains("unknown filter operator") })
    }

    @Test func wrongTypes() {
        let yaml = Self.valid.replacingOccurrences(of: "coverage: 1", with: "coverage: half\nphase: 1.5\nsequential: maybe")
        expectProblem(yaml, field: "coverage", line: 11, containing: "expected a number, found the string 'half'")
        expectProblem(yaml, field: "phase", line: 12, containing: "expected a whole number")
        expectProblem(yaml, field: "sequential", line: 13, containing: "expected true or false")
    }

    @Test func badStatus() {
        let yaml = Self.valid.replacingOccurrences(of: "status: running", with: "status: live")
        expectProblem(yaml, field: "status", line: 2, containing: "'live' is not one of: draft, running")
    }

    // Issue 11, item 1: a running experiment needs exactly one primary metric.
    @Test func runningWithoutMetricsIsAnError() {
        let yaml = Self.valid.components(separatedBy: "metrics:")[0]
        // No metrics key: the problem points at the status line, which is what makes metrics required.
        expectProblem(yaml, field: "metrics", line: 2, containing: "exactly one of them with role primary")
        #expect(ExperimentLoader.parse(yaml: yaml, file: "demo.yaml").hasErrors)
        let empty = yaml + "metrics: []"
        expectProblem(empty, field: "metrics", line: 12, containing: "a running experiment needs metrics")
        let paused = yaml.replacingOccurrences(of: "status: running", with: "status: paused")
        expectProblem(paused, field: "metrics", line: 2, containing: "a paused experiment needs metrics")
    }

    @Test func runningWithoutAPrimaryIsAnError() {
        let yaml = Self.valid.replacingOccurrences(of: "role: primary", with: "role: secondary")
        expectProblem(yaml, field: "metrics", line: 12, containing: "no metric has role primary")
        let two = Self.valid + "\n  - { key: resolved2, role: primary, kind: proportion, event: support_ticket_resolved }"
        expectProblem(two, field: "metrics[1].role", line: 14, containing: "only one metric may be primary")
    }

    @Test func draftWithoutMetricsIsAccepted() {
        let yaml = Self.valid.components(separatedBy: "metrics:")[0].replacingOccurrences(of: "status: running", with: "status: draft")
        #expect(problems(yaml).isEmpty)
    }

    // Issue 11, item 2: advance_risk is read and checked.
    @Test func advanceRiskIsReadAndMustBeAProbability() {
        let loaded = ExperimentLoader.parse(yaml: Self.valid + "\nadvance_risk: 0.35", file: "demo.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        #expect(loaded.experiment?.analysis.advanceRisk == 0.35)
        #expect(ExperimentLoader.parse(yaml: Self.valid, file: "demo.yaml").experiment?.analysis.advanceRisk == AnalysisSettings.defaultAdvanceRisk)
        for bad in ["0", "1", "1.5", "-0.2"] {
            expectProblem(Self.valid + "\nadvance_risk: \(bad)", field: "advance_risk", line: 14, containing: "must be in (0, 1)")
        }
        expectProblem(Self.valid + "\nadvance_risk: high", field: "advance_risk", line: 14, containing: "expected a number")
    }

    @Test func rampMustIncrease() {
        let yaml = Self.valid + "\nramp:\n  - { coverage: 1 }\n  - { coverage: 0.25 }\n  - { coverage: 1, min_duration: soon }"
        let found = problems(yaml)
        #expect(found.contains { $0.field == "ramp[1].coverage" && $0.message.contains("must increase") && $0.line == 16 })
        #expect(found.contains { $0.field == "ramp[2].min_duration" && $0.line == 17 })
    }

    @Test func invalidYAMLIsReportedWithItsLine() {
        let found = problems("key: demo\nvariants: [a, b\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("not valid YAML") == true)
        #expect((found.first?.line ?? 0) >= 2)
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        let yaml = Self.valid
            .replacingOccurrences(of: "control: control", with: "control: nobody")
            .replacingOccurrences(of: "coverage: 1", with: "coverage: 2")
        let found = problems(yaml)
        #expect(found.contains { $0.field == "control" })
        #expect(found.contains { $0.field == "coverage" })
    }

    @Test func crossFileChecks() {
        var loaded = [
            ExperimentLoader.parse(yaml: Self.valid + "\nnamespace: { id: support, range: [0, 0.6] }", file: "a.yaml"),
            ExperimentLoader.parse(yaml: Self.valid.replacingOccurrences(of: "key: demo", with: "key: other") + "\nnamespace: { id: support, range: [0.5, 1] }", file: "b.yaml"),
            ExperimentLoader.parse(yaml: Self.valid, file: "c.yaml"),
        ]
        ExperimentLoader.crossCheck(&loaded)
        #expect(loaded[1].problems.contains { $0.field == "namespace.range" && $0.message.contains("overlaps 'demo'") && $0.line == 14 })
        #expect(loaded[2].problems.contains { $0.field == "key" && $0.message.contains("also defined in a.yaml") && $0.line == 1 })
        #expect(loaded[0].problems.isEmpty)
    }

    @Test func problemsPrintLikeCompilerDiagnostics() {
        let p = ConfigProblem(file: "x.yaml", line: 3, column: 5, field: "coverage", message: "bad")
        #expect(p.description == "x.yaml:3:5: error: coverage: bad")
    }
}

@Suite("Targeting validation")
struct TargetingValidationTests {
    @Test func brokenConditionIsReportedWithItsPath() {
        let yaml = ValidationTests.valid + "\ntargeting:\n  country: { $in: US }\n  $or: { plan: pro }\n  version: { $regx: '^2' }"
        let found = ExperimentLoader.parse(yaml: yaml, file: "demo.yaml").problems
        #expect(found.contains { $0.field == "targeting.country.$in" && $0.line == 15 }, "\(found)")
        #expect(found.contains { $0.field.hasPrefix("targeting.$or") && $0.line == 16 }, "\(found)")
        #expect(found.contains { $0.field == "targeting.version.$regx" && $0.message.contains("unknown operator") }, "\(found)")
    }

    @Test func targetingDecidesEnrollment() throws {
        let yaml = ValidationTests.valid + "\ntargeting: { environment: production }"
        let e = try #require(ExperimentLoader.parse(yaml: yaml, file: "demo.yaml").experiment)
        let compiled = CompiledExperiment(e, coverage: 1)
        #expect(compiled.assign(unit: "u1", attributes: ["environment": "production"]).reason == .targetingMatch)
        #expect(compiled.assign(unit: "u1", attributes: ["environment": "staging"]).reason == .default)
        #expect(compiled.assign(unit: "u1", attributes: [:]).reason == .default)
    }
}
