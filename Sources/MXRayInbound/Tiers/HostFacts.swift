import MXRayDNS

/// What DNS says about one MX host (RFC 5321 §5.1: the target's A and AAAA records), with its
/// operator from the vendor catalog, DANE presence and MTA-STS coverage.
public struct HostFacts: Sendable, Codable, Equatable {
    public var name: String
    public var preference: Int
    public var `operator`: Operator
    public var ipv4: [IPv4Address]
    public var ipv6: [IPv6Address]
    public var a: LookupSummary?
    public var aaaa: LookupSummary?
    /// Set when the MX target is an alias: RFC 2181 §10.3 forbids it.
    public var cnameChain: [String]
    /// Set when the MX target is written as an address (RFC 5321 §5.1 wants a name).
    public var isIPLiteral: Bool
    /// Addresses that are private, loopback, link-local or otherwise not reachable from the Internet.
    public var nonPublicAddresses: [IPAddress]
    /// DANE for SMTP (RFC 7672): TLSA records at `_25._tcp.HOST`.
    public var tlsa: LookupSummary?
    public var tlsaRecords: Int
    /// Whether the MTA-STS policy's mx patterns cover this host (nil without a policy).
    public var coveredByMTASTS: Bool?

    public init(name: String, preference: Int, operator: Operator) {
        self.name = name
        self.preference = preference
        self.operator = `operator`
        ipv4 = []
        ipv6 = []
        cnameChain = []
        isIPLiteral = false
        nonPublicAddresses = []
        tlsaRecords = 0
    }

    /// Every address, IPv4 first, in the order DNS gave them.
    public var addresses: [IPAddress] { ipv4.map(IPAddress.v4) + ipv6.map(IPAddress.v6) }
}

/// The hosts of one MX preference: senders try them in random order (RFC 5321 §5.1).
public struct Tier: Sendable, Codable, Equatable {
    public var preference: Int
    public var hosts: [HostFacts]

    public init(preference: Int, hosts: [HostFacts]) {
        self.preference = preference
        self.hosts = hosts
    }
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

    /// True when the domain receives mail at some host (explicit or implicit MX).
    public var receivesMail: Bool { self == .explicit || self == .implicit }
}

/// A domain's MX tiers as DNS gives them: what the probe, the trace and the audit start from.
public struct InboundTiers: Sendable, Codable, Equatable {
    public var domain: String
    public var kind: MXKind
    public var mx: LookupSummary
    /// In preference order, lowest first (RFC 5321 §5.1).
    public var tiers: [Tier]
    /// Every lookup that failed on the way, with what it was for.
    public var dnsFailures: [String]

    public init(domain: String, kind: MXKind, mx: LookupSummary, tiers: [Tier], dnsFailures: [String]) {
        self.domain = domain
        self.kind = kind
        self.mx = mx
        self.tiers = tiers
        self.dnsFailures = dnsFailures
    }

    public var hosts: [HostFacts] { tiers.flatMap(\.hosts) }
}
