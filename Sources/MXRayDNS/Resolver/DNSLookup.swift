/// Why a lookup produced no answer at all. Kept apart from NXDOMAIN and NODATA: a failure says
/// nothing about whether records exist (one of the four outcomes of `DNSOutcome`).
public struct DNSFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// No reply within the timeout, after every retry.
        case timeout
        /// SERVFAIL, NOTIMP, FORMERR or another error RCODE (RFC 1035 §4.1.1).
        case serverFailure = "server-failure"
        /// REFUSED (RFC 1035 §4.1.1).
        case refused
        /// A reply that could not be decoded or did not answer the question asked.
        case malformedAnswer = "malformed-answer"
        /// A referral from a server that is not authoritative and will not recurse (a lame server).
        case referral
        /// The CNAME chain was longer than the resolver follows, or looped.
        case cnameChain = "cname-chain"
        /// A socket or connection error.
        case network
        /// No nameserver is configured.
        case noNameservers = "no-nameservers"
    }

    public var kind: Kind
    /// What happened, in words, naming the servers tried.
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// The four outcomes of a lookup (RFC 2308 §2 defines NXDOMAIN and NODATA). They never blur.
public enum DNSOutcome: Sendable, Hashable {
    /// The records of the type asked for, at the end of any CNAME chain.
    case records([ResourceRecord])
    /// The name does not exist (RCODE 3).
    case nxdomain
    /// The name exists but has no records of this type.
    case nodata
    /// No answer could be had; whether records exist is unknown.
    case failure(DNSFailure)

    public var label: String {
        switch self {
        case .records: "records"
        case .nxdomain: "nxdomain"
        case .nodata: "nodata"
        case .failure: "failure"
        }
    }
}

/// One lookup's result, with where it came from and how long it took, for reports.
public struct DNSLookup: Sendable, Hashable, Codable {
    public var question: DNSQuestion
    public var outcome: DNSOutcome
    /// CNAME records followed from the name asked for to the name that answered.
    public var cnameChain: [ResourceRecord]
    /// The nameserver that answered (`127.0.0.1:53`), the zone files, or the cache.
    public var source: String
    public var fromCache: Bool
    /// Wall time of this lookup in seconds (near zero for cache hits).
    public var elapsed: Double
    /// The transport of the final answer: "udp", "tcp", "zone" or "cache".
    public var transport: String

    public init(
        question: DNSQuestion, outcome: DNSOutcome, cnameChain: [ResourceRecord] = [], source: String,
        fromCache: Bool = false, elapsed: Double, transport: String
    ) {
        self.question = question
        self.outcome = outcome
        self.cnameChain = cnameChain
        self.source = source
        self.fromCache = fromCache
        self.elapsed = elapsed
        self.transport = transport
    }

    /// The records, or an empty list for the three other outcomes.
    public var records: [ResourceRecord] {
        if case .records(let r) = outcome { return r }
        return []
    }

    /// The texts of the TXT records found, each with its character-strings joined (RFC 7208 §3.3).
    public var texts: [String] { records.compactMap { $0.data.joinedText } }

    /// The addresses of the A and AAAA records found.
    public var addresses: [IPAddress] { Self.addresses(of: records) }

    /// The addresses of the A and AAAA records among `records`.
    public static func addresses(of records: [ResourceRecord]) -> [IPAddress] {
        records.compactMap {
            switch $0.data {
            case .a(let a): .v4(a)
            case .aaaa(let a): .v6(a)
            default: nil
            }
        }
    }

    public var failure: DNSFailure? {
        if case .failure(let f) = outcome { return f }
        return nil
    }

    /// The name the chain ended at: the owner of the records.
    public var canonicalName: DomainName { cnameChain.last?.data.target ?? question.name }

    enum CodingKeys: String, CodingKey {
        case question, outcome, records, failure, cnameChain, source, fromCache, elapsedMs, transport
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(question, forKey: .question)
        try c.encode(outcome.label, forKey: .outcome)
        try c.encode(records, forKey: .records)
        try c.encodeIfPresent(failure, forKey: .failure)
        try c.encode(cnameChain, forKey: .cnameChain)
        try c.encode(source, forKey: .source)
        try c.encode(fromCache, forKey: .fromCache)
        try c.encode((elapsed * 1_000_000).rounded() / 1000, forKey: .elapsedMs)
        try c.encode(transport, forKey: .transport)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        question = try c.decode(DNSQuestion.self, forKey: .question)
        switch try c.decode(String.self, forKey: .outcome) {
        case "records": outcome = .records(try c.decode([ResourceRecord].self, forKey: .records))
        case "nxdomain": outcome = .nxdomain
        case "nodata": outcome = .nodata
        case "failure": outcome = .failure(try c.decode(DNSFailure.self, forKey: .failure))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .outcome, in: c, debugDescription: "unknown outcome \(other)")
        }
        cnameChain = try c.decode([ResourceRecord].self, forKey: .cnameChain)
        source = try c.decode(String.self, forKey: .source)
        fromCache = try c.decode(Bool.self, forKey: .fromCache)
        elapsed = try c.decode(Double.self, forKey: .elapsedMs) / 1000
        transport = try c.decode(String.self, forKey: .transport)
    }
}

/// Anything that answers DNS questions: the network stub resolver, the zone-file resolver, or an
/// in-memory table in tests. Lookups never throw: every problem is an outcome.
public protocol DNSResolver: Sendable {
    func lookup(_ name: DomainName, _ type: RRType) async -> DNSLookup
    /// The answer when the resolver has it at hand (a fresh cache entry), without waiting; nil when
    /// it would have to ask. Callers use it to skip starting a task for a lookup that needs none.
    func cachedLookup(_ name: DomainName, _ type: RRType) -> DNSLookup?
    /// Several lookups, answered in the order asked. A resolver that waits on the network asks them
    /// all at once; the default asks one after another.
    func lookupAll(_ questions: [DNSQuestion]) async -> [DNSLookup]
}

extension DNSLookup {
    /// The answer a batch gives for a question it recorded nothing for: a failure, never a guess. A
    /// batch that works as it should never returns one.
    static func unanswered(_ question: DNSQuestion) -> DNSLookup {
        DNSLookup(
            question: question, outcome: .failure(DNSFailure(.network, "no answer was recorded")), source: "",
            elapsed: 0, transport: "")
    }
}

extension DNSResolver {
    public func cachedLookup(_ name: DomainName, _ type: RRType) -> DNSLookup? { nil }

    public func lookupAll(_ questions: [DNSQuestion]) async -> [DNSLookup] {
        var answers: [DNSLookup] = []
        for question in questions { answers.append(await lookup(question.name, question.type)) }
        return answers
    }
}
