import MXRayAudit
import MXRayInbound
import MXRayProbe

/// Text for a person: the tiers as a table, the pattern, then the findings by severity.
enum AuditText {
    static func render(_ r: AuditReport, failOn: Severity?) -> String {
        let f = r.facts
        var lines = ["mxray audit \(r.domain)" + (f.unicodeDomain.map { " (\($0))" } ?? ""), ""]
        switch f.mxKind {
        case .null: lines.append("MX: null MX (RFC 7505): the domain accepts no mail")
        case .none: lines.append("MX: none, and no address: mail cannot be delivered")
        case .unknown: lines.append("MX: unknown (\(f.mx.detail ?? "lookup failed"))")
        case .implicit, .explicit:
            if f.mxKind == .implicit { lines.append("MX: none; the domain's own address serves as implicit MX") }
            var rows: [[String]] = [["PREF", "HOST", "ADDRESSES", "OPERATOR", "ROLE", "MTA-STS", "DANE"]]
            for tier in f.tiers {
                for h in tier.hosts {
                    let sts = h.coveredByMTASTS.map { $0 ? "covered" : "NOT covered" } ?? "-"
                    let dane = h.tlsaRecords > 0 ? "TLSA" : (h.tlsa?.failed == true ? "?" : "-")
                    let addresses =
                        h.addresses.isEmpty ? "(none)" : h.addresses.map(\.description).joined(separator: " ")
                    rows.append([
                        "\(tier.preference)", h.name, addresses, h.operator.vendor, h.operator.role.rawValue, sts, dane,
                    ])
                }
            }
            lines += table(rows)
        }
        lines.append("")
        lines.append("pattern: \(f.pattern.summary)")
        var summary: [String] = []
        if let p = f.mtaSTS.policy {
            summary.append("MTA-STS \(p.mode.rawValue)")
        } else if !f.mtaSTS.records.isEmpty {
            summary.append(
                f.mtaSTS.fetch == nil ? "MTA-STS record (policy not fetched)" : "MTA-STS record, no usable policy")
        } else {
            summary.append("no MTA-STS")
        }
        summary.append(f.tlsRPT.records.isEmpty ? "no TLS-RPT" : "TLS-RPT")
        if let count = f.spf.lookupCount {
            summary.append("SPF \(f.spf.defaultResult ?? "") (\(count.terms) lookup\(count.terms == 1 ? "" : "s"))")
        } else {
            summary.append(f.spf.records.isEmpty ? "no SPF" : "SPF invalid")
        }
        if let p = f.dmarc.policy {
            summary.append("DMARC \(f.dmarc.policyTag ?? "p")=\(p.rawValue)")
        } else {
            summary.append("DMARC \(f.dmarc.result.rawValue)")
        }
        lines.append("posture: " + summary.joined(separator: ", "))
        if let probe = r.probe {
            lines.append("")
            lines.append("SMTP probe:")
            lines += table(ProbeText.matrix(probe)).map { "  " + $0 }
        }
        lines.append("")
        lines += findings(r.findings)
        let counts = Severity.allCases.reversed().compactMap { s -> String? in
            let n = r.findings.filter { $0.severity == s }.count
            return n > 0 ? "\(n) \(s.rawValue)" : nil
        }
        lines.append("")
        let plural = r.findings.count == 1 ? "" : "s"
        let breakdown = counts.isEmpty ? "" : ": " + counts.joined(separator: ", ")
        lines.append(
            "\(r.findings.count) finding\(plural)\(breakdown); "
                + (failOn.map { "failing at \($0.rawValue) or above" } ?? "never failing (--fail-on never)"))
        return lines.joined(separator: "\n")
    }

    /// Findings worst first, each with its evidence and fix.
    static func findings(_ list: [Finding]) -> [String] {
        if list.isEmpty { return ["no findings"] }
        var lines: [String] = []
        for finding in list {
            lines.append("[\(finding.severity.rawValue.uppercased())] \(finding.id): \(finding.title)")
            for e in finding.evidence { lines.append("    evidence: \(e)") }
            lines.append("    fix: \(finding.remediation)\(finding.rfc.map { " (\($0))" } ?? "")")
        }
        return lines
    }

    static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { col in rows.map { $0[col].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }
    }
}
