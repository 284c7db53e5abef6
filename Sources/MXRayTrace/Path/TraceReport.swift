import MXRayAuth
import MXRayInbound
import MXRayMessage

/// One hop of the path, oldest first: who handed the message to whom, how and when.
public struct Hop: Sendable, Codable, Equatable {
    public var number: Int
    public var received: ReceivedField
    /// The receiving host's operator from the vendor catalog.
    public var `operator`: Operator
    /// The recipient domain's MX tier this hop's receiving host belongs to, if any.
    public var tier: Int?
    /// Seconds since the previous hop (nil when either date is missing).
    public var delay: Int64?
    /// True when this hop's clock is more than the tolerance behind the previous hop's.
    public var clockSkew: Bool
    /// The Authentication-Results (and ARC-Authentication-Results) this hop wrote.
    public var conclusions: [Conclusion]
}

/// An Authentication-Results or ARC-Authentication-Results field, attributed to a hop.
public struct Conclusion: Sendable, Codable, Equatable {
    public var field: String
    public var instance: Int?
    public var authservID: String
    public var results: [String]
}

/// Which way the message came in, relative to the recipient's MX tiers (RFC 5321 §5.1).
public enum PathVerdict: String, Sendable, Codable {
    case viaPrimaryTier = "via-primary-tier"
    case viaFailoverTier = "via-failover-tier"
    case bypassedGateway = "bypassed-gateway"
    case unknown
}

/// What `mxray trace` concludes about one message.
public struct TraceReport: Sendable, Codable {
    public var recipientDomain: String?
    public var hops: [Hop]
    /// The hop where the message entered the recipient's organisation.
    public var entryHop: Int?
    public var verdict: PathVerdict
    public var verdictReason: String
    /// Authentication checked now (not at delivery time): DNS records may have changed since.
    public var now: MessageVerification
    /// Breakage and trust, in words.
    public var explanations: [String]
    /// The recipient domain's tiers as DNS gives them now.
    public var tiers: [Tier]
}

extension Hop {
    /// The client as the Received field names it: reverse name or HELO, then the address.
    public var clientText: String {
        [received.reverseName ?? received.helo, received.ip.map { "[\($0)]" }].compactMap { $0 }.joined(separator: " ")
    }
}

extension TraceReport {
    /// What was checked again now, as `method=result` words (`spf=fail (for 192.0.2.66) dkim=none ...`).
    public var checkedNowWords: [String] {
        var words: [String] = []
        if let spf = now.spf { words.append("spf=\(spf.result.rawValue) (for \(spf.ip))") }
        words +=
            now.dkim.isEmpty
            ? ["dkim=none"] : now.dkim.map { "dkim=\($0.result.rawValue) header.d=\($0.domain ?? "?")" }
        words.append("arc=\(now.arc.result.rawValue)")
        words.append("dmarc=\(now.dmarc.result.rawValue)")
        return words
    }
}
