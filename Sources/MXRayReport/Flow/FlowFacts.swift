import MXRayInbound
import MXRayProbe

/// What the mail-flow picture is drawn from: the tiers as DNS gives them (RFC 5321 §5.1), who keeps
/// the mailboxes, a direct endpoint no MX names, and the probe's and a trace's results when present.
public struct FlowFacts: Sendable {
    public var domain: String
    public var kind: MXKind
    public var tiers: [Tier]
    /// The provider that stores the domain's mail behind the gateways, when the evidence names one.
    public var mailboxProvider: String?
    /// The mailbox provider's own endpoint for the domain, reachable though no MX record names it.
    public var directEndpoint: DirectEndpoint?
    /// Per-host SMTP results, when the audit ran with the probe.
    public var probe: ProbeReport?
    /// Where a traced message's hops landed, for `trace --html`.
    public var trace: TraceOverlay?

    public init(
        domain: String, kind: MXKind, tiers: [Tier], mailboxProvider: String? = nil,
        directEndpoint: DirectEndpoint? = nil, probe: ProbeReport? = nil, trace: TraceOverlay? = nil
    ) {
        self.domain = domain
        self.kind = kind
        self.tiers = tiers
        self.mailboxProvider = mailboxProvider
        self.directEndpoint = directEndpoint
        self.probe = probe
        self.trace = trace
    }
}

/// A mailbox provider's endpoint for the domain that exists outside the MX records.
public struct DirectEndpoint: Sendable {
    public var host: String
    public var provider: String
    /// What the probe's `--direct` check found: nil when it did not run.
    public var acceptsDirect: Bool?

    public init(host: String, provider: String, acceptsDirect: Bool? = nil) {
        self.host = host
        self.provider = provider
        self.acceptsDirect = acceptsDirect
    }
}

/// A traced message drawn over the tiers: who sent it, and which tier each hop reached.
public struct TraceOverlay: Sendable {
    /// One hop that reached a host of the recipient's organisation.
    public struct Landing: Sendable {
        public var hop: Int
        /// The MX preference of the receiving host; nil for a host behind the MX tiers.
        public var tier: Int?
        public var vendor: String

        public init(hop: Int, tier: Int?, vendor: String) {
            self.hop = hop
            self.tier = tier
            self.vendor = vendor
        }
    }

    /// The client of the entry hop, as the Received field names it.
    public var sender: String
    public var entryHop: Int?
    /// Set when the message went around the gateway.
    public var bypassed: Bool
    public var landings: [Landing]

    public init(sender: String, entryHop: Int?, bypassed: Bool, landings: [Landing]) {
        self.sender = sender
        self.entryHop = entryHop
        self.bypassed = bypassed
        self.landings = landings
    }
}
