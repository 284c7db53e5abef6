import MXRayDNS

/// MTA-STS (RFC 8461) as found for a domain: the TXT record, the policy fetch, the parsed policy.
public struct MTASTSFacts: Sendable, Codable, Equatable {
    public var lookup: LookupSummary
    /// Every TXT record at `_mta-sts.DOMAIN` that starts with v=STSv1.
    public var records: [String]
    public var record: MTASTSRecord?
    public var recordError: String?
    public var fetch: PolicyFetch?
    public var policy: MTASTSPolicy?
    public var policyError: String?

    public init(lookup: LookupSummary, records: [String]) {
        self.lookup = lookup
        self.records = records
    }
}

/// Finds a domain's MTA-STS record (RFC 8461 §3.1) and, when there is one and a fetcher is
/// given, fetches and parses its policy (§3.2, §3.3).
public struct MTASTSDiscovery: Sendable {
    public var resolver: any DNSResolver
    /// Nil skips the policy fetch (offline audits).
    public var fetcher: (any PolicyFetching)?

    public init(resolver: any DNSResolver, fetcher: (any PolicyFetching)?) {
        self.resolver = resolver
        self.fetcher = fetcher
    }

    public func discover(_ name: DomainName) async -> MTASTSFacts {
        let domain = name.text
        let lookup = await resolver.lookup((try? name.prepending(Array("_mta-sts".utf8))) ?? name, .txt)
        var facts = MTASTSFacts(lookup: LookupSummary(lookup), records: lookup.texts.filter(MTASTSRecord.isMTASTS))
        if facts.records.count > 1 {
            facts.recordError = "\(facts.records.count) records; RFC 8461 §3.1 requires exactly one"
        } else if let text = facts.records.first {
            do { facts.record = try MTASTSRecord(parsing: text) } catch { facts.recordError = "\(error)" }
        }
        guard facts.record != nil, let fetcher else { return facts }
        let fetch = await fetcher.fetch(domain: domain)
        facts.fetch = fetch
        if fetch.outcome == .fetched, let body = fetch.body {
            do { facts.policy = try MTASTSPolicy(parsing: body) } catch { facts.policyError = "\(error)" }
        }
        return facts
    }

    /// Marks each host as covered or not by an enforcing or testing policy (RFC 8461 §4.1).
    public static func markCoverage(_ tiers: inout [Tier], policy: MTASTSPolicy?) {
        guard let policy, policy.mode != .none else { return }
        for t in tiers.indices {
            for h in tiers[t].hosts.indices {
                tiers[t].hosts[h].coveredByMTASTS = policy.covers(tiers[t].hosts[h].name)
            }
        }
    }
}
