// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Rampart",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .library(name: "RampartCore", targets: ["RampartCore"]),
        .library(name: "RampartConfig", targets: ["RampartConfig"]),
        .library(name: "RampartStats", targets: ["RampartStats"]),
        .library(name: "RampartStore", targets: ["RampartStore"]),
        .library(name: "RampartSimulation", targets: ["RampartSimulation"]),
        .library(name: "RampartOTLP", targets: ["RampartOTLP"]),
        .library(name: "RampartBodyDecoding", targets: ["RampartBodyDecoding"]),
        .library(name: "OTLPProto", targets: ["OTLPProto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // The domain: experiments, bucketing, targeting, metric definitions, events. Foundation only.
        .target(name: "RampartCore"),
        // Experiments as code: YAML loading with source positions, and validation.
        .target(
            name: "RampartConfig",
            dependencies: ["RampartCore", .product(name: "Yams", package: "Yams")]
        ),
        // GNU GSL, from Debian's libgsl-dev.
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // Statistics over sufficient statistics. No I/O.
        .target(name: "RampartStats", dependencies: ["CGSL"]),
        // Durable storage: GRDB over the system libsqlite3, or PostgreSQL through PostgresNIO.
        .target(
            name: "RampartStore",
            dependencies: [
                "RampartCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The HTTP service: OFREP evaluation, event ingestion, experiment admin, results, ramp controls.
        .target(
            name: "RampartServer",
            dependencies: [
                "RampartCore", "RampartConfig", "RampartStore", "RampartAnalysis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                "RampartBodyDecoding", "RampartOTLP", "OTLPProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("openapi.yaml"), .copy("Resources/console")]
        ),
        // Request bodies as clients send them, with no HTTP: gzip bounded in its decompressed size, and PostHog's
        // form-encoded base64 bodies. Apart from the server so that a fuzzer (Fuzz/) links it without Hummingbird.
        // CompressNIO for its zlib module (CCompressZlib): GzipDecoding drives zlib's inflate itself.
        .target(
            name: "RampartBodyDecoding",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "CompressNIO", package: "compress-nio")]
        ),
        // OTLP trace exports to native events: the GenAI and feature-flag mapping, read straight from protobuf's bytes.
        .target(
            name: "RampartOTLP",
            dependencies: [
                "RampartCore", "OTLPProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The OTLP trace messages, generated once by scripts/generate-otlp.sh (protoc-gen-swift is not built in CI).
        .target(name: "OTLPProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // OTLP/HTTP trace ingest against native /v1/events on the same simulated data (`rampart bench otlp`).
        .target(
            name: "RampartOTLPBench",
            dependencies: ["RampartCore", "RampartStore", "RampartServer", "RampartOTLP", "RampartSimulation", "RampartBench", "OTLPProto"]
        ),
        // Stored events → sufficient statistics → tests → verdict, and the reports.
        .target(name: "RampartAnalysis", dependencies: ["RampartCore", "RampartStats", "RampartStore"]),
        // The event simulator: realistic event streams with known true effects, and its seeded generator.
        .target(name: "RampartSimulation", dependencies: ["RampartCore"]),
        // Benchmark workloads (assignment, ingestion, reports, the schema comparison) and the statistical
        // Monte-Carlo studies (sequential peeking, quantile coverage, guardrail risk), kept out of RampartCLI and
        // RampartStats so that they hold commands and statistics only.
        .target(
            name: "RampartBench",
            dependencies: ["RampartCore", "RampartStats", "RampartStore", "RampartAnalysis", "RampartSimulation", "CGSL"]
        ),
        // `rampart bench console`: the console's overview rendered over a simulated store with many experiments.
        .target(name: "RampartConsoleBench", dependencies: ["RampartCore", "RampartServer", "RampartSimulation", "RampartStats", "RampartStore"]),
        // Ingest throughput of the PostHog adapter against native /v1/events (`rampart bench ingest-adapters`).
        .target(
            name: "RampartIngestBench",
            dependencies: [
                "RampartCore", "RampartServer", "RampartStore",
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        // The command-line interface, as a library so tests can run commands in-process.
        .target(
            name: "RampartCLI",
            dependencies: [
                "RampartCore", "RampartConfig", "RampartStats", "RampartStore", "RampartAnalysis", "RampartServer", "RampartOTLP",
                "RampartSimulation", "RampartBench", "RampartConsoleBench", "RampartIngestBench", "RampartOTLPBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "rampart",
            dependencies: ["RampartCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "RampartCoreTests", dependencies: ["RampartCore"]),
        .testTarget(name: "RampartConfigTests", dependencies: ["RampartConfig"]),
        .testTarget(name: "RampartStatsTests", dependencies: ["RampartStats"], exclude: ["Fixtures"]),
        .testTarget(name: "RampartBenchTests", dependencies: ["RampartBench", "RampartStats"]),
        .testTarget(name: "RampartStoreTests", dependencies: ["RampartStore"]),
        .testTarget(
            name: "RampartBodyDecodingTests",
            dependencies: ["RampartBodyDecoding", .product(name: "CompressNIO", package: "compress-nio")]
        ),
        .testTarget(name: "RampartAnalysisTests", dependencies: ["RampartAnalysis", "RampartConfig"]),
        .testTarget(name: "RampartCLITests", dependencies: ["RampartCLI", "RampartSimulation", "rampart"]),
        .testTarget(
            name: "RampartServerTests",
            dependencies: [
                "RampartServer", "RampartOTLP", "RampartBodyDecoding", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                "OTLPProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
    ]
)
