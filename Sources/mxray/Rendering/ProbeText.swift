import Foundation
import MXRayProbe

/// The parity matrix as a table, then the findings, then transcripts when asked.
enum ProbeText {
    static func render(_ r: ProbeReport, transcript: Bool) -> String {
        var lines = ["mxray probe \(r.domain)" + (r.mtaSTSMode.map { " (MTA-STS \($0.rawValue))" } ?? ""), ""]
        lines += AuditText.table(matrix(r))
        lines.append("")
        lines += AuditText.findings(r.findings)
        if transcript {
            for h in r.hosts {
                lines.append("")
                lines.append(
                    "--- \(h.host) [\(h.address?.description ?? "no address")] (\(String(format: "%.2f", h.elapsed)) s)"
                )
                lines += h.transcript.map { "\($0.direction): \($0.text)" }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The parity matrix as table rows, the header first.
    static func matrix(_ r: ProbeReport) -> [[String]] {
        var rows: [[String]] = [["TIER", "HOST", "ADDRESS"] + ProbeProperty.allCases.map(\.rawValue)]
        for row in r.matrix {
            let cells = ProbeProperty.allCases.map { row.value($0).description }
            rows.append(["\(row.tier)", row.host, row.address?.description ?? "-"] + cells)
        }
        return rows
    }
}
