import ArgumentParser
import Foundation
import MXRayAudit
import MXRayDNS
import MXRayInbound
import MXRayProbe

/// Options of the SMTP probe, shared by `mxray probe` and `mxray audit --probe`.
struct ProbeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("An address of the domain that must be accepted; repeatable.", valueName: "ADDR"))
    var rcpt: [String] = []
    @Option(help: ArgumentHelp("MAIL FROM address (default postmaster@HELO-NAME).", valueName: "ADDR")) var mailFrom:
        String?
    @Option(help: ArgumentHelp("The EHLO name to give (default: this machine's host name).", valueName: "NAME"))
    var helo: String?
    @Option(
        help: ArgumentHelp("SMTP port of the MX hosts (25; another port is for servers on loopback).", valueName: "N"))
    var port: Int = 25
    @Option(
        help: ArgumentHelp(
            "Seconds allowed for each phase: connect, banner, each command, the TLS handshake.", valueName: "S"))
    var timeout: Double = 10
    @Option(help: ArgumentHelp("Sessions at the same time.", valueName: "N")) var probeConcurrency: Int = 32
    @Flag(help: "Print each SMTP conversation.") var transcript = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1-65535") }
        guard timeout > 0 && timeout <= 300 else { throw ValidationError("--timeout must be in (0, 300] seconds") }
        guard (1...1000).contains(probeConcurrency) else { throw ValidationError("--probe-concurrency must be 1-1000") }
        for r in rcpt where !r.contains("@") { throw ValidationError("--rcpt \(r) is not an address") }
    }

    /// This machine's host name when it is a domain name, else a name that says it is not one.
    static var defaultHELO: String {
        ProcessInfo.processInfo.hostName.contains(".") ? ProcessInfo.processInfo.hostName : "mxray.invalid"
    }

    func prober(caFile: String?, now: Int64) -> Prober {
        var o = Prober.Options(
            recipients: rcpt, mailFrom: mailFrom,
            helo: helo ?? Self.defaultHELO, now: now)
        o.port = port
        o.timeout = .milliseconds(Int64(timeout * 1000))
        o.caFile = caFile
        o.concurrency = probeConcurrency
        return Prober(options: o)
    }
}

/// `mxray probe DOMAIN`: every MX host of every tier over SMTP, the way a sender would, never DATA.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract:
            "Probe every MX host of every tier over SMTP (EHLO, STARTTLS, MAIL FROM, RCPT TO; never DATA) and "
            + "compare the tiers.",
        discussion: """
            For every address of every MX host: connect, read the banner, EHLO (falling back to HELO), \
            STARTTLS when offered (the TLS version, whether the certificate chains to a trusted root and \
            names the MX host, days to expiry), then MAIL FROM, RCPT TO for each --rcpt and for a random \
            address that should not exist, RSET and QUIT. Prints the parity matrix, then the findings. \
            Exit status: 0 when no finding reaches --fail-on (default high), 1 when one does, 2 on error.
            """
    )

    @Argument(help: "The domain whose MX hosts to probe.") var domain: String
    @OptionGroup var probeOptions: ProbeOptions
    @Option(
        help: ArgumentHelp(
            "PEM file of CA certificates to trust (for MX hosts and the MTA-STS policy host).", valueName: "PEM"))
    var caFile: String?
    @Option(help: ArgumentHelp("Port of the MTA-STS policy host.", valueName: "N")) var mtaStsPort: Int = 443
    @Flag(help: "Do not fetch the MTA-STS policy.") var offline = false
    @OptionGroup var resolverOptions: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Option(
        help: ArgumentHelp(
            "Exit 1 when a finding is at least this severe: \(Severity.spelledOut).", valueName: "SEVERITY"))
    var failOn: String = "high"
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Flag(
        help: ArgumentHelp(
            "Also talk to the mailbox provider's own endpoint for the domain (inferred from SPF, verification "
                + "TXT and autodiscover records), as a sender that ignores MX would; never DATA."))
    var direct = false

    func validate() throws {
        guard Severity(rawValue: failOn) != nil else {
            throw ValidationError("--fail-on must be \(Severity.spelledOut)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let resolver = try resolverOptions.makeResolver()
            let fetcher: (any PolicyFetching)? =
                offline ? nil : HTTPSPolicyFetcher(resolver: resolver, port: mtaStsPort, caFile: caFile)
            let input = DomainInput(domain)
            guard let name = input.name else { throw CLIError(input.error ?? "\(domain) is not a domain name") }
            // The probe needs the tiers and, for its MTA-STS judgement, the policy; not an audit.
            async let tiers = MXTierGatherer(resolver: resolver).gather(input)
            async let sts = MTASTSDiscovery(resolver: resolver, fetcher: fetcher).discover(name)
            let (inbound, mtaSTS) = await (tiers, sts)
            guard inbound.kind.receivesMail else {
                let why = inbound.mx.detail ?? inbound.mx.outcome.rawValue
                throw CLIError("\(domain) has no MX hosts to probe (\(inbound.kind.rawValue): \(why))")
            }
            let report = await probeOptions.prober(caFile: caFile, now: clock.epoch).probe(
                inbound, policy: mtaSTS.policy)
            print(json ? try renderJSON(report) : ProbeText.render(report, transcript: probeOptions.transcript))
            if let worst = report.findings.map(\.severity).max(), worst >= Severity(rawValue: failOn)! {
                throw ExitCode(1)
            }
        }
    }
}
