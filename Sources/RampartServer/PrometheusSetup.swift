import Metrics
import Prometheus

/// The process-wide Prometheus registry behind swift-metrics. swift-metrics can be bootstrapped once per process, so
/// every application built in this process (tests build many) shares it.
enum PrometheusSetup {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The metrics in Prometheus' text exposition format.
    static func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
