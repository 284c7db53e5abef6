import Foundation
import MXRayAudit

/// `mxray audit --probe`: the probe's matrix and findings added to the audit.
extension Prober: AuditExtension {
    public func extend(_ report: AuditReport) async -> AuditReport {
        let probe = await self.probe(report.facts)
        var extended = report
        var rows = [["tier", "host", "address"] + ProbeJudge.properties]
        for row in probe.matrix { rows.append(["\(row.tier)", row.host, row.address] + ProbeJudge.properties.map { row.values[$0] ?? "-" }) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(probe.hosts)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        extended.probe = ProbeAttachment(matrix: rows, json: json)
        extended.findings = (report.findings + probe.findings).sorted { ($0.severity, $1.id) > ($1.severity, $0.id) }
        return extended
    }
}
