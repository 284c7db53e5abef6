import MXRayAuth

/// Text for `mxray verify`, `mxray spf` and `mxray dmarc`.
enum VerifyText {
    static func render(_ reports: [VerifyReport]) -> String {
        var lines: [String] = []
        for r in reports {
            lines.append("== \(r.source)")
            guard let v = r.result else {
                lines.append("error: \(r.error ?? "")")
                continue
            }
            lines.append(
                "Authentication-Results: "
                    + v.authenticationResults.rendered.replacingOccurrences(of: "\r\n", with: "\n"))
            lines.append("")
            if let spf = v.spf {
                let how = v.connection?.inferred == true ? " (connection inferred from Received)" : ""
                lines.append(
                    "spf=\(spf.result.rawValue) for \(spf.identity) "
                        + "\(spf.identity == "helo" ? spf.domain : spf.sender) from \(spf.ip)\(how): \(spf.reason)"
                )
            } else {
                lines.append("spf: not evaluated (no --ip or --from-received)")
            }
            if v.dkim.isEmpty { lines.append("dkim=none: no DKIM-Signature") }
            for d in v.dkim { lines.append("\(d.summary): \(d.reason)") }
            lines.append("arc=\(v.arc.result.rawValue): \(v.arc.reason)")
            var dmarc = "dmarc=\(v.dmarc.result.rawValue)"
            if let p = v.dmarc.policy {
                let testing = v.dmarc.testing ? ", t=y testing" : ""
                let percent = v.dmarc.percent.map { $0 < 100 ? ", pct=\($0)" : "" } ?? ""
                dmarc += " (\(v.dmarc.policyTag ?? "p")=\(p.rawValue)\(testing)\(percent))"
            }
            lines.append(dmarc + ": " + v.dmarc.reason)
            if v.lineEndings == .lf || v.lineEndings == .mixed {
                lines.append("note: the message has \(v.lineEndings.rawValue) line endings; read as CRLF")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func spf(_ v: SPFVerdict) -> String {
        var lines = ["spf=\(v.result.rawValue) for \(v.identity) \(v.sender) from \(v.ip): \(v.reason)"]
        if let record = v.record { lines.append("record: \(record)") }
        if let e = v.explanation { lines.append("explanation: \(e)") }
        lines.append(
            "DNS-querying terms: \(v.lookups) of \(SPFEvaluator.maxDNSTerms); void lookups: \(v.voidLookups) of "
                + "\(SPFEvaluator.maxVoidLookups)"
        )
        lines.append("trace:")
        for step in v.trace {
            let indent = String(repeating: "  ", count: step.depth + 1)
            let term = step.term.isEmpty ? "" : "\(step.term): "
            lines.append("\(indent)[\(step.domain)] \(term)\(step.event)")
        }
        return lines.joined(separator: "\n")
    }

    static func dmarc(_ v: DMARCVerdict) -> String {
        var lines: [String] = []
        switch v.result {
        case .pass:
            lines.append(
                "dmarc policy for \(v.fromDomain ?? ""): \(v.policyTag ?? "p")=\(v.policy?.rawValue ?? "none")")
        default: lines.append("dmarc=\(v.result.rawValue) for \(v.fromDomain ?? ""): \(v.reason)")
        }
        if let org = v.organizationalDomain {
            lines.append(
                "organizational domain: \(org) "
                    + "(\(v.mode == .rfc9989 ? "RFC 9989 tree walk" : "RFC 7489 public suffix list"))"
            )
        }
        if let d = v.policyDomain, let used = v.recordUsed {
            lines.append("record at _dmarc.\(d) (\(used)): \(v.record ?? "")")
        }
        if let a = v.dkimAlignment, let s = v.spfAlignment {
            lines.append("alignment: adkim=\(a.rawValue) aspf=\(s.rawValue)")
        }
        if let pct = v.percent, pct < 100 { lines.append("pct=\(pct): the policy applies to \(pct)% of failing mail") }
        if v.testing { lines.append("t=y: the domain is testing; receivers apply the next milder policy") }
        return lines.joined(separator: "\n")
    }
}
