import Foundation
import Hummingbird
import NIOCore
import RampartCore
import RampartStore

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml`: unauthenticated, for orchestrators and scrapers.
struct OperationsController {
    let registry: ExperimentRegistry
    /// Whether the service can take traffic: the store answers.
    let readiness: @Sendable () async -> (ready: Bool, detail: String)
    /// The store's caches, read at each scrape of `/metrics`.
    let caches: @Sendable () -> [StoreCacheMemory]

    func addRoutes(to router: Router<RampartRequestContext>) {
        router.get("healthz") { _, _ in Response.json("{\"status\":\"ok\"}") }
        router.get("readyz") { _, _ in
            let (ready, detail) = await readiness()
            let experiments = registry.current.ordered.count
            let body = "{\"status\":\"\(ready ? "ready" : "unavailable")\",\"experiments\":\(experiments),\"store\":\(JSONString(detail))}"
            return Response.json(body, status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: PrometheusSetup.exposition(caches: caches())))
            )
        }
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text))
            )
        }
    }
}

/// A JSON string literal.
func JSONString(_ text: String) -> String {
    JSONValue.string(text).jsonText
}
