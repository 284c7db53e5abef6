// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "mxray",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mxray", targets: ["mxray"]),
        .library(name: "MXRayDNS", targets: ["MXRayDNS"]),
        .library(name: "MXRayMessage", targets: ["MXRayMessage"]),
        .library(name: "MXRayAuth", targets: ["MXRayAuth"]),
        .library(name: "MXRayAudit", targets: ["MXRayAudit"]),
        .library(name: "MXRayTrace", targets: ["MXRayTrace"]),
        .library(name: "MXRaySMTP", targets: ["MXRaySMTP"]),
        .library(name: "MXRayProbe", targets: ["MXRayProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // TLS for the MTA-STS policy fetch (and later the SMTP probe), on the event loops we already run.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Tests only: the ARC conformance suites are YAML.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
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
        // RFC 5322 messages as received: header fields with their raw bytes, body, mbox.
        .target(name: "MXRayMessage"),
        // Mail authentication: DKIM, ARC, Authentication-Results (and later SPF, DMARC).
        .target(
            name: "MXRayAuth",
            dependencies: [
                "MXRayDNS",
                "MXRayMessage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            // The Public Suffix List (MPL-2.0, see its LICENSE file beside it) for RFC 7489 mode.
            resources: [.copy("Resources/public_suffix_list.dat"), .copy("Resources/public_suffix_list.LICENSE")]
        ),
        // The audit engine: a domain's inbound posture from DNS, MTA-STS over HTTPS, and findings.
        .target(
            name: "MXRayAudit",
            dependencies: [
                "MXRayDNS",
                "MXRayAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources/vendors.txt")]
        ),
        // SMTP client: reply framing, the conversation, STARTTLS.
        .target(
            name: "MXRaySMTP",
            dependencies: [
                "MXRayDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The probe engine: every MX host over SMTP, the way a sender would, and tier parity.
        .target(
            name: "MXRayProbe",
            dependencies: ["MXRayDNS", "MXRayAudit", "MXRaySMTP", .product(name: "NIOSSL", package: "swift-nio-ssl")]
        ),
        // The trace engine: which path a received message took, and what each hop concluded.
        .target(name: "MXRayTrace", dependencies: ["MXRayDNS", "MXRayMessage", "MXRayAuth", "MXRayAudit"]),
        // The command-line tool: argument parsing and rendering only.
        .executableTarget(
            name: "mxray",
            dependencies: [
                "MXRayDNS",
                "MXRayMessage",
                "MXRayAuth",
                "MXRayAudit",
                "MXRayTrace",
                "MXRayProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Throughput benchmarks; run in a release build (see BENCHMARKS.md).
        .executableTarget(
            name: "mxray-bench",
            dependencies: [
                "MXRayDNS", "MXRayMessage", "MXRayAuth", "MXRayAudit", "MXRayProbe",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
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
        .testTarget(
            name: "MXRaySMTPTests",
            dependencies: ["MXRaySMTP", "MXRayProbe", "MXRayAudit", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio")]
        ),
        .testTarget(
            name: "MXRayTraceTests",
            dependencies: ["MXRayTrace", "MXRayAudit", "MXRayAuth", "MXRayMessage", "MXRayDNS",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "MXRayAuditTests",
            dependencies: ["MXRayAudit", "MXRayDNS", "MXRayAuth"]
        ),
        .testTarget(
            name: "MXRayAuthTests",
            dependencies: [
                "MXRayAuth",
                "MXRayMessage",
                "MXRayDNS",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Conformance")]
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
                "MXRayAuth",
                "MXRayAudit",
                "MXRayProbe",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // Served by nsd, not bundled: Scripts/nsd.sh copies them.
            exclude: ["zones"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
