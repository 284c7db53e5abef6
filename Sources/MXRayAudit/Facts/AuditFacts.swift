import MXRayAuth
import MXRayInbound

/// The domain's SPF record, summarised for the audit.
public struct SPFSummary: Sendable, Codable, Equatable {
    public var lookup: LookupSummary
    public var records: [String]
    public var error: String?
    /// DNS-querying terms over the whole include tree (RFC 7208 §4.6.4 allows 10).
    public var lookupCount: SPFLookupCounter.Count?
    /// The qualifier of the final `all`, or the redirect, which says what happens to strangers.
    public var defaultResult: String?

    public init(lookup: LookupSummary, records: [String]) {
        self.lookup = lookup
        self.records = records
    }
}

/// Everything the audit gathered about one domain: the inbound facts (tiers, MTA-STS, TLS-RPT)
/// and the sender-side records (SPF, DMARC).
public struct AuditFacts: Sendable, Codable, Equatable {
    /// The domain in the form DNS was asked (A-labels).
    public var domain: String
    /// The same domain in Unicode, when it has A-labels.
    public var unicodeDomain: String?
    public var mxKind: MXKind
    public var mx: LookupSummary
    public var tiers: [Tier]
    public var pattern: ArchitecturePattern
    public var mtaSTS: MTASTSFacts
    public var tlsRPT: TLSRPTFacts
    public var spf: SPFSummary
    public var dmarc: DMARCVerdict
    /// Mailbox providers the DNS evidence names, and whether each takes the domain's mail at an
    /// endpoint no MX record names (the route around the gateway).
    public var mailboxExposure: [MailboxExposure] = []
    /// The SPF includes the catalog lists for each operator found in the tiers (for outbound relay).
    public var vendorSPFIncludes: [String: [String]] = [:]
    /// Every lookup that failed, with what it was for: the facts it would have given are unknown.
    public var dnsFailures: [String]

    public var hosts: [HostFacts] { tiers.flatMap(\.hosts) }
    /// The tiers as the probe and the trace take them.
    public var inboundTiers: InboundTiers {
        InboundTiers(domain: domain, kind: mxKind, mx: mx, tiers: tiers, dnsFailures: dnsFailures)
    }
}
