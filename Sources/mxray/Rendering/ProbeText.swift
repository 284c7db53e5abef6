import MXRayAudit
import MXRayProbe

/// The parity matrix as a table, then the findings, then transcripts when asked.
enum ProbeText {
    static func render(_ r: ProbeReport, transcript: Bool) -> String {
        var lines = ["mxray probe \(r.domain)" + (r.mtaSTSMode.map { " (MTA-STS \($0))" } ?? ""), ""]
        var rows: [[String]] = [["TIER", "HOST", "ADDRESS"] + ProbeJudge.properties]
        for row in r.matrix { rows.append(["\(row.tier)", row.host, row.address] + ProbeJudge.properties.map { row.values[$0] ?? "-" }) }
        lines += AuditText.table(rows)
        lines.append("")
        lines += AuditText.findings(r.findings)
        if transcript {
            for h in r.hosts {
                lines.append("")
                lines.append("--- \(h.host) [\(h.address)] (\(String(format: "%.2f", h.elapsed)) s)")
                lines += h.transcript.map { "\($0.direction): \($0.text)" }
            }
        }
        return lines.joined(separator: "\n")
    }
}
