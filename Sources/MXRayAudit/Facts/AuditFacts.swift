import MXRayAuth
import MXRayDNS

/// One DNS lookup as a report shows it: the outcome, and the detail of a failure.
public struct LookupSummary: Sendable, Codable, Equatable {
    public var outcome: String
    public var detail: String?

    init(_ lookup: DNSLookup) {
        outcome = lookup.outcome.label
        detail = lookup.failure?.detail
    }
    public var failed: Bool { outcome == "failure" }
}

/// What DNS says about one MX host.
public struct HostFacts: Sendable, Codable, Equatable {
    public var name: String
    public var preference: Int
    public var `operator`: Operator
    public var ipv4: [String]
    public var ipv6: [String]
    public var a: LookupSummary?
    public var aaaa: LookupSummary?
    /// Set when the MX target is an alias: RFC 2181 §10.3 forbids it.
    public var cnameChain: [String]
    /// Set when the MX target is written as an address (RFC 5321 §5.1 wants a name).
    public var isIPLiteral: Bool
    /// Addresses that are private, loopback, link-local or otherwise not reachable from the Internet.
    public var nonPublicAddresses: [String]
    /// DANE for SMTP (RFC 7672): TLSA records at `_25._tcp.HOST`.
    public var tlsa: LookupSummary?
    public var tlsaRecords: Int
    /// Whether the MTA-STS policy's mx patterns cover this host (nil without a policy).
    public var coveredByMTASTS: Bool?

    public var addresses: [String] { ipv4 + ipv6 }
}

/// The hosts of one MX preference: senders try them in random order (RFC 5321 §5.1).
public struct Tier: Sendable, Codable, Equatable {
    public var preference: Int
    public var hosts: [HostFacts]
}

/// How the domain receives mail according to DNS.
public enum MXKind: String, Sendable, Codable {
    /// MX records name the hosts.
    case explicit
    /// No MX: mail goes to the domain's own A/AAAA (RFC 5321 §5.1).
    case implicit
    /// "MX 0 ." (RFC 7505): the domain accepts no mail.
    case null
    /// No MX and no address: nothing can be delivered.
    case none
    /// The MX lookup failed: unknown.
    case unknown
}

/// The architecture the tiers form.
public enum ArchitecturePattern: String, Sendable, Codable {
    case singleHost = "single-host"
    case singleProvider = "single-provider"
    case gatewayWithColdBackup = "gateway-with-cold-backup"
    case dualVendorActive = "dual-vendor-active"
    case dualVendorFailover = "dual-vendor-failover"
    case mixed
    case noMail = "no-mail"
    case unknown

    public var description: String {
        switch self {
        case .singleHost: "one host"
        case .singleProvider: "one provider, several hosts (geographic redundancy at best)"
        case .gatewayWithColdBackup: "a gateway with a cold backup that bypasses it"
        case .dualVendorActive: "two active gateways from different vendors (hot-hot)"
        case .dualVendorFailover: "gateways from different vendors, one as failover"
        case .mixed: "a mix that fits no common pattern"
        case .noMail: "no mail accepted"
        case .unknown: "unknown (DNS failed)"
        }
    }
}

/// MTA-STS (RFC 8461) as found: the TXT record, the policy fetch, the parsed policy.
public struct MTASTSFacts: Sendable, Codable, Equatable {
    public var lookup: LookupSummary
    /// Every TXT record at `_mta-sts.DOMAIN` that starts with v=STSv1.
    public var records: [String]
    public var record: MTASTSRecord?
    public var recordError: String?
    public var fetch: PolicyFetch?
    public var policy: MTASTSPolicy?
    public var policyError: String?
}

/// TLS reporting (RFC 8460) at `_smtp._tls.DOMAIN`.
public struct TLSRPTFacts: Sendable, Codable, Equatable {
    public var lookup: LookupSummary
    public var records: [String]
}

/// The domain's SPF record, summarised for the audit.
public struct SPFSummary: Sendable, Codable, Equatable {
    public var lookup: LookupSummary
    public var records: [String]
    public var error: String?
    /// DNS-querying terms over the whole include tree (RFC 7208 §4.6.4 allows 10).
    public var lookupCount: SPFLookupCounter.Count?
    /// The qualifier of the final `all`, or the redirect, which says what happens to strangers.
    public var defaultResult: String?
}

/// Everything the audit gathered about one domain.
public struct AuditFacts: Sendable, Codable, Equatable {
    public var domain: String
    public var mxKind: MXKind
    public var mx: LookupSummary
    public var tiers: [Tier]
    public var pattern: ArchitecturePattern
    public var mtaSTS: MTASTSFacts
    public var tlsRPT: TLSRPTFacts
    public var spf: SPFSummary
    public var dmarc: DMARCVerdict
    /// Every lookup that failed, with what it was for: the facts it would have given are unknown.
    public var dnsFailures: [String]

    public var hosts: [HostFacts] { tiers.flatMap(\.hosts) }
}
