import Crypto
import Foundation

/// Writes reports into the database: each report once (its reporter and report id are the key),
/// its rows in multi-row inserts, and inputs that could not be read kept aside with the reason.
public struct ReportStore: Sendable {
    public let db: any ReportDatabase

    public init(db: any ReportDatabase) { self.db = db }

    public enum Outcome: String, Sendable, Codable {
        case stored, duplicate
    }

    /// Stores reports together: the DMARC reports in multi-row inserts (one statement per 64
    /// reports, one per 128 records, instead of one or two per report), each TLS report alone.
    /// A key met twice, in the database or in `reports`, is stored once: the first is `stored`.
    public func storeAll(_ reports: [(FeedbackReport, String)]) async throws -> [Outcome] {
        var outcomes = Array(repeating: Outcome.duplicate, count: reports.count)
        var dmarc: [(index: Int, report: DMARCAggregateReport, source: String)] = []
        for (index, (report, source)) in reports.enumerated() {
            switch report {
            case .dmarc(let r): dmarc.append((index, r, source))
            case .tls(let r): outcomes[index] = try await store(r, source: source)
            }
        }
        guard !dmarc.isEmpty else { return outcomes }
        let now = ReportClock.now()
        let inserted = Set(
            try await db.insertRows(
                table: "dmarc_report",
                columns:
                    "report_key, org_name, email, report_id, domain, date_begin, date_end, policy_p, policy_sp, "
                    + "policy_pct, adkim, aspf, version, message_count, source, ingested_at",
                count: 16, perStatement: 64,
                rows: dmarc.map { item -> [SQLValue] in
                    let r = item.report
                    return [
                        .text(r.key), .text(r.orgName), .optional(r.email), .text(r.reportID),
                        .text(r.published.domain), .int(r.begin), .int(r.end), .optional(r.published.p),
                        .optional(r.published.sp), r.published.pct.map { .int(Int64($0)) } ?? .null,
                        .optional(r.published.adkim), .optional(r.published.aspf), .optional(r.version),
                        .int(r.messageCount), .text(item.source), .int(now),
                    ]
                }, returning: "report_key"
            ).compactMap { $0.first?.text })
        var seen = Set<String>()
        var records: [[SQLValue]] = []
        for item in dmarc where inserted.contains(item.report.key) && seen.insert(item.report.key).inserted {
            outcomes[item.index] = .stored
            records += Self.recordRows(item.report)
        }
        let columns =
            "report_key, row_number, domain, date_begin, date_end, source_ip, message_count, disposition, "
            + "dkim_aligned, spf_aligned, dmarc_pass, reasons, header_from, envelope_from, envelope_to, "
            + "dkim_results, spf_results"
        _ = try await db.insertRows(
            table: "dmarc_record", columns: columns, count: 17, perStatement: 128, rows: records)
        return outcomes
    }

    static func recordRows(_ r: DMARCAggregateReport) -> [[SQLValue]] {
        r.records.enumerated().map { (n, rec) in
            [
                .text(r.key), .int(Int64(n + 1)), .text(r.published.domain), .int(r.begin), .int(r.end),
                .text(rec.sourceIP), .int(rec.count), .text(rec.disposition), .text(rec.dkimAligned),
                .text(rec.spfAligned), .int(rec.dmarcPass ? 1 : 0),
                .text(rec.reasons.map { $0.type + ($0.comment.map { ": " + $0 } ?? "") }.joined(separator: "; ")),
                .text(rec.headerFrom), .optional(rec.envelopeFrom), .optional(rec.envelopeTo),
                .text(
                    rec.dkim.map { "\($0.domain)\($0.selector.map { "/" + $0 } ?? "")=\($0.result)" }.joined(
                        separator: " ")),
                .text(
                    rec.spf.map { "\($0.domain)\($0.scope.map { "/" + $0 } ?? "")=\($0.result)" }.joined(separator: " ")
                ),
            ]
        }
    }

    func store(_ r: TLSReport, source: String) async throws -> Outcome {
        let inserted = try await db.query(
            """
            INSERT INTO tls_report (report_key, org_name, report_id, contact, date_begin, date_end, source,
            ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (report_key) DO NOTHING RETURNING report_key
            """,
            [
                .text(r.key), .text(r.orgName), .text(r.reportID), .optional(r.contact), .int(r.begin), .int(r.end),
                .text(source), .int(ReportClock.now()),
            ])
        guard !inserted.isEmpty else { return .duplicate }
        var policies: [[SQLValue]] = []
        var failures: [[SQLValue]] = []
        for (p, policy) in r.policies.enumerated() {
            policies.append([
                .text(r.key), .int(Int64(p + 1)), .text(policy.type), .text(policy.domain),
                .text(policy.mxHosts.joined(separator: " ")), .int(policy.successCount), .int(policy.failureCount),
                .int(r.begin), .int(r.end),
            ])
            for (f, failure) in policy.failures.enumerated() {
                failures.append([
                    .text(r.key), .int(Int64(p + 1)), .int(Int64(f + 1)), .text(policy.domain), .text(policy.type),
                    .text(failure.resultType), .optional(failure.sendingMTAIP), .optional(failure.receivingMXHostname),
                    .optional(failure.receivingMXHelo), .optional(failure.receivingIP), .int(failure.sessionCount),
                    .optional(failure.additionalInformation), .optional(failure.failureReasonCode), .int(r.begin),
                    .int(r.end),
                ])
            }
        }
        try await db.insertRows(
            table: "tls_policy",
            columns:
                "report_key, policy_number, policy_type, domain, mx_hosts, success_count, failure_count, date_begin, "
                + "date_end", count: 9, rows: policies)
        try await db.insertRows(
            table: "tls_failure",
            columns:
                "report_key, policy_number, failure_number, domain, policy_type, result_type, sending_mta_ip, "
                + "receiving_mx_hostname, receiving_mx_helo, receiving_ip, session_count, additional_information, "
                + "failure_reason_code, date_begin, date_end", count: 15, rows: failures)
        return .stored
    }

    /// Keeps an input that could not be read, whole, with the reason; once per input and part.
    public func keepAside(content: [UInt8], source: String, part: String, reason: String) async throws {
        let key = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        try await db.execute(
            """
            INSERT INTO kept_aside (input_key, part, source, reason, size, content, kept_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (input_key, part) DO NOTHING
            """,
            [
                .text(key), .text(part), .text(source), .text(reason), .int(Int64(content.count)), .blob(content),
                .int(ReportClock.now()),
            ])
    }
}
