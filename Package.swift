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
        .library(name: "MXRayInbound", targets: ["MXRayInbound"]),
        .library(name: "MXRayAudit", targets: ["MXRayAudit"]),
        .library(name: "MXRayTrace", targets: ["MXRayTrace"]),
        .library(name: "MXRaySMTP", targets: ["MXRaySMTP"]),
        .library(name: "MXRayProbe", targets: ["MXRayProbe"]),
        .library(name: "MXRayReport", targets: ["MXRayReport"]),
        .library(name: "MXRayMilter", targets: ["MXRayMilter"]),
        .library(name: "MXRayFeedback", targets: ["MXRayFeedback"]),
        .library(name: "MXRayWatch", targets: ["MXRayWatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // TLS for the MTA-STS policy fetch and the SMTP probe, on the event loops we already run.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The length-prefixed frame decoder for DNS over TCP (RFC 1035 §4.2.2).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // Certificate names per RFC 6125 (subjectAltName) for the probe's MTA-STS judgement.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // swift-certificates' own dependency, named for its PEM document parser.
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // The operator catalog, and the ARC conformance suites in the tests, are YAML.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // The HTML report's templates (Mustache, HTML-escaping by default); no dependencies of its own.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // The milter's structured logs, its metrics API, and their Prometheus text endpoint.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Reports arrive gzip-compressed or zipped: compress-nio inflates (zlib, bounded output);
        // ZIPFoundation writes the test and benchmark zips and gives the CRC-32 (its reader hangs on
        // hostile archives, so mxray reads zip directories itself).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // The reports database: SQLite embedded (vendored, no system library), PostgreSQL for a team.
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // The watch daemon's graceful shutdown and signals; already built as postgres-nio's dependency.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // DNS: wire codec, async stub resolver (UDP + TCP), zone-file resolver, cache.
        .target(
            name: "MXRayDNS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ]
        ),
        // RFC 5322 messages as received: header fields with their raw bytes, body, mbox, and the
        // one Received parser (it types the client's address with the DNS layer's IPAddress).
        .target(name: "MXRayMessage", dependencies: ["MXRayDNS"]),
        // Mail authentication: SPF, DKIM, ARC, DMARC, Authentication-Results.
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
        // What every engine needs about a domain's inbound path: MX tiers (RFC 5321 §5.1, RFC 7505),
        // host facts, the vendor catalog, MTA-STS (RFC 8461), TLS-RPT (RFC 8460), DANE presence,
        // and the findings vocabulary.
        .target(
            name: "MXRayInbound",
            dependencies: [
                "MXRayDNS",
                // The operator catalog is YAML; Yams is already built for the conformance suites.
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources/operators.yaml")]
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
        // The engines, side by side; none depends on another except the audit, which shows the
        // probe's typed report.
        // The probe engine: every MX host over SMTP, the way a sender would, and tier parity.
        .target(
            name: "MXRayProbe",
            dependencies: [
                "MXRayDNS", "MXRayInbound", "MXRaySMTP",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // The trace engine: which path a received message took, and what each hop concluded.
        .target(name: "MXRayTrace", dependencies: ["MXRayDNS", "MXRayMessage", "MXRayAuth", "MXRayInbound"]),
        // The audit engine: a domain's inbound posture and sender records, with findings.
        .target(name: "MXRayAudit", dependencies: ["MXRayDNS", "MXRayAuth", "MXRayInbound", "MXRayProbe"]),
        // The HTML report: the mail-flow picture (SVG) and the audit and trace pages, from templates.
        .target(
            name: "MXRayReport",
            dependencies: [
                "MXRayDNS", "MXRayInbound", "MXRayAuth", "MXRayProbe", "MXRayAudit", "MXRayTrace",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")]
        ),
        // The milter: the Sendmail milter protocol (v6) on SwiftNIO, with verify, seal and sign roles.
        .target(
            name: "MXRayMilter",
            dependencies: [
                "MXRayDNS", "MXRayMessage", "MXRayAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // libxml2 (Debian's libxml2-dev), the XML parser Foundation's XMLParser wraps, driven through
        // its SAX2 callbacks directly: XMLParser's per-element Foundation objects cost more than the parse.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // What the world reports back: DMARC aggregate reports (RFC 7489 Appendix C, DMARCbis) and
        // SMTP TLS reports (RFC 8460), unpacked from files and messages, stored in SQLite or PostgreSQL.
        .target(
            name: "MXRayFeedback",
            dependencies: [
                "MXRayDNS", "MXRayMessage", "MXRayInbound", "CLibXML2",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The watch: scheduled audits stored as typed snapshots, the changes between runs, webhook alerts.
        .target(
            name: "MXRayWatch",
            dependencies: [
                "MXRayDNS", "MXRayInbound", "MXRayAudit", "MXRayFeedback", "MXRayProbe",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The command-line tool: argument parsing and rendering only.
        .executableTarget(
            name: "mxray",
            dependencies: [
                "MXRayDNS",
                "MXRayMessage",
                "MXRayAuth",
                "MXRayInbound",
                "MXRayAudit",
                "MXRayTrace",
                "MXRayProbe",
                "MXRayReport",
                "MXRayMilter",
                "MXRayFeedback",
                "MXRayWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Throughput benchmarks; run in a release build (see BENCHMARKS.md).
        .executableTarget(
            name: "mxray-bench",
            dependencies: [
                "MXRayDNS", "MXRayMessage", "MXRayAuth", "MXRayInbound", "MXRayAudit", "MXRayProbe", "MXRayMilter",
                "MXRayFeedback",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // libFuzzer targets for every parser of untrusted bytes (Scripts/fuzz.sh builds them with
        // -sanitize=fuzzer,address and -DMXRAY_LIBFUZZER); an ordinary build replays files.
        .executableTarget(
            name: "mxray-fuzz",
            dependencies: [
                "MXRayDNS", "MXRayMessage", "MXRayAuth", "MXRayInbound", "MXRaySMTP", "MXRayMilter", "MXRayFeedback",
                // SHA-256 for the body-canonicalization oracle; already built for MXRayAuth.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MXRayDNSTests",
            dependencies: [
                "MXRayDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "MXRaySMTPTests",
            dependencies: [
                "MXRaySMTP", "MXRayProbe", "MXRayInbound", "MXRayDNS", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MXRayMessageTests", dependencies: ["MXRayMessage", "MXRayDNS"], resources: [.copy("Resources")]),
        .testTarget(
            name: "MXRayTraceTests",
            dependencies: [
                "MXRayTrace", "MXRayInbound", "MXRayAuth", "MXRayMessage", "MXRayDNS",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "MXRayAuditTests",
            dependencies: ["MXRayAudit", "MXRayInbound", "MXRayDNS", "MXRayAuth"]
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
        .testTarget(
            name: "MXRayMilterTests",
            dependencies: [
                "MXRayMilter", "MXRayAuth", "MXRayDNS", "MXRayMessage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "MXRayWatchTests", dependencies: ["MXRayWatch"]),
        .testTarget(
            name: "MXRayFeedbackTests",
            dependencies: [
                "MXRayFeedback", "MXRayInbound", "MXRayDNS", "MXRayMessage",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "MXRayReportTests",
            dependencies: ["MXRayReport", "MXRayAudit", "MXRayTrace", "MXRayInbound", "MXRayDNS", "MXRayMessage"]
        ),
        // Runs the built `mxray` binary end to end; its nameserver cases need nsd (see below).
        .testTarget(
            name: "MXRayCLITests",
            dependencies: ["mxray", "MXRayInbound"]
        ),
        // Needs real servers: run through Scripts/integration-test.sh, which starts them.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MXRayDNS",
                "MXRayMessage",
                "MXRayAuth",
                "MXRayInbound",
                "MXRayAudit",
                "MXRayProbe",
                "MXRayFeedback",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // Served by nsd (Scripts/nsd.sh copies them) and run by miltertest: not bundled.
            exclude: ["zones", "milter"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
