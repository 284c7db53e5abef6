import Foundation

/// Writes reports in their wire formats: DMARC aggregate XML as RFC 7489 Appendix C lays it out,
/// and TLS-RPT JSON per RFC 8460 §4.4. Used to export, to build test corpora, and to check that
/// reading what we write gives back the same report.
public enum ReportWriter {
    public static func xml(_ r: DMARCAggregateReport) -> String {
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n"
        if let v = r.version { x += "  <version>\(escape(v))</version>\n" }
        x += "  <report_metadata>\n    <org_name>\(escape(r.orgName))</org_name>\n"
        if let email = r.email { x += "    <email>\(escape(email))</email>\n" }
        x += "    <report_id>\(escape(r.reportID))</report_id>\n"
        x += "    <date_range>\n      <begin>\(r.begin)</begin>\n      <end>\(r.end)</end>\n    </date_range>\n"
        for e in r.errors { x += "    <error>\(escape(e))</error>\n" }
        x += "  </report_metadata>\n  <policy_published>\n    <domain>\(escape(r.published.domain))</domain>\n"
        let p = r.published
        for (name, value) in [("adkim", p.adkim), ("aspf", p.aspf), ("p", p.p), ("sp", p.sp), ("np", p.np)] {
            if let value { x += "    <\(name)>\(escape(value))</\(name)>\n" }
        }
        if let pct = p.pct { x += "    <pct>\(pct)</pct>\n" }
        if let fo = p.fo { x += "    <fo>\(escape(fo))</fo>\n" }
        if let testing = p.testing { x += "    <testing>\(escape(testing))</testing>\n" }
        x += "  </policy_published>\n"
        for rec in r.records {
            x += "  <record>\n    <row>\n      <source_ip>\(escape(rec.sourceIP))</source_ip>\n"
            x += "      <count>\(rec.count)</count>\n      <policy_evaluated>\n"
            x += "        <disposition>\(escape(rec.disposition))</disposition>\n"
            x += "        <dkim>\(escape(rec.dkimAligned))</dkim>\n        <spf>\(escape(rec.spfAligned))</spf>\n"
            for reason in rec.reasons {
                x += "        <reason>\n          <type>\(escape(reason.type))</type>\n"
                if let c = reason.comment { x += "          <comment>\(escape(c))</comment>\n" }
                x += "        </reason>\n"
            }
            x += "      </policy_evaluated>\n    </row>\n    <identifiers>\n"
            if let to = rec.envelopeTo { x += "      <envelope_to>\(escape(to))</envelope_to>\n" }
            if let from = rec.envelopeFrom { x += "      <envelope_from>\(escape(from))</envelope_from>\n" }
            x += "      <header_from>\(escape(rec.headerFrom))</header_from>\n    </identifiers>\n    <auth_results>\n"
            for d in rec.dkim {
                x += "      <dkim>\n        <domain>\(escape(d.domain))</domain>\n"
                if let s = d.selector { x += "        <selector>\(escape(s))</selector>\n" }
                x += "        <result>\(escape(d.result))</result>\n      </dkim>\n"
            }
            for s in rec.spf {
                x += "      <spf>\n        <domain>\(escape(s.domain))</domain>\n"
                if let scope = s.scope { x += "        <scope>\(escape(scope))</scope>\n" }
                x += "        <result>\(escape(s.result))</result>\n      </spf>\n"
            }
            x += "    </auth_results>\n  </record>\n"
        }
        return x + "</feedback>\n"
    }

    public static func json(_ r: TLSReport) -> String {
        func date(_ s: Int64) -> String {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            return f.string(from: Date(timeIntervalSince1970: TimeInterval(s)))
        }
        var object: [String: Any] = [
            "organization-name": r.orgName, "report-id": r.reportID,
            "date-range": ["start-datetime": date(r.begin), "end-datetime": date(r.end)],
        ]
        if let c = r.contact { object["contact-info"] = c }
        object["policies"] = r.policies.map { p -> [String: Any] in
            var policy: [String: Any] = ["policy-type": p.type, "policy-domain": p.domain]
            if !p.mxHosts.isEmpty { policy["mx-host"] = p.mxHosts }
            let failures = p.failures.map { f -> [String: Any] in
                var d: [String: Any] = ["result-type": f.resultType, "failed-session-count": f.sessionCount]
                let optional: [(String, String?)] = [
                    ("sending-mta-ip", f.sendingMTAIP), ("receiving-mx-hostname", f.receivingMXHostname),
                    ("receiving-mx-helo", f.receivingMXHelo), ("receiving-ip", f.receivingIP),
                    ("additional-information", f.additionalInformation), ("failure-reason-code", f.failureReasonCode),
                ]
                for (k, v) in optional { if let v { d[k] = v } }
                return d
            }
            var entry: [String: Any] = [
                "policy": policy,
                "summary": [
                    "total-successful-session-count": p.successCount, "total-failure-session-count": p.failureCount,
                ],
            ]
            if !failures.isEmpty { entry["failure-details"] = failures }
            return entry
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
