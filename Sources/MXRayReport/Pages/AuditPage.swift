import MXRayAudit
import MXRayInbound
import MXRayProbe

/// What the audit page shows: the banner, the picture, the posture (RFC 8461 MTA-STS, RFC 8460
/// TLS-RPT, RFC 7208 SPF, DMARC), the findings by severity and the probe's parity matrix.
struct AuditPage: Sendable {
    var domain: String
    var unicodeDomain: String?
    var generated: String
    var banner: Banner
    var pattern: String
    var picture: FlowPicture
    var legend: [LegendItem]
    var hosts: [HostRow]
    var posture: [PostureRow]
    var groups: [FindingGroup]
    var findingCount: Int
    var matrix: MatrixGrid?
    var dnsFailures: [String]
    var hasDNSFailures: Bool

    init(_ report: AuditReport, generated: String) {
        let f = report.facts
        domain = f.domain
        unicodeDomain = f.unicodeDomain
        self.generated = generated
        banner = Banner(findings: report.findings, subject: f.domain)
        pattern = f.pattern.summary
        picture = FlowPicture(AuditPage.flowFacts(report))
        legend = LegendItem.items(for: picture)
        hosts = f.hosts.map(HostRow.init)
        posture = AuditPage.posture(f)
        groups = FindingGroup.groups(report.findings)
        findingCount = report.findings.count
        matrix = report.probe.flatMap { $0.matrix.isEmpty ? nil : MatrixGrid($0) }
        dnsFailures = f.dnsFailures
        hasDNSFailures = !f.dnsFailures.isEmpty
    }

    /// The picture's facts: who keeps the mailboxes comes from the DNS evidence first (the SPF
    /// include, the verification record), then from a mailbox provider named in the tiers.
    static func flowFacts(_ report: AuditReport) -> FlowFacts {
        let f = report.facts
        let provider =
            f.mailboxExposure.first?.provider ?? f.hosts.first { $0.operator.role == .mailbox }?.operator.vendor
        var direct: DirectEndpoint?
        if let exposed = f.mailboxExposure.first(where: \.isReachableAroundMX), let endpoint = exposed.endpoint {
            let probed = report.probe?.direct?.first { $0.provider == exposed.provider }
            direct = DirectEndpoint(host: endpoint, provider: exposed.provider, acceptsDirect: probed?.acceptsDirect)
        }
        return FlowFacts(
            domain: f.domain, kind: f.mxKind, tiers: f.tiers, mailboxProvider: provider, directEndpoint: direct,
            probe: report.probe)
    }

    static func posture(_ f: AuditFacts) -> [PostureRow] {
        var rows: [PostureRow] = []
        rows.append(PostureRow("Architecture", f.pattern.summary, f.pattern == .gatewayWithColdBackup ? "bad" : "none"))
        if let policy = f.mtaSTS.policy {
            let level = policy.mode == .enforce ? "ok" : "warn"
            rows.append(
                PostureRow(
                    "MTA-STS", "mode \(policy.mode.rawValue)", level,
                    "max_age \(policy.maxAge) s; mx: \(policy.mx.joined(separator: ", "))"
                        + (f.mtaSTS.record.map { "; id \($0.id)" } ?? "")))
        } else if f.mtaSTS.record != nil || f.mtaSTS.recordError != nil {
            let why = f.mtaSTS.policyError ?? f.mtaSTS.recordError ?? "policy not fetched (--offline)"
            rows.append(PostureRow("MTA-STS", "record, no usable policy", "warn", why))
        } else {
            rows.append(PostureRow("MTA-STS", "missing", "bad", "no _mta-sts TXT record (RFC 8461 §3.1)"))
        }
        if let uris = f.tlsRPT.reportURIs, !uris.isEmpty {
            rows.append(PostureRow("TLS-RPT", "published", "ok", uris.joined(separator: ", ")))
        } else {
            rows.append(PostureRow("TLS-RPT", "missing", "warn", "no _smtp._tls TXT record (RFC 8460 §3)"))
        }
        if let record = f.spf.records.first {
            let lookups = f.spf.lookupCount.map { "; \($0.terms) DNS lookups" } ?? ""
            let level = f.spf.error != nil ? "bad" : (f.spf.defaultResult == "-all" ? "ok" : "warn")
            rows.append(
                PostureRow("SPF", f.spf.error ?? "default \(f.spf.defaultResult ?? "?")", level, record + lookups))
        } else {
            rows.append(PostureRow("SPF", "missing", "bad", "no v=spf1 TXT record at \(f.domain)"))
        }
        if let policy = f.dmarc.policy {
            let level = policy == .none ? "warn" : "ok"
            rows.append(
                PostureRow("DMARC", "\(f.dmarc.policyTag ?? "p")=\(policy.rawValue)", level, f.dmarc.record ?? ""))
        } else {
            rows.append(PostureRow("DMARC", f.dmarc.result.rawValue, "bad", f.dmarc.reason))
        }
        for exposure in f.mailboxExposure {
            let status =
                exposure.isReachableAroundMX
                ? "endpoint reachable around the MX" : (exposure.providerInMX ? "named in the MX" : "no endpoint found")
            let level = exposure.isReachableAroundMX ? "bad" : "none"
            let endpoint = exposure.endpoint.map { "\($0); " } ?? ""
            rows.append(
                PostureRow(
                    "Mailboxes: \(exposure.provider)", status, level,
                    endpoint + "evidence (\(exposure.confidence.rawValue)): "
                        + exposure.evidence.joined(separator: "; ")))
        }
        return rows
    }
}
