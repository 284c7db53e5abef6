import MXRayTrace

/// The path as a numbered list of hops, then the verdict and the explanations.
enum TraceText {
    static func render(_ r: TraceReport, source: String) -> String {
        var lines = ["mxray trace \(source)" + (r.recipientDomain.map { " (recipient domain \($0))" } ?? ""), ""]
        if r.hops.isEmpty { lines.append("no Received fields") }
        for hop in r.hops {
            let rec = hop.received
            guard rec.parsed else {
                lines.append(String(format: "%2d. (unparsed) %@", hop.number, rec.raw))
                continue
            }
            let client = hop.clientText
            var where_ = hop.operator.role == .unknown ? "" : " (\(hop.operator.vendor), \(hop.operator.role.rawValue)"
            if let t = hop.tier { where_ += where_.isEmpty ? " (tier \(t)" : ", tier \(t)" }
            if !where_.isEmpty { where_ += ")" }
            var how: [String] = []
            if let w = rec.with { how.append(w) }
            if rec.tls == true { how.append(rec.tlsVersion ?? "TLS") } else if rec.tls == false { how.append("no TLS") }
            if let d = hop.delay { how.append(d >= 0 ? "+\(d)s" : "\(d)s (clock skew)") }
            let entry = hop.number == r.entryHop ? "  ← entered the recipient's organisation" : ""
            lines.append(
                String(
                    format: "%2d. %@ → %@%@  %@%@", hop.number, client.isEmpty ? "?" : client, rec.by ?? "?", where_,
                    how.joined(separator: " "), entry))
            for c in hop.conclusions {
                let label = c.instance.map { "ARC i=\($0) " } ?? ""
                lines.append("      \(label)\(c.authservID) concluded: \(c.results.joined(separator: "; "))")
            }
        }
        lines.append("")
        lines.append("verdict: \(r.verdict.rawValue): \(r.verdictReason)")
        let now = ["checked now:"] + r.checkedNowWords
        lines.append(now.joined(separator: " "))
        if !r.explanations.isEmpty {
            lines.append("")
            lines += r.explanations.map { "- \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
