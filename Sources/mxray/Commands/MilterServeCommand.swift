import ArgumentParser
import Dispatch
import Foundation
import Logging
import MXRayDNS
import MXRayMilter
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Prometheus

/// `mxray milter --config FILE`: the filter in the mail path of each tier (Sendmail milter
/// protocol version 6, as Postfix speaks it).
struct MilterServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milter",
        abstract: "Verify, seal and sign mail inside the MTA: a milter for Postfix and Sendmail.",
        discussion: """
            Listens on each listener of the configuration (YAML; see the README) and, per listener: \
            verify writes one Authentication-Results field (SPF, DKIM, ARC, DMARC) after removing any \
            that claims its authserv-id, and may enforce the DMARC policy; seal adds an ARC set over those \
            results; sign adds a DKIM signature to mail from authenticated clients or listed networks. \
            Logs go to standard error; --metrics serves Prometheus text at /metrics. SIGTERM or SIGINT \
            stops it. Exit status: 0 after a stop, 2 when the configuration is wrong or a socket cannot \
            be bound.
            """
    )

    @Option(help: ArgumentHelp("The configuration file (YAML).", valueName: "FILE")) var config: String
    @Flag(help: "Check the configuration and its keys, print it with every default, and exit.") var checkConfig = false
    @Option(
        help: ArgumentHelp("Serve metrics at http://ADDR:PORT/metrics (overrides the file).", valueName: "ADDR:PORT"))
    var metrics: String?

    func run() async throws {
        try await reportingErrors {
            var settings: MilterConfig
            do { settings = try MilterConfig.load(path: config) } catch { throw CLIError("\(error)") }
            if let metrics { settings.metrics = metrics }
            let resolver = try Self.resolver(settings.dns)
            // Loading every listener's keys now makes a bad key a configuration error, not a runtime one.
            for listener in settings.listeners {
                do { _ = try MilterFilter(listener: listener, resolver: resolver) } catch { throw CLIError("\(error)") }
            }
            if checkConfig {
                print("# \(config): valid")
                print(try settings.effectiveYAML(), terminator: "")
                return
            }
            Self.bootstrapLogging()
            let logger = Logger(label: "mxray.milter")
            let group = MultiThreadedEventLoopGroup.singleton
            let metricsChannel: (any Channel)? =
                if let address = settings.metrics { try await Self.serveMetrics(at: address) } else { nil }
            let server: MilterServer
            do {
                server = try await MilterServer.start(
                    config: settings, resolver: resolver, group: group, logger: logger)
            } catch { throw CLIError("\(error)") }
            await Self.waitForStopSignal()
            logger.info("stopping")
            await server.close()
            try? await metricsChannel?.close()
            if let stub = resolver as? StubResolverShutdown { await stub.shutdownResolver() }
        }
    }

    static func resolver(_ dns: MilterConfig.DNSSettings) throws -> any DNSResolver {
        try makeDNSResolver(
            zones: dns.zoneFiles, nameservers: dns.nameservers, timeout: dns.timeoutSeconds, attempts: dns.attempts)
    }

    /// The daemons' logs (milter, watch): one line per event on standard error, from info up.
    static func bootstrapLogging() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
    }

    /// Bootstraps swift-metrics with a Prometheus registry and serves it at http://ADDR:PORT/metrics.
    static func serveMetrics(at address: String) async throws -> any Channel {
        let (host, port) = try hostPort(address)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            return try await MetricsEndpoint.start(host: host, port: port, group: MultiThreadedEventLoopGroup.singleton)
            {
                registry.emitToString()
            }
        } catch { throw CLIError("--metrics \(address): \(error)") }
    }

    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw CLIError("metrics address \(text) is not ADDR:PORT") }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// Returns on the first SIGTERM or SIGINT.
    static func waitForStopSignal() async {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let resumed = NIOLockedValueBox(false)
        var sources: [any DispatchSourceSignal] = []
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            for number in [SIGTERM, SIGINT] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let first = resumed.withLockedValue { done in
                        defer { done = true }
                        return !done
                    }
                    if first { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
        }
        // A released signal source stops delivering: they live until a signal came.
        for source in sources { source.cancel() }
    }
}
