import ArgumentParser
import MXRayDNS

/// The options every DNS-using command shares: where answers come from.
struct ResolverOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Ask this nameserver (IP, IPv4:PORT or [IPv6]:PORT); repeat for fallbacks. Default: /etc/resolv.conf.",
            valueName: "IP[:PORT]"))
    var nameserver: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Answer from this RFC 1035 master file instead of the network; repeatable. Names outside the files "
                + "are NXDOMAIN.",
            valueName: "FILE"))
    var zone: [String] = []

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for each DNS reply.", valueName: "SECONDS"))
    var dnsTimeout: Double = 2

    @Option(name: .long, help: ArgumentHelp("Tries per nameserver before the next one.", valueName: "N"))
    var dnsAttempts: Int = 2

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Queries awaiting a reply from one nameserver at most. Below this the number adapts: it doubles "
                + "every round trip without loss and halves when a reply is lost.", valueName: "N"))
    var dnsMaxInFlight: Int = 4096

    func validate() throws {
        guard nameserver.isEmpty || zone.isEmpty else {
            throw ValidationError("use either --nameserver or --zone, not both")
        }
        guard dnsTimeout > 0, dnsTimeout <= 60 else {
            throw ValidationError("--dns-timeout must be in (0, 60] seconds")
        }
        guard (1...10).contains(dnsAttempts) else { throw ValidationError("--dns-attempts must be between 1 and 10") }
        guard (4...65536).contains(dnsMaxInFlight) else {
            throw ValidationError("--dns-max-in-flight must be between 4 and 65536")
        }
        for ns in nameserver {
            do { _ = try Nameserver(parsing: ns) } catch { throw ValidationError("--nameserver: \(error)") }
        }
    }

    /// The resolver these options describe. Zone-file errors name the file and line.
    func makeResolver() throws -> any DNSResolver {
        try makeDNSResolver(
            zones: zone, nameservers: nameserver, timeout: dnsTimeout, attempts: dnsAttempts,
            maxInFlight: dnsMaxInFlight)
    }
}

/// Zone files when given, else a stub resolver asking the nameservers (or /etc/resolv.conf's);
/// the one constructor behind `--zone`/`--nameserver` and the milter's `dns:` block.
func makeDNSResolver(
    zones: [String], nameservers: [String], timeout: Double, attempts: Int, maxInFlight: Int = 4096
) throws -> any DNSResolver {
    if !zones.isEmpty {
        let resolver: ZoneResolver
        do { resolver = try ZoneResolver(paths: zones) } catch { throw CLIError("\(error)") }
        for warning in resolver.warnings { printToStandardError("warning: \(warning)") }
        return resolver
    }
    var configuration: ResolverConfiguration
    if nameservers.isEmpty {
        configuration = .system()
    } else {
        configuration = ResolverConfiguration(nameservers: try nameservers.map { try Nameserver(parsing: $0) })
    }
    configuration.timeout = .milliseconds(Int64(timeout * 1000))
    configuration.attempts = attempts
    configuration.maxQueriesInFlight = maxInFlight
    configuration.initialQueryWindow = min(configuration.initialQueryWindow, maxInFlight)
    return StubResolver(configuration: configuration)
}

/// A failure the user can act on; printed as `error: message`, exit status 2.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Lets commands close the stub resolver's sockets, and read its counts, without knowing its type.
protocol StubResolverShutdown {
    func shutdownResolver() async
    func statistics() async -> QueryStatistics
}
extension StubResolver: StubResolverShutdown { func shutdownResolver() async { await shutdown() } }

extension QueryStatistics {
    /// One line for standard error: the query outcome counts of a run.
    var summary: String {
        "dns: \(sent) queries sent, \(answered) answered, \(timedOut) timed out (\(answeredLate) answered late), "
            + "\(failed) failed, \(superseded) superseded, "
            + "\(retriedOverTCP) retried over TCP; \(waited) waited for room (\(gaveUpWaiting) too long), at most "
            + "\(largestInFlight) in flight, "
            + "window \(smallestWindow.map { "down to \($0) after losses" } ?? "never reduced"); "
            + "replies in \(roundTrip.map { String(format: "%.1f ms", $0.seconds * 1000) } ?? "-") (smoothed)"
    }
}
