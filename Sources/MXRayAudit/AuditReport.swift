/// One domain's audit: the facts and the findings (design guide §2: plain data, no printing).
public struct AuditReport: Sendable, Codable, Equatable {
    public var domain: String
    public var facts: AuditFacts
    public var findings: [Finding]
    /// The highest severity found, nil when nothing was.
    public var highestSeverity: Severity? { findings.map(\.severity).max() }

    enum CodingKeys: String, CodingKey { case domain, facts, findings, highestSeverity }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(domain, forKey: .domain)
        try c.encode(facts, forKey: .facts)
        try c.encode(findings, forKey: .findings)
        try c.encodeIfPresent(highestSeverity, forKey: .highestSeverity)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domain = try c.decode(String.self, forKey: .domain)
        facts = try c.decode(AuditFacts.self, forKey: .facts)
        findings = try c.decode([Finding].self, forKey: .findings)
    }
    public init(domain: String, facts: AuditFacts, findings: [Finding]) { self.domain = domain; self.facts = facts; self.findings = findings }
}

/// Audits domains: gathers the facts, then derives the findings.
public struct Auditor: Sendable {
    public var gatherer: FactGatherer
    public init(gatherer: FactGatherer) { self.gatherer = gatherer }

    public func audit(_ domain: String) async -> AuditReport {
        let facts = await gatherer.gather(domain)
        return AuditReport(domain: facts.domain, facts: facts, findings: FindingsEngine.findings(facts))
    }
}
