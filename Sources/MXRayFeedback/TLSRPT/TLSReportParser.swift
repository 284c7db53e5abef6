import Foundation

/// Reads an SMTP TLS report (RFC 8460 §4.4, JSON). Reporters differ in small ways, all accepted:
/// `mx-host` as one string or a list, counts written as strings, date-times with fractions or
/// without a zone, missing `failure-details` when every session succeeded.
public enum TLSReportParser {
    public static func parse(_ bytes: [UInt8], limits: FeedbackLimits = .standard) throws(FeedbackError) -> TLSReport {
        let body = XMLSafety.strippingBOM(bytes)
        let wire: WireTLSReport
        do {
            wire = try JSONDecoder().decode(WireTLSReport.self, from: Data(body))
        } catch {
            throw FeedbackError("not an SMTP TLS report: " + describe(error))
        }
        guard let org = wire.organizationName.nonEmpty else { throw FeedbackError("no organization-name") }
        guard let id = wire.reportID.nonEmpty else { throw FeedbackError("no report-id") }
        guard let range = wire.dateRange else { throw FeedbackError("no date-range") }
        let begin = try Timestamp.rfc3339(range.start, field: "start-datetime")
        let end = try Timestamp.rfc3339(range.end, field: "end-datetime")
        var details = 0
        var policies: [TLSReport.Policy] = []
        for (index, entry) in (wire.policies ?? []).enumerated() {
            guard let policy = entry.policy, let domain = policy.domain.nonEmpty else {
                throw FeedbackError("policy \(index + 1) has no policy-domain")
            }
            let failures = entry.failureDetails ?? []
            details += failures.count
            guard details <= limits.maxRecords else {
                throw FeedbackError("more than \(limits.maxRecords) failure-details in one report")
            }
            var typed: [TLSReport.Failure] = []
            for (n, f) in failures.enumerated() {
                guard let type = f.resultType.token else {
                    throw FeedbackError("policy \(index + 1), failure \(n + 1) has no result-type")
                }
                typed.append(
                    .init(
                        resultType: type, sendingMTAIP: f.sendingMTAIP.nonEmpty,
                        receivingMXHostname: f.receivingMXHostname.nonEmpty?.lowercased().trimmingTrailingDot,
                        receivingMXHelo: f.receivingMXHelo.nonEmpty, receivingIP: f.receivingIP.nonEmpty,
                        sessionCount: f.failedSessionCount?.value ?? 0,
                        additionalInformation: f.additionalInformation.nonEmpty,
                        failureReasonCode: f.failureReasonCode.nonEmpty))
            }
            policies.append(
                .init(
                    type: policy.type.token ?? "no-policy-found", domain: domain.lowercased().trimmingTrailingDot,
                    mxHosts: (policy.mxHost?.values ?? []).map { $0.lowercased() },
                    successCount: entry.summary?.successes?.value ?? 0,
                    failureCount: entry.summary?.failures?.value ?? 0, failures: typed))
        }
        return TLSReport(
            orgName: org, reportID: id, contact: wire.contactInfo.nonEmpty, begin: begin, end: end, policies: policies)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\(String(describing: $0).prefix(120)))" } ?? ""
            return "the JSON is not well-formed" + underlying
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: "/")
            return "unexpected structure at \(path.isEmpty ? "the root" : path)"
        default:
            return String(describing: error).prefix(200).description
        }
    }
}

/// The JSON as written (RFC 8460 §4.4 field names).
struct WireTLSReport: Decodable {
    var organizationName: String?
    var dateRange: WireRange?
    var contactInfo: String?
    var reportID: String?
    var policies: [WirePolicyEntry]?

    enum CodingKeys: String, CodingKey {
        case organizationName = "organization-name", dateRange = "date-range", contactInfo = "contact-info"
        case reportID = "report-id", policies
    }
    struct WireRange: Decodable {
        var start: String?
        var end: String?
        enum CodingKeys: String, CodingKey { case start = "start-datetime", end = "end-datetime" }
    }
    struct WirePolicyEntry: Decodable {
        var policy: WirePolicy?
        var summary: WireSummary?
        var failureDetails: [WireFailure]?
        enum CodingKeys: String, CodingKey { case policy, summary, failureDetails = "failure-details" }
    }
    struct WirePolicy: Decodable {
        var type: String?
        var domain: String?
        var mxHost: OneOrMany?
        enum CodingKeys: String, CodingKey { case type = "policy-type", domain = "policy-domain", mxHost = "mx-host" }
    }
    struct WireSummary: Decodable {
        var successes: LenientCount?
        var failures: LenientCount?
        enum CodingKeys: String, CodingKey {
            case successes = "total-successful-session-count", failures = "total-failure-session-count"
        }
    }
    struct WireFailure: Decodable {
        var resultType: String?
        var sendingMTAIP: String?
        var receivingMXHostname: String?
        var receivingMXHelo: String?
        var receivingIP: String?
        var failedSessionCount: LenientCount?
        var additionalInformation: String?
        var failureReasonCode: String?
        enum CodingKeys: String, CodingKey {
            case resultType = "result-type", sendingMTAIP = "sending-mta-ip"
            case receivingMXHostname = "receiving-mx-hostname", receivingMXHelo = "receiving-mx-helo"
            case receivingIP = "receiving-ip", failedSessionCount = "failed-session-count"
            case additionalInformation = "additional-information", failureReasonCode = "failure-reason-code"
        }
    }
}

/// A count written as a JSON number or as a string of digits.
struct LenientCount: Decodable {
    var value: Int64
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int64.self) {
            value = max(0, n)
        } else if let s = try? c.decode(String.self), let n = Int64(s.trimmingCharacters(in: .whitespaces)) {
            value = max(0, n)
        } else {
            throw DecodingError.typeMismatch(
                Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "not a session count"))
        }
    }
}

/// A JSON string or list of strings.
struct OneOrMany: Decodable {
    var values: [String]
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let one = try? c.decode(String.self) {
            values = [one]
        } else {
            values = try c.decode([String].self)
        }
    }
}
