import Foundation
import MXRayProbe

/// The parity matrix as a table, then the findings, then transcripts when asked.
enum ProbeText {
    static func render(_ r: ProbeReport, transcript: Bool) -> String {
        var lines = ["mxray probe \(r.domain)" + (r.mtaSTSMode.map { " (MTA-STS \($0.rawValue))" } ?? ""), ""]
        lines += AuditText.table(matrix(r))
        if let direct = r.direct {
            lines += ["", "direct to the mailbox provider, ignoring MX:"] + Self.direct(direct)
        }
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

    static func direct(_ probes: [DirectProbe]) -> [String] {
        guard !probes.isEmpty else {
            return [
                "  no mailbox provider with a direct endpoint is named by the domain's DNS evidence "
                    + "(SPF includes, verification TXT, autodiscover), or the MX records already name it"
            ]
        }
        var lines: [String] = []
        for d in probes {
            lines.append(
                "  \(d.provider) at \(d.endpoint): "
                    + (d.acceptsDirect ? "ACCEPTS the domain's recipients" : "does not accept them"))
            for h in d.hosts {
                let rcpt = h.recipients.map { "RCPT TO:<\($0.address)> \($0.status.rawValue)" }.joined(separator: ", ")
                let what =
                    h.banner == nil ? (h.error ?? "no answer") : (rcpt.isEmpty ? (h.error ?? "no RCPT asked") : rcpt)
                lines.append("    [\(h.address?.description ?? "no address")] \(what)")
            }
        }
        lines.append("  note: " + Prober.directLimitation)
        return lines
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
