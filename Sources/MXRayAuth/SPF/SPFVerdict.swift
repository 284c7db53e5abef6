/// An SPF result (RFC 7208 §2.6).
public enum SPFResult: String, Sendable, Codable {
    case none, neutral, pass, fail, softfail, temperror, permerror
}

/// One step of an evaluation: a term, or a DNS query it caused, and what came of it.
public struct SPFTraceStep: Sendable, Codable, Equatable {
    /// 0 for the checked domain's own record, 1 inside an include or redirect, and so on.
    public var depth: Int
    public var domain: String
    public var term: String
    /// What happened, in words: `TXT example.com → 1 record`, `match`, `limit reached`.
    public var event: String
    /// DNS-querying terms counted so far (RFC 7208 §4.6.4 allows 10).
    public var lookups: Int
}

/// What check_host() came to, with why and where the lookups went.
public struct SPFVerdict: Sendable, Codable, Equatable {
    public var result: SPFResult
    /// `mailfrom` or `helo` (RFC 7208 §2.3, §2.4).
    public var identity: String
    public var domain: String
    public var sender: String
    public var ip: String
    /// The record of the checked domain, as published.
    public var record: String?
    /// The expanded exp= text for a fail, when the domain publishes one.
    public var explanation: String?
    public var reason: String
    /// DNS-querying terms evaluated (limit 10) and lookups that found nothing (limit 2).
    public var lookups: Int
    public var voidLookups: Int
    public var trace: [SPFTraceStep]
}
