import MXRayInbound
import MXRayProbe

/// One domain's audit: the facts, the findings, and the probe's report when the audit ran it
/// (plain data that the CLI renders; the audit may use the probe, never the reverse).
public struct AuditReport: Sendable, Codable {
    public var domain: String
    public var facts: AuditFacts
    /// The audit's and the probe's findings in the one report order.
    public var findings: [Finding]
    /// Every address of every MX host over SMTP, when the audit ran with the probe.
    public var probe: ProbeReport?
    /// The highest severity found, nil when nothing was.
    public var highestSeverity: Severity? { findings.map(\.severity).max() }

    public init(domain: String, facts: AuditFacts, findings: [Finding], probe: ProbeReport? = nil) {
        self.domain = domain
        self.facts = facts
        self.findings = findings
        self.probe = probe
    }

    enum CodingKeys: String, CodingKey { case domain, facts, findings, highestSeverity, probe }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(domain, forKey: .domain)
        try c.encode(facts, forKey: .facts)
        try c.encode(findings, forKey: .findings)
        try c.encodeIfPresent(highestSeverity, forKey: .highestSeverity)
        try c.encodeIfPresent(probe, forKey: .probe)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domain = try c.decode(String.self, forKey: .domain)
        facts = try c.decode(AuditFacts.self, forKey: .facts)
        findings = try c.decode([Finding].self, forKey: .findings)
        probe = try c.decodeIfPresent(ProbeReport.self, forKey: .probe)
    }
}

/// Audits domains: gathers the facts, derives the findings and, with a prober, probes the tiers
/// over SMTP and adds the probe's findings.
public struct Auditor: Sendable {
    public var gatherer: FactGatherer
    public var prober: Prober?

    public init(gatherer: FactGatherer, prober: Prober? = nil) {
        self.gatherer = gatherer
        self.prober = prober
    }

    public func audit(_ domain: String) async -> AuditReport {
        let facts = await gatherer.gather(domain)
        var report = AuditReport(domain: facts.domain, facts: facts, findings: FindingsEngine.findings(facts))
        guard let prober, facts.mxKind.receivesMail else { return report }
        let probe = await prober.probe(facts.inboundTiers, policy: facts.mtaSTS.policy)
        report.probe = probe
        report.findings = (report.findings + probe.findings).ordered()
        return report
    }
}
