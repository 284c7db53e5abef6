import Foundation
import MXRayInbound

/// Findings from stored reports for one domain, for `mxray audit --reports DB`: the tiers senders
/// report TLS failures for (RFC 8460 §4.3), and a DMARC failure rate above a threshold (RFC 7489 §7.2).
public struct ReportFindings: Sendable {
    public var queries: ReportQueries
    /// DMARC failure share of messages above which a finding is raised.
    public var dmarcFailureThreshold: Double

    public init(queries: ReportQueries, dmarcFailureThreshold: Double = 0.1) {
        self.queries = queries
        self.dmarcFailureThreshold = dmarcFailureThreshold
    }

    public func findings(for tiers: InboundTiers, window: ReportWindow) async throws -> [Finding] {
        var window = window
        window.domain = tiers.domain.lowercased().trimmingTrailingDot
        return try await tlsFindings(tiers, window) + dmarcFindings(window)
    }

    func tlsFindings(_ tiers: InboundTiers, _ window: ReportWindow) async throws -> [Finding] {
        let rows = TierPlacement.place(try await queries.tlsFailures(window), tiers: tiers)
        guard !rows.isEmpty else { return [] }
        let totals = try await queries.tlsTotals(window)
        let sessions = totals.reduce(Int64(0)) { $0 + $1.successes + $1.failures }
        let failed = rows.reduce(Int64(0)) { $0 + $1.sessions }
        let share = sessions > 0 ? Double(failed) / Double(sessions) : 1
        var evidence = ["\(failed) of \(sessions) reported TLS sessions failed (\(percent(share)))"]
        for row in rows.prefix(8) {
            evidence.append(
                "\(row.mxHost ?? row.receivingIP ?? "no host named") [tier \(row.tier ?? "?")]: \(row.resultType) "
                    + "in \(counted(row.sessions, "session")), \(counted(row.reports, "report")), "
                    + "\(day(row.firstSeen)) to \(day(row.lastSeen))")
        }
        if rows.count > 8 { evidence.append("and \(rows.count - 8) more (mxray reports tls)") }
        let tierNames = Set(rows.compactMap(\.tier)).sorted().joined(separator: ", ")
        return [
            Finding(
                .reportsTLSFailures, share >= 0.05 ? .high : .medium,
                "Senders report TLS failures delivering to tier \(tierNames)", evidence: evidence,
                remediation:
                    "Check the named hosts' certificates (name, chain, expiry), STARTTLS, and that the MTA-STS "
                    + "policy lists every MX host; senders enforcing the policy do not deliver to a failing host.",
                rfc: "RFC 8460 §4.3")
        ]
    }

    func dmarcFindings(_ window: ReportWindow) async throws -> [Finding] {
        guard let summary = try await queries.dmarcSummary(window, period: .all, topSources: 5).first,
            summary.messages > 0
        else { return [] }
        let failRate = 1 - summary.passRate
        guard failRate > dmarcFailureThreshold else { return [] }
        var evidence = [
            "\(summary.messages - summary.dmarcPass) of \(summary.messages) messages failed DMARC "
                + "(\(percent(failRate))) in \(counted(summary.reports, "report")) from "
                + counted(summary.reporters, "reporter"),
            "disposition: \(summary.dispositionNone) none, \(summary.dispositionQuarantine) quarantine, "
                + "\(summary.dispositionReject) reject",
        ]
        for source in summary.topFailingSources {
            evidence.append("\(source.sourceIP): \(source.messages) messages failing, From \(source.headerFrom)")
        }
        return [
            Finding(
                .reportsDMARCFailureRate, failRate > 0.5 ? .high : .medium,
                "\(percent(failRate)) of the domain's reported mail fails DMARC", evidence: evidence,
                remediation:
                    "Identify the failing sources (mxray reports summary): authorise legitimate senders in SPF and "
                    + "have them sign with an aligned DKIM key; the rest is spoofing the policy should reject.",
                rfc: "RFC 7489 §7.2")
        ]
    }

    func counted(_ n: Int64, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
    func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
    func day(_ seconds: Int64) -> String { ReportDates.day(seconds) }
}

/// Dates as the views print them: `2026-11-28`, UTC.
public enum ReportDates {
    public static func day(_ seconds: Int64) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// `YYYY-MM-DD` (UTC midnight) or a number of days back from now (`30d`).
    public static func parse(_ text: String, now: Int64) -> Int64? {
        if text.hasSuffix("d"), let days = Int64(text.dropLast()), days >= 0 { return now - days * 86_400 }
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        return f.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }
}
