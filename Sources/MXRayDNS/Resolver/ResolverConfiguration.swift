/// How the network stub resolver behaves. Every wait and retry is bounded here.
public struct ResolverConfiguration: Sendable {
    /// Asked in order; the next is tried when one times out, fails or answers badly.
    public var nameservers: [Nameserver]
    /// How long one UDP or TCP exchange may take.
    public var timeout: Duration = .seconds(2)
    /// Tries per nameserver before moving to the next.
    public var attempts: Int = 2
    /// CNAME links followed across queries before giving up (loops end here too).
    public var maxCNAMEChain: Int = 8
    /// Answers and negative answers are cached for their TTL when true.
    public var cacheEnabled: Bool = true
    /// The cache holds at most this many (name, type) entries.
    public var maxCacheEntries: Int = 100_000
    /// The cache holds at most about this many bytes.
    public var maxCacheBytes: Int = 64 << 20
    /// Negative answers are cached at most this long (RFC 2308 §5 suggests 1-3 hours).
    public var maxNegativeTTL: UInt32 = 3600
    /// Positive answers are cached at most this long (RFC 8767 §4 suggests a 7-day cap).
    public var maxPositiveTTL: UInt32 = 604_800
    /// Queries awaiting a reply from one server at most; the window below it adapts to losses.
    public var maxQueriesInFlight: Int = 4096
    /// The window each server starts with; it doubles every round trip without loss.
    public var initialQueryWindow: Int = 64
    /// EDNS0 payload size advertised (RFC 6891 §6.2.5).
    public var ednsPayloadSize: UInt16 = EDNS.defaultPayloadSize

    public init(nameservers: [Nameserver]) { self.nameservers = nameservers }

    /// The system's configuration from /etc/resolv.conf, with glibc's fallback of 127.0.0.1:53.
    public static func system(path: String = "/etc/resolv.conf") -> ResolverConfiguration {
        let conf = ResolvConf.load(path: path)
        var config = ResolverConfiguration(
            nameservers: conf.nameservers.isEmpty
                ? [Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)))] : conf.nameservers)
        if let t = conf.timeoutSeconds { config.timeout = .seconds(t) }
        if let a = conf.attempts { config.attempts = a }
        return config
    }
}
