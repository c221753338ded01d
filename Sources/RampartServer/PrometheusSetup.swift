import Metrics
import Prometheus
import RampartStore

/// The process-wide Prometheus registry behind swift-metrics. swift-metrics can be bootstrapped once per process, so
/// every application built in this process (tests build many) shares it.
enum PrometheusSetup {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The allocator's memory in use and kept free (`rampart_heap_in_use_bytes`, `rampart_heap_free_bytes`:
    /// ``HeapUsage``), read at each scrape.
    private static let heap: (inUse: Metrics.Gauge, free: Metrics.Gauge) = {
        _ = registry
        return (Metrics.Gauge(label: "rampart_heap_in_use_bytes"), Metrics.Gauge(label: "rampart_heap_free_bytes"))
    }()

    /// The metrics in Prometheus' text exposition format, with the gauges read at scrape time brought up to date.
    ///
    /// - Parameter caches: The store's caches now (``EventStore/cacheMemory()``), exported as
    ///   `rampart_store_cache_bytes` and `rampart_store_cache_connections` by kind of connection.
    static func exposition(caches: [StoreCacheMemory] = []) -> String {
        if let usage = Allocator.usage() {
            heap.inUse.record(usage.inUse)
            heap.free.record(usage.free)
        }
        for cache in caches {
            let dimensions = [("connections", cache.connections)]
            Metrics.Gauge(label: "rampart_store_cache_bytes", dimensions: dimensions).record(cache.bytes)
            Metrics.Gauge(label: "rampart_store_cache_connections", dimensions: dimensions).record(cache.count)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
