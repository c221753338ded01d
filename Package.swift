// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Rampart",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .library(name: "RampartCore", targets: ["RampartCore"]),
        .library(name: "RampartStats", targets: ["RampartStats"]),
        .library(name: "RampartStore", targets: ["RampartStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
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
        // Durable storage: GRDB over the system libsqlite3.
        .target(
            name: "RampartStore",
            dependencies: [
                "RampartCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command-line interface, as a library so tests can run commands in-process.
        .target(
            name: "RampartCLI",
            dependencies: [
                "RampartCore", "RampartConfig", "RampartStats", "RampartStore",
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
        .testTarget(name: "RampartStatsTests", dependencies: ["RampartStats"]),
        .testTarget(name: "RampartStoreTests", dependencies: ["RampartStore"]),
        .testTarget(name: "RampartCLITests", dependencies: ["RampartCLI", "rampart"]),
    ]
)
