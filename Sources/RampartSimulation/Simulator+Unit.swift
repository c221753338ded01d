import Foundation
import RampartCore

extension Simulator {
    /// Generates one unit's events.
    func simulateUnit(_ index: Int, into emissions: inout [Emission], truth: inout SimulationTruth) {
        var rng = Xoshiro256(seed: settings.seed, stream: UInt64(index) + 1)
        let sessions = experiment.unit == "session_id"
        let unit = String(format: sessions ? "session-%06d" : "user-%06d", index)
        let plans = ["free", "free", "free", "pro", "pro", "enterprise"]
        let attributes: [String: JSONValue] = [
            experiment.unit: .string(unit), "environment": "production", "plan": .string(plans[rng.int(in: 0..<plans.count)]),
        ]
        let assignment = compiled.assign(unit: unit, attributes: attributes)
        let variant = assignment.variant
        let treated = assignment.enrolled && variant.key != experiment.control
        func f(_ effect: SimulationEffect) -> Double { settings.factor(effect, treated: treated) }
        var order = emissions.count
        func emit(_ name: String, _ ts: Double, _ properties: [String: JSONValue], delay: Double = 0) {
            let ms = Int64(ts.rounded(.down))
            let event = Event(id: rng.uuid(), name: name, unit: unit, timestamp: Date(timeIntervalSince1970: Double(ms) / 1000), properties: properties)
            emissions.append(Emission(arrival: ms + Int64(delay), order: order, event: event))
            order += 1
        }

        // Arrival: uniform over the days, thinned towards working hours.
        var arrival = 0.0
        repeat {
            arrival = Double(settings.startMilliseconds) + rng.uniform() * settings.days * Self.day
            let hour = (arrival / 3_600_000).truncatingRemainder(dividingBy: 24)
            if rng.uniform() < 0.35 + 0.65 * max(0, sin((hour - 6) / 16 * .pi)) { break }
        } while true

        // Latent quality, mean 1 on the multiplicative scale.
        let z = rng.normal()
        let s = settings.qualitySpread
        let good = exp(s * z - s * s / 2)
        let bad = exp(-s * z - s * s / 2)
        let payload = variant.payload
        let common: [String: JSONValue] = [
            "prompt_name": .string(payload.promptName), "prompt_version_id": .string(payload.promptVersionId),
            "model": .string(payload.model), "provider": .string(payload.provider), "environment": "production",
        ]
        let triage = payload.promptName.contains("triage")

        // History before the first exposure (for CUPED), for user-level experiments: an earlier ticket, resolved
        // with the same propensity as the unit's ticket after exposure (untreated: it precedes the experiment).
        let pResolvedBefore = sessions ? 0 : min(1, settings.resolutionRate * good)
        let resolvedBefore = !sessions && rng.bernoulli(pResolvedBefore)
        if resolvedBefore {
            emit("support_ticket_resolved", arrival - (1 + rng.uniform() * 6) * Self.day, ["channel": "email"])
        }

        // Requests.
        let requests = 1 + rng.geometric(1 / (1 + settings.extraRequestsMean * f(.requests)))
        var t = arrival
        var failures = 0
        let pError = min(1, settings.errorRate * f(.errors))
        let otherVariant = experiment.variants.first { $0.key != variant.key }?.key
        let multiAt = assignment.enrolled && otherVariant != nil && rng.bernoulli(settings.multiExposureRate) ? rng.int(in: 0..<requests) : -1
        for r in 0..<requests {
            if assignment.enrolled {
                let late = rng.bernoulli(settings.lateExposureRate) ? (1 + rng.uniform() * 360) * Self.minute : 0
                var exposure: [String: JSONValue] = ["experiment": .string(experiment.key), "variant": .string(variant.key)]
                if experiment.phase != 0 { exposure["phase"] = .number(Double(experiment.phase)) }
                emit(EventName.exposure, t, exposure, delay: late)
                if r == multiAt, let otherVariant {
                    exposure["variant"] = .string(otherVariant)
                    emit(EventName.exposure, t + 1, exposure)
                    truth.record(variant.key) { $0.multiExposed += 1 }
                }
            }
            var request = common
            request["trace_id"] = .string(rng.uuid().uuidString.lowercased())
            request["request_id"] = .string("req_" + String(rng.next() & 0xFFFF_FFFF_FFFF, radix: 36))
            emit(EventName.llmRequestStarted, t, request)
            var latency = rng.logNormal(median: settings.latencyMedianMs * f(.latency), sigma: settings.latencySigma)
            if rng.bernoulli(settings.latencyTailRate) { latency *= pow(1 - rng.uniform(), -1 / 2.0) }
            latency = (latency * 10).rounded() / 10
            if rng.bernoulli(pError) {
                failures += 1
                var failed = request
                let timeout = rng.bernoulli(0.4)
                failed["status"] = .string(timeout ? "timeout" : "error")
                failed["error_type"] = .string(timeout ? "upstream_timeout" : ["rate_limited", "server_error"][rng.int(in: 0..<2)])
                failed["latency_ms"] = .number(timeout ? 30_000 : latency)
                emit(EventName.llmRequestFailed, t + (timeout ? 30_000 : latency), failed)
            } else {
                let input = Int(rng.logNormal(median: settings.inputTokensMedian, sigma: 0.35).rounded())
                let output = Int(rng.logNormal(median: settings.outputTokensMedian * f(.tokens), sigma: 0.5).rounded())
                let cost = prices.cost(model: payload.model, input: input, output: output) * f(.cost)
                var completed = request
                completed["status"] = "success"
                completed["latency_ms"] = .number(latency)
                completed["input_tokens"] = .number(Double(input))
                completed["output_tokens"] = .number(Double(output))
                completed["estimated_cost_usd"] = .number((cost * 1e8).rounded() / 1e8)
                emit(EventName.llmRequestCompleted, t + latency, completed)
                truth.record(variant.key) { $0.requestsCompleted += 1; $0.costUSD += cost; $0.latencySumMs += latency }
            }
            truth.record(variant.key) { $0.requests += 1 }
            t += latency + rng.logNormal(median: 3 * Self.minute, sigma: 1)
        }

        // The task, the rating and the resolution, correlated through quality.
        let pComplete = min(1, settings.completionRate * f(.completion) * pow(good, 0.3))
        let pEscalate = min(1, settings.escalationRate * f(.escalation) * bad)
        let pEdit = min(1, settings.editRate * f(.edits) * bad)
        let completed = rng.bernoulli(pComplete)
        let escalated = rng.bernoulli(pEscalate)
        let edited = rng.bernoulli(pEdit)
        var task = common
        task["task_type"] = .string(triage ? "triage" : "support_reply")
        task["task_completed"] = .bool(completed)
        task["escalated_to_human"] = .bool(escalated)
        task["edited_output"] = .bool(edited)
        task["accepted_output"] = .bool(completed && !edited)
        task["retry_count"] = .number(Double(failures))
        t += rng.uniform() * 2 * Self.minute
        emit(EventName.llmTaskCompleted, t, task)
        let pPositive = min(1, settings.positiveFeedbackRate * f(.feedback) * good)
        let rated = rng.bernoulli(settings.ratingRate)
        var positive = false
        if rated {
            positive = rng.bernoulli(pPositive)
            let feedback = positive ? "positive" : (rng.bernoulli(0.5) ? "neutral" : "negative")
            emit(EventName.llmOutputRated, t + rng.uniform() * 10 * Self.minute, ["user_feedback": .string(feedback), "trace_id": .string(rng.uuid().uuidString.lowercased())])
        }
        let pResolve = min(1, settings.resolutionRate * f(.resolution) * good)
        let resolved = !sessions && rng.bernoulli(pResolve)
        if resolved {
            emit("support_ticket_resolved", t + (5 + rng.uniform() * 120) * Self.minute, ["channel": "email"])
        }
        truth.record(variant.key) { v in
            v.units += 1
            if assignment.enrolled { v.enrolled += 1 }
            v.expectedResolution += sessions ? 0 : pResolve
            v.expectedResolvedBefore += pResolvedBefore
            v.resolvedBefore += resolvedBefore ? 1 : 0
            v.expectedEscalation += pEscalate
            v.expectedCompletion += pComplete
            v.expectedEdits += pEdit
            v.expectedPositiveRating += settings.ratingRate * pPositive
            v.resolved += resolved ? 1 : 0
            v.escalated += escalated ? 1 : 0
            v.completed += completed ? 1 : 0
            v.edited += edited ? 1 : 0
            v.ratedPositive += positive ? 1 : 0
            v.failedRequests += failures
        }
    }
}
