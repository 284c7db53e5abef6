import Foundation
import MXRayFeedback

/// The reports views as text tables and CSV.
enum ReportsText {
    static func event(_ e: IngestEvent) -> String {
        switch e.result {
        case .stored, .duplicate:
            "\(e.result.rawValue): \(e.kind ?? "") report \(e.key ?? "") from \(e.part)"
        case .keptAside: "kept aside: \(e.part): \(e.reason ?? "")"
        case .unreadable: "unreadable: \(e.source): \(e.reason ?? "")"
        }
    }

    static func summary(_ s: IngestSummary, location: String) -> String {
        var line = "\(s.inputs) inputs: \(s.dmarcStored) DMARC and \(s.tlsStored) TLS reports stored, "
        line += "\(s.duplicates) duplicates, \(s.keptAside) kept aside"
        if s.unreadable > 0 { line += ", \(s.unreadable) unreadable" }
        return line + " (\(displayLocation(location)))"
    }

    /// A PostgreSQL URL without its password.
    static func displayLocation(_ location: String) -> String {
        guard var parts = URLComponents(string: location), parts.password != nil else { return location }
        parts.password = "***"
        return parts.string ?? location
    }

    static func summary(_ rows: [DMARCSummary]) -> String {
        guard !rows.isEmpty else { return "no DMARC aggregate reports stored for this window" }
        var blocks: [String] = []
        for r in rows {
            var lines = [
                "\(r.domain)  \(ReportDates.day(r.periodStart)) to \(ReportDates.day(r.periodEnd))  "
                    + "\(r.reports) report\(r.reports == 1 ? "" : "s") from \(r.reporters) "
                    + "reporter\(r.reporters == 1 ? "" : "s")"
            ]
            lines += AuditText.table([
                ["MESSAGES", "DMARC PASS", "SPF ALIGNED", "DKIM ALIGNED", "NONE", "QUARANTINE", "REJECT"],
                [
                    "\(r.messages)", share(r.dmarcPass, r.messages), share(r.spfAligned, r.messages),
                    share(r.dkimAligned, r.messages), "\(r.dispositionNone)", "\(r.dispositionQuarantine)",
                    "\(r.dispositionReject)",
                ],
            ]).map { "  " + $0 }
            if !r.overrides.isEmpty {
                let text = r.overrides.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                lines.append("  overrides: " + text.joined(separator: ", "))
            }
            if !r.topFailingSources.isEmpty {
                lines.append("  failing sources:")
                var table = [["SOURCE", "MESSAGES", "FROM", "REVERSE NAME", "VENDOR"]]
                for s in r.topFailingSources {
                    table.append([s.sourceIP, "\(s.messages)", s.headerFrom, s.reverseName ?? "-", s.vendor ?? "-"])
                }
                lines += AuditText.table(table).map { "    " + $0 }
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }

    static func summaryCSV(_ rows: [DMARCSummary]) -> String {
        var out = [
            [
                "domain", "period_start", "period_end", "reports", "reporters", "messages", "dmarc_pass",
                "spf_aligned", "dkim_aligned", "none", "quarantine", "reject", "overrides", "top_failing_sources",
            ]
        ]
        for r in rows {
            out.append([
                r.domain, ReportDates.day(r.periodStart), ReportDates.day(r.periodEnd), "\(r.reports)",
                "\(r.reporters)", "\(r.messages)", "\(r.dmarcPass)", "\(r.spfAligned)", "\(r.dkimAligned)",
                "\(r.dispositionNone)", "\(r.dispositionQuarantine)", "\(r.dispositionReject)",
                r.overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                r.topFailingSources.map { "\($0.sourceIP)=\($0.messages)" }.joined(separator: " "),
            ])
        }
        return CSV.render(out)
    }

    static func tls(totals: [TLSPolicyTotals], failures: [TLSFailureRow]) -> String {
        guard !totals.isEmpty else { return "no TLS reports stored for this window" }
        var lines = AuditText.table(
            [["DOMAIN", "POLICY", "SESSIONS OK", "FAILED", "REPORTS"]]
                + totals.map {
                    [$0.domain, $0.policyType, "\($0.successes)", "\($0.failures)", "\($0.reports)"]
                })
        lines.append("")
        if failures.isEmpty {
            lines.append("no failures reported")
        } else {
            lines += AuditText.table(
                [["DOMAIN", "TIER", "MX HOST", "RESULT", "SESSIONS", "REPORTS", "FIRST", "LAST"]]
                    + failures.map {
                        [
                            $0.domain, $0.tier ?? "-", $0.mxHost ?? $0.receivingIP ?? "-", $0.resultType,
                            "\($0.sessions)", "\($0.reports)", ReportDates.day($0.firstSeen),
                            ReportDates.day($0.lastSeen),
                        ]
                    })
        }
        return lines.joined(separator: "\n")
    }

    static func tlsCSV(_ rows: [TLSFailureRow]) -> String {
        CSV.render(
            [
                [
                    "domain", "policy_type", "tier", "mx_host", "receiving_ip", "result_type", "sessions", "reports",
                    "first_seen", "last_seen",
                ]
            ]
                + rows.map {
                    [
                        $0.domain, $0.policyType, $0.tier ?? "", $0.mxHost ?? "", $0.receivingIP ?? "", $0.resultType,
                        "\($0.sessions)", "\($0.reports)", ReportDates.day($0.firstSeen), ReportDates.day($0.lastSeen),
                    ]
                })
    }

    static func share(_ part: Int64, _ whole: Int64) -> String {
        whole == 0 ? "-" : String(format: "%lld (%.1f%%)", part, Double(part) * 100 / Double(whole))
    }
}

/// RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled, CRLF lines.
enum CSV {
    static func render(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field in
                guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else {
                    return field
                }
                return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
