import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RampartConfig
import RampartCore
import RampartStore
import HTTPTypes
@testable import RampartServer

/// An exposure sink that keeps what it is given, and can be told to fail.
actor RecordingSink: ExposureSink {
    private(set) var exposures: [Exposure] = []
    private(set) var batches = 0
    var failuresLeft = 0

    func failNext(_ count: Int) { failuresLeft = count }

    func record(_ batch: [Exposure]) async throws {
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw RampartError(.storage, "simulated outage")
        }
        exposures += batch
        batches += 1
    }
}

enum TestServer {
    static let sdkKey = "rk_sdk_testtesttesttesttesttesttesttesttest"
    static let adminKey = "rk_admin_testtesttesttesttesttesttesttesttest"

    static let experimentsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("experiments").path

    /// The bundled experiments, at full coverage so every targeted unit is enrolled.
    static func experiments(coverage: Double? = 1) throws -> [Experiment] {
        try ExperimentLoader.loadDirectory(experimentsDirectory).compactMap(\.experiment).map {
            var e = $0
            e.coverage = coverage ?? e.coverage
            return e
        }
    }

    /// A fresh file-backed store seeded with the experiments.
    static func store(experiments: [Experiment]? = nil) async throws -> SQLiteEventStore {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("rampart.db").path, configuration: .init(cacheSizeMiB: 8))
        try await store.seed(try experiments ?? Self.experiments())
        return store
    }

    static func application(
        store: SQLiteEventStore? = nil,
        sink: (any ExposureSink)? = RecordingSink(),
        experiments: [Experiment]? = nil,
        flushInterval: Duration = .seconds(60),
        maxEventsBodyBytes: Int = 64 * 1024,
        maxRequestBodyBytes: Int = 4_096,
        maxConcurrentIngests: Int = 8
    ) async throws -> some ApplicationProtocol {
        let configuration = ServerConfiguration(
            maxEventsBodyBytes: maxEventsBodyBytes,
            maxRequestBodyBytes: maxRequestBodyBytes,
            exposures: .init(batchSize: 1_000, flushInterval: flushInterval),
            maxConcurrentIngests: maxConcurrentIngests,
            bootstrapKeys: [(.sdk, sdkKey), (.admin, adminKey)]
        )
        let resolvedStore: SQLiteEventStore
        if let store { resolvedStore = store } else { resolvedStore = try await Self.store(experiments: experiments) }
        let dependencies = ServerDependencies(store: resolvedStore, exposureSink: sink)
        return try await buildApplication(configuration: configuration, dependencies: dependencies)
    }

    static func admin(_ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(adminKey)"
        return fields
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func sdk(_ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(sdkKey)"
        fields[.contentType] = "application/json"
        return fields
    }
}

extension TestResponse {
    /// The body parsed as JSON.
    var json: JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
    }
}
