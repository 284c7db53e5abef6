import Foundation

/// A time window over stored reports: those whose period begins in [since, until).
public struct ReportWindow: Sendable {
    public var since: Int64
    public var until: Int64
    public var domain: String?

    public init(since: Int64 = 0, until: Int64 = Int64.max / 2, domain: String? = nil) {
        self.since = since
        self.until = until
        self.domain = domain?.lowercased()
    }

    /// `date_begin >= $1 AND date_begin < $2 [AND domain = $3]`, with its binds.
    var condition: (String, [SQLValue]) {
        var sql = "date_begin >= $1 AND date_begin < $2"
        var binds: [SQLValue] = [.int(since), .int(until)]
        if let domain {
            sql += " AND domain = $3"
            binds.append(.text(domain))
        }
        return (sql, binds)
    }
}

/// DMARC aggregate figures for one domain over one period (RFC 7489 §7.2 data, summed).
public struct DMARCSummary: Sendable, Codable, Equatable {
    public var domain: String
    /// The period's first day (seconds since the epoch), or the earliest report's begin for `all`.
    public var periodStart: Int64
    public var periodEnd: Int64
    public var reports: Int64
    public var reporters: Int64
    public var messages: Int64
    public var dmarcPass: Int64
    public var spfAligned: Int64
    public var dkimAligned: Int64
    public var dispositionNone: Int64
    public var dispositionQuarantine: Int64
    public var dispositionReject: Int64
    /// Messages per override reason type (`forwarded`, `local_policy`, ...), and per `arc=pass` comment.
    public var overrides: [String: Int64]
    public var topFailingSources: [FailingSource]

    public var passRate: Double { messages == 0 ? 0 : Double(dmarcPass) / Double(messages) }
}

/// A source address whose mail failed DMARC, with its count; names are filled by the caller.
public struct FailingSource: Sendable, Codable, Equatable {
    public var sourceIP: String
    public var messages: Int64
    public var headerFrom: String
    public var reverseName: String?
    public var vendor: String?
}

/// TLS-RPT figures (RFC 8460 §4.3) for one receiving MX host and result type.
public struct TLSFailureRow: Sendable, Codable, Equatable {
    public var domain: String
    public var policyType: String
    /// The receiving MX host the reporters named; nil when they named none.
    public var mxHost: String?
    public var receivingIP: String?
    public var resultType: String
    public var sessions: Int64
    public var reports: Int64
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Filled by the caller from the domain's current MX tiers: `1 (pref 10)`, `not in MX`.
    public var tier: String?
}

/// Successful and failed session totals per domain and policy type.
public struct TLSPolicyTotals: Sendable, Codable, Equatable {
    public var domain: String
    public var policyType: String
    public var successes: Int64
    public var failures: Int64
    public var reports: Int64
}

public enum PeriodGrouping: String, Sendable, CaseIterable {
    case day, week, all

    var seconds: Int64? {
        switch self {
        case .day: 86_400
        case .week: 7 * 86_400
        case .all: nil
        }
    }
}

/// The views, as SQL both databases run alike (integer division for periods, CAST for sums).
public struct ReportQueries: Sendable {
    public let db: any ReportDatabase
    public init(db: any ReportDatabase) { self.db = db }

    public func dmarcSummary(_ window: ReportWindow, period: PeriodGrouping, topSources: Int = 5) async throws
        -> [DMARCSummary]
    {
        let (condition, binds) = window.condition
        // A constant in GROUP BY would name a column, so `all` groups by domain alone.
        let bucket = period.seconds.map { "(date_begin / \($0)) * \($0)" } ?? "MIN(date_begin)"
        let grouping = period.seconds.map { "domain, (date_begin / \($0)) * \($0)" } ?? "domain"
        let rows = try await db.query(
            """
            SELECT domain, \(bucket) AS bucket, MIN(date_begin), MAX(date_end),
            COUNT(DISTINCT report_key), CAST(SUM(message_count) AS BIGINT),
            CAST(SUM(CASE WHEN dmarc_pass = 1 THEN message_count ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN spf_aligned = 'pass' THEN message_count ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN dkim_aligned = 'pass' THEN message_count ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN disposition = 'none' THEN message_count ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN disposition = 'quarantine' THEN message_count ELSE 0 END) AS BIGINT),
            CAST(SUM(CASE WHEN disposition = 'reject' THEN message_count ELSE 0 END) AS BIGINT)
            FROM dmarc_record WHERE \(condition) GROUP BY \(grouping) ORDER BY domain, bucket
            """, binds)
        var out: [DMARCSummary] = []
        for row in rows {
            let domain = row[0].text ?? ""
            let start = period == .all ? (row[2].int ?? 0) : (row[1].int ?? 0)
            let end = period.seconds.map { start + $0 } ?? (row[3].int ?? 0)
            let reporters = try await db.query(
                """
                SELECT COUNT(DISTINCT org_name) FROM dmarc_report WHERE domain = $1 AND date_begin >= $2
                AND date_begin < $3
                """, [.text(domain), .int(start), .int(period == .all ? window.until : end)])
            let periodWindow = ReportWindow(
                since: max(start, window.since), until: period == .all ? window.until : min(end, window.until),
                domain: domain)
            out.append(
                DMARCSummary(
                    domain: domain, periodStart: start, periodEnd: end, reports: row[4].int ?? 0,
                    reporters: reporters.first?.first?.int ?? 0, messages: row[5].int ?? 0,
                    dmarcPass: row[6].int ?? 0, spfAligned: row[7].int ?? 0, dkimAligned: row[8].int ?? 0,
                    dispositionNone: row[9].int ?? 0, dispositionQuarantine: row[10].int ?? 0,
                    dispositionReject: row[11].int ?? 0, overrides: try await overrides(periodWindow),
                    topFailingSources: try await failingSources(periodWindow, limit: topSources)))
        }
        return out
    }

    /// Override reasons summed by type; a comment naming `arc=pass` counts under `arc` as well.
    func overrides(_ window: ReportWindow) async throws -> [String: Int64] {
        let (condition, binds) = window.condition
        let rows = try await db.query(
            """
            SELECT reasons, CAST(SUM(message_count) AS BIGINT) FROM dmarc_record
            WHERE \(condition) AND reasons <> '' GROUP BY reasons
            """, binds)
        var totals: [String: Int64] = [:]
        for row in rows {
            let count = row[1].int ?? 0
            for reason in (row[0].text ?? "").split(separator: ";") {
                let text = reason.trimmingCharacters(in: .whitespaces)
                let type = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? text
                totals[type, default: 0] += count
                if text.lowercased().contains("arc=pass") { totals["arc", default: 0] += count }
            }
        }
        return totals
    }

    public func failingSources(_ window: ReportWindow, limit: Int) async throws -> [FailingSource] {
        let (condition, binds) = window.condition
        let rows = try await db.query(
            """
            SELECT source_ip, CAST(SUM(message_count) AS BIGINT), MIN(header_from) FROM dmarc_record
            WHERE \(condition) AND dmarc_pass = 0 GROUP BY source_ip ORDER BY 2 DESC, source_ip LIMIT \(max(0, limit))
            """, binds)
        return rows.map {
            FailingSource(sourceIP: $0[0].text ?? "", messages: $0[1].int ?? 0, headerFrom: $0[2].text ?? "")
        }
    }

    public func tlsFailures(_ window: ReportWindow) async throws -> [TLSFailureRow] {
        let (condition, binds) = window.condition
        let rows = try await db.query(
            """
            SELECT domain, policy_type, receiving_mx_hostname, MIN(receiving_ip), result_type,
            CAST(SUM(session_count) AS BIGINT), COUNT(DISTINCT report_key), MIN(date_begin), MAX(date_end)
            FROM tls_failure WHERE \(condition)
            GROUP BY domain, policy_type, receiving_mx_hostname, result_type
            ORDER BY domain, 6 DESC, result_type
            """, binds)
        return rows.map {
            TLSFailureRow(
                domain: $0[0].text ?? "", policyType: $0[1].text ?? "", mxHost: $0[2].text, receivingIP: $0[3].text,
                resultType: $0[4].text ?? "", sessions: $0[5].int ?? 0, reports: $0[6].int ?? 0,
                firstSeen: $0[7].int ?? 0, lastSeen: $0[8].int ?? 0)
        }
    }

    public func tlsTotals(_ window: ReportWindow) async throws -> [TLSPolicyTotals] {
        let (condition, binds) = window.condition
        let rows = try await db.query(
            """
            SELECT domain, policy_type, CAST(SUM(success_count) AS BIGINT), CAST(SUM(failure_count) AS BIGINT),
            COUNT(DISTINCT report_key) FROM tls_policy WHERE \(condition) GROUP BY domain, policy_type
            ORDER BY domain, policy_type
            """, binds)
        return rows.map {
            TLSPolicyTotals(
                domain: $0[0].text ?? "", policyType: $0[1].text ?? "", successes: $0[2].int ?? 0,
                failures: $0[3].int ?? 0, reports: $0[4].int ?? 0)
        }
    }

    /// How many of each kind are stored, and how many inputs are kept aside.
    public func counts() async throws -> (dmarc: Int64, tls: Int64, keptAside: Int64) {
        let rows = try await db.query(
            """
            SELECT (SELECT COUNT(*) FROM dmarc_report), (SELECT COUNT(*) FROM tls_report),
            (SELECT COUNT(*) FROM kept_aside)
            """, [])
        let r = rows.first ?? []
        return (r.first?.int ?? 0, r.dropFirst().first?.int ?? 0, r.dropFirst(2).first?.int ?? 0)
    }
}
