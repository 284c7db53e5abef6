import Foundation

/// Reads a DMARC aggregate report: RFC 7489 Appendix C and the DMARCbis aggregate format (the same
/// elements in the `urn:ietf:params:xml:ns:dmarc-2.0` namespace, plus `version`, `np`, `testing`).
/// Documents with a DTD are refused before parsing (no entity can be declared, so none is expanded
/// or fetched), and the record count is bounded before the tree is built.
public enum DMARCReportParser {
    public static func parse(_ bytes: [UInt8], limits: FeedbackLimits = .standard) throws(FeedbackError)
        -> DMARCAggregateReport
    {
        let body = XMLSafety.strippingBOM(bytes)
        let (declaration, records) = XMLSafety.scan(body)
        if let declaration {
            throw FeedbackError("XML declares \(declaration): DTDs and entities are not accepted in a report")
        }
        guard records <= limits.maxRecords else {
            throw FeedbackError("\(records) records exceed the limit of \(limits.maxRecords) per report")
        }
        let wire: WireFeedback
        do {
            wire = try FeedbackXMLReader().read(body)
        } catch let error as FeedbackError {
            throw FeedbackError("not a DMARC aggregate report: " + error.description)
        } catch {
            throw FeedbackError("not a DMARC aggregate report: \(error)")
        }
        return try wire.typed()
    }
}

/// The XML as written: every leaf a string, checked and converted by `typed()`. The `has...` flags
/// say a container element was present, so a missing one is named in the error.
struct WireFeedback {
    var version: String?
    var hasMetadata = false
    var report_metadata = WireMetadata()
    var policy_published = WirePolicy()
    var record: [WireRecord] = []

    struct WireMetadata {
        var org_name: String?
        var email: String?
        var report_id: String?
        var hasDateRange = false
        var date_range = WireRange()
        var error: [String] = []
    }
    struct WireRange {
        var begin: String?
        var end: String?
    }
    struct WirePolicy {
        var domain: String?
        var adkim: String?
        var aspf: String?
        var p: String?
        var sp: String?
        var np: String?
        var pct: String?
        var fo: String?
        var testing: String?

        mutating func set(_ name: String, _ value: String) {
            switch name {
            case "domain": domain = value
            case "adkim": adkim = value
            case "aspf": aspf = value
            case "p": p = value
            case "sp": sp = value
            case "np": np = value
            case "pct": pct = value
            case "fo": fo = value
            case "testing": testing = value
            default: break
            }
        }
    }
    struct WireRecord {
        var hasRow = false
        var row = WireRow()
        var identifiers = WireIdentifiers()
        var auth_results = WireAuthResults()
    }
    struct WireRow {
        var source_ip: String?
        var count: String?
        var policy_evaluated = WireEvaluated()
    }
    struct WireEvaluated {
        var disposition: String?
        var dkim: String?
        var spf: String?
        var reason: [WireReason] = []
    }
    struct WireReason {
        var type: String?
        var comment: String?
    }
    struct WireIdentifiers {
        var header_from: String?
        var envelope_from: String?
        var envelope_to: String?
    }
    struct WireAuthResults {
        var dkim: [WireDKIM] = []
        var spf: [WireSPF] = []
    }
    struct WireDKIM {
        var domain: String?
        var selector: String?
        var result: String?
    }
    struct WireSPF {
        var domain: String?
        var scope: String?
        var result: String?
    }

    func typed() throws(FeedbackError) -> DMARCAggregateReport {
        guard hasMetadata else { throw FeedbackError("no report_metadata element") }
        let meta = report_metadata
        guard let org = meta.org_name.nonEmpty else { throw FeedbackError("report_metadata has no org_name") }
        guard let id = meta.report_id.nonEmpty else { throw FeedbackError("report_metadata has no report_id") }
        guard meta.hasDateRange else { throw FeedbackError("report_metadata has no date_range") }
        let range = meta.date_range
        let begin = try Timestamp.seconds(range.begin, field: "date_range/begin")
        let end = try Timestamp.seconds(range.end, field: "date_range/end")
        let policy = policy_published
        guard let domain = policy.domain.nonEmpty else {
            throw FeedbackError("policy_published has no domain")
        }
        let published = DMARCAggregateReport.PublishedPolicy(
            domain: domain.lowercased().trimmingTrailingDot, adkim: policy.adkim.token, aspf: policy.aspf.token,
            p: policy.p.token, sp: policy.sp.token, np: policy.np.token, pct: policy.pct.nonEmpty.flatMap { Int($0) },
            fo: policy.fo.nonEmpty, testing: policy.testing.token)
        var records: [DMARCAggregateReport.Record] = []
        records.reserveCapacity(record.count)
        for (index, wire) in record.enumerated() {
            // A record that counts no message and names no source carries nothing (seen as `<source_ip/>`
            // with `<count>0</count>` from one reporter): skipped rather than failing the report.
            if wire.row.source_ip.nonEmpty == nil, wire.row.count.nonEmpty.flatMap({ Int64($0) }) == 0 { continue }
            records.append(try wire.typed(number: index + 1))
        }
        return DMARCAggregateReport(
            version: version.nonEmpty, orgName: org, email: meta.email.nonEmpty, reportID: id, begin: begin,
            end: end, errors: meta.error.compactMap { Optional($0).nonEmpty }, published: published,
            records: records)
    }
}

extension WireFeedback.WireRecord {
    func typed(number: Int) throws(FeedbackError) -> DMARCAggregateReport.Record {
        guard hasRow else { throw FeedbackError("record \(number) has no row") }
        guard let ip = row.source_ip.nonEmpty else { throw FeedbackError("record \(number) has no source_ip") }
        guard IPText.isAddressLike(ip) else {
            throw FeedbackError("record \(number): source_ip \"\(ip.prefix(60))\" is not an IP address")
        }
        guard let countText = row.count.nonEmpty, let count = Int64(countText), count >= 0 else {
            throw FeedbackError("record \(number): count \"\(row.count ?? "")\" is not a number of messages")
        }
        let evaluated = row.policy_evaluated
        let reasons = evaluated.reason.compactMap { reason -> DMARCAggregateReport.Reason? in
            guard let type = reason.type.token else { return nil }
            return .init(type: type, comment: reason.comment.nonEmpty)
        }
        let dkim = auth_results.dkim.compactMap { d -> DMARCAggregateReport.DKIMResult? in
            guard let domain = d.domain.nonEmpty else { return nil }
            return .init(domain: domain.lowercased(), selector: d.selector.nonEmpty, result: d.result.token ?? "none")
        }
        let spf = auth_results.spf.compactMap { s -> DMARCAggregateReport.SPFResult? in
            guard let domain = s.domain.nonEmpty else { return nil }
            return .init(domain: domain.lowercased(), scope: s.scope.token, result: s.result.token ?? "none")
        }
        return .init(
            sourceIP: ip, count: count, disposition: evaluated.disposition.token ?? "",
            dkimAligned: evaluated.dkim.token ?? "", spfAligned: evaluated.spf.token ?? "", reasons: reasons,
            headerFrom: identifiers.header_from.nonEmpty?.lowercased() ?? "",
            envelopeFrom: identifiers.envelope_from.nonEmpty?.lowercased(),
            envelopeTo: identifiers.envelope_to.nonEmpty?.lowercased(), dkim: dkim, spf: spf)
    }
}

extension Optional where Wrapped == String {
    /// The trimmed text, or nil when absent or blank.
    var nonEmpty: String? {
        guard let self else { return nil }
        // Most values have nothing to trim: checking the ends first avoids Foundation's trimming.
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return nil }
        if first > 0x20 && last > 0x20 && first != 0xC2 && first != 0xE2 && last != 0xA0 { return self }
        let t = self.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }
    /// A keyword value (`pass`, `reject`, `r`): trimmed and lowercased.
    var token: String? { nonEmpty?.lowercased() }
}

extension String {
    var trimmingTrailingDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
