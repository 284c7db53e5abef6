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

    func validate() throws {
        guard nameserver.isEmpty || zone.isEmpty else {
            throw ValidationError("use either --nameserver or --zone, not both")
        }
        guard dnsTimeout > 0, dnsTimeout <= 60 else {
            throw ValidationError("--dns-timeout must be in (0, 60] seconds")
        }
        guard (1...10).contains(dnsAttempts) else { throw ValidationError("--dns-attempts must be between 1 and 10") }
        for ns in nameserver {
            do { _ = try Nameserver(parsing: ns) } catch { throw ValidationError("--nameserver: \(error)") }
        }
    }

    /// The resolver these options describe. Zone-file errors name the file and line.
    func makeResolver() throws -> any DNSResolver {
        try makeDNSResolver(zones: zone, nameservers: nameserver, timeout: dnsTimeout, attempts: dnsAttempts)
    }
}

/// Zone files when given, else a stub resolver asking the nameservers (or /etc/resolv.conf's);
/// the one constructor behind `--zone`/`--nameserver` and the milter's `dns:` block.
func makeDNSResolver(zones: [String], nameservers: [String], timeout: Double, attempts: Int) throws -> any DNSResolver {
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
    return StubResolver(configuration: configuration)
}

/// A failure the user can act on; printed as `error: message`, exit status 2.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Lets commands close the stub resolver's sockets without knowing its type.
protocol StubResolverShutdown { func shutdownResolver() async }
extension StubResolver: StubResolverShutdown { func shutdownResolver() async { await shutdown() } }
