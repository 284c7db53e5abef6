import ArgumentParser

/// The `mxray` command: argument parsing and rendering only; the work happens in the libraries.
@main
struct MXRay: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "mxray",
        abstract: "Audit, probe and trace an organisation's inbound email path.",
        discussion: """
            mxray reads a domain's MX tiers and their security posture from DNS. Every command that \
            resolves names takes --nameserver IP[:PORT] (repeatable) or --zone FILE (repeatable, \
            RFC 1035 master files) to answer from a planned zone instead of the network.
            """,
        version: version,
        subcommands: [
            AuditCommand.self, ProbeCommand.self, TraceCommand.self, DNSCommand.self, VerifyCommand.self,
            SPFCommand.self, DMARCCommand.self, DKIMCommand.self, ARCCommand.self, CatalogCommand.self,
            MilterServeCommand.self, ReportsCommand.self, WatchCommand.self,
        ]
    )
}
