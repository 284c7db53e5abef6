/// One domain's audit: the facts and the findings (design guide §2: plain data, no printing).
public struct AuditReport: Sendable, Codable, Equatable {
    public var domain: String
    public var facts: AuditFacts
    public var findings: [Finding]
    /// Per-host SMTP probe results, when the audit ran with the probe (facts as the probe types
    /// them, encoded by the extension).
    public var probe: ProbeAttachment?
    /// The highest severity found, nil when nothing was.
    public var highestSeverity: Severity? { findings.map(\.severity).max() }

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
        probe = try c.decodeIfPresent(ProbeAttachment.self, forKey: .probe)
    }
    public init(domain: String, facts: AuditFacts, findings: [Finding]) { self.domain = domain; self.facts = facts; self.findings = findings }
}

/// Something that adds live facts and findings to an audit (the SMTP probe).
public protocol AuditExtension: Sendable {
    func extend(_ report: AuditReport) async -> AuditReport
}

/// Audits domains: gathers the facts, then derives the findings; an extension (the probe) may add
/// its own.
public struct Auditor: Sendable {
    public var gatherer: FactGatherer
    public var `extension`: (any AuditExtension)?
    public init(gatherer: FactGatherer, extension: (any AuditExtension)? = nil) { self.gatherer = gatherer; self.extension = `extension` }

    public func audit(_ domain: String) async -> AuditReport {
        let facts = await gatherer.gather(domain)
        let report = AuditReport(domain: facts.domain, facts: facts, findings: FindingsEngine.findings(facts))
        guard let ext = `extension`, facts.mxKind == .explicit || facts.mxKind == .implicit else { return report }
        return await ext.extend(report)
    }
}

/// The probe's results inside an audit report: the matrix rows and its rendered text, kept as
/// plain data so the audit does not depend on the probe.
public struct ProbeAttachment: Sendable, Codable, Equatable {
    public var matrix: [[String]]
    public var json: String
    public init(matrix: [[String]], json: String) { self.matrix = matrix; self.json = json }
}
