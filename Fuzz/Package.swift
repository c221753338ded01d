// swift-tools-version:6.1
// libFuzzer targets for Rampart's parsers. Built only by scripts/fuzz.sh, with
// `swift build --sanitize=fuzzer --sanitize=address`: libFuzzer supplies `main`, so these executables link only
// in that build, which is why they live in a package of their own rather than in the main one.
import PackageDescription

let package = Package(
    name: "RampartFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Rampart", path: ".."), .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // NDJSON events: the full parser, and the fast scanner checked against it.
        .executableTarget(name: "FuzzEvents", dependencies: [.product(name: "RampartCore", package: "Rampart")]),
        // PostHog capture bodies: events read from the body against the mapping's native lines.
        .executableTarget(name: "FuzzPostHog", dependencies: [.product(name: "RampartCore", package: "Rampart")]),
        // gzip request bodies: GzipDecoding against zlib's inflate, and round trips through CompressNIO.
        .executableTarget(name: "FuzzGzip", dependencies: [
            .product(name: "RampartBodyDecoding", package: "Rampart"), .product(name: "CompressNIO", package: "compress-nio"),
        ]),
        // PostHog's form-encoded capture bodies: whatever is posted, and payloads posted every way the SDKs do.
        .executableTarget(name: "FuzzPostHogForm", dependencies: [
            .product(name: "RampartBodyDecoding", package: "Rampart"), .product(name: "CompressNIO", package: "compress-nio"),
        ]),
        // JSON text: Rampart's own reader against Foundation's JSONDecoder.
        .executableTarget(name: "FuzzJSON", dependencies: [.product(name: "RampartCore", package: "Rampart")]),
        // OFREP evaluation request bodies.
        .executableTarget(name: "FuzzEvaluationContext", dependencies: [.product(name: "RampartCore", package: "Rampart")]),
        // Targeting conditions: validation, compilation and evaluation.
        .executableTarget(name: "FuzzCondition", dependencies: [.product(name: "RampartCore", package: "Rampart")]),
        // OTLP/HTTP protobuf trace exports: mapped from their bytes against swift-protobuf's decoding.
        .executableTarget(name: "FuzzOTLP", dependencies: [
            .product(name: "RampartCore", package: "Rampart"), .product(name: "RampartOTLP", package: "Rampart"),
            .product(name: "OTLPProto", package: "Rampart"), .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // Experiment YAML files: loading, validation, and assignment with what validates.
        .executableTarget(name: "FuzzExperimentYAML", dependencies: [
            .product(name: "RampartCore", package: "Rampart"), .product(name: "RampartConfig", package: "Rampart"),
        ]),
    ]
)
