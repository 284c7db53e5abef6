// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "mxray",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mxray", targets: ["mxray"]),
        .library(name: "MXRayDNS", targets: ["MXRayDNS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // DNS: wire codec, async stub resolver (UDP + TCP), zone-file resolver, cache.
        .target(
            name: "MXRayDNS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The command-line tool: argument parsing and rendering only.
        .executableTarget(
            name: "mxray",
            dependencies: [
                "MXRayDNS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Throughput benchmarks; run in a release build (see BENCHMARKS.md).
        .executableTarget(
            name: "mxray-bench",
            dependencies: ["MXRayDNS"]
        ),
        .testTarget(
            name: "MXRayDNSTests",
            dependencies: [
                "MXRayDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Resources")]
        ),
        // Runs the built `mxray` binary end to end; its nameserver cases need nsd (see below).
        .testTarget(
            name: "MXRayCLITests",
            dependencies: ["mxray"]
        ),
        // Needs real servers: run through Scripts/integration-test.sh, which starts them.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MXRayDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // Served by nsd, not bundled: Scripts/nsd.sh copies them.
            exclude: ["zones"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
