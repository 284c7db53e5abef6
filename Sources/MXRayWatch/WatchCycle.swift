import Foundation
import Logging
import MXRayAudit
import MXRayFeedback
import MXRayInbound
import MXRayProbe

/// One watch cycle (the scheduled audit of each domain): audit, probe the hosts over SMTP when the
/// last probe is older than the probe interval, read the stored TLS-RPT failures, snapshot,
/// compare with the last complete run, store the run and its changes together, log each change,
/// then deliver the pending alerts. A domain whose lookups failed is stored as incomplete and
/// compared with nothing.
public struct WatchCycle: Sendable {
    public var auditor: Auditor
    public var store: WatchStore
    public var alerter: Alerter
    public var logger: Logger
    /// The SMTP probe and how often it runs (seconds); nil: never.
    public var probe: (prober: Prober, interval: Int64)?
    /// Days before certificate expiry at which a change is raised.
    public var expiryDays = ChangeDetector.standardExpiryDays
    /// Days of stored TLS-RPT reports each run reads; 0: none.
    public var tlsReportDays = 7

    public init(auditor: Auditor, store: WatchStore, alerter: Alerter, logger: Logger) {
        self.auditor = auditor
        self.store = store
        self.alerter = alerter
        self.logger = logger
    }

    public struct Outcome: Sendable, Equatable {
        public var domain: String
        public var complete: Bool
        public var changes: [WatchChange]
        public var highestSeverity: String?
        /// Findings by severity, and the number of MX tiers: what the metrics show per domain.
        public var findingsBySeverity: [String: Int]
        public var tiers: Int
        public var seconds: Double
        /// Host → whole days to its certificate's expiry, from the last probe.
        public var certificateDaysLeft: [String: Int] = [:]
        public var probed = false
    }

    /// Runs the cycle; `shouldStop` is asked between domains, so a stop never cuts a domain's run in half.
    public func run(_ domains: [String], shouldStop: @Sendable () -> Bool = { false }) async throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for domain in domains.uniqued() {
            if shouldStop() { break }
            outcomes.append(try await watch(domain))
        }
        try await alerter.deliverPending()
        return outcomes
    }

    func watch(_ domain: String) async throws -> Outcome {
        let start = ContinuousClock.now
        var report = await auditor.audit(domain)
        let previous = try await store.lastCompleteSnapshot(report.domain)
        let now = Int64(Date().timeIntervalSince1970)
        if let probe, report.facts.mxKind.receivesMail, now - (previous?.probedAt ?? .min / 2) >= probe.interval {
            let found = await probe.prober.probe(report.facts.inboundTiers, policy: report.facts.mtaSTS.policy)
            report.probe = found
            report.findings = (report.findings + found.findings).ordered()
        }
        var snapshot = AuditSnapshot(report, takenAt: now)
        if let previous { snapshot.carryProbe(from: previous) }
        if tlsReportDays > 0 { snapshot.tlsFailureSessions = await tlsFailures(report.domain, now: now) }
        let changes = previous.map { ChangeDetector.changes(from: $0, to: snapshot, expiryDays: expiryDays) } ?? []
        try await store.record(snapshot, changes: changes, runAt: Int64(Date().timeIntervalSince1970 * 1000))
        if !snapshot.isComplete {
            logger.warning(
                "DNS failure: run not compared",
                metadata: [
                    "domain": "\(snapshot.domain)", "failures": "\(snapshot.dnsFailures.joined(separator: "; "))",
                ])
        }
        for change in changes {
            logger.notice(
                "change",
                metadata: [
                    "domain": "\(change.domain)", "kind": "\(change.kind.rawValue)", "subject": "\(change.subject)",
                    "before": "\(change.before ?? "-")", "after": "\(change.after ?? "-")",
                ])
        }
        let elapsed = ContinuousClock.now - start
        var days: [String: Int] = [:]
        for host in snapshot.certificateNotAfter.keys { days[host] = snapshot.certificateDaysLeft(host) }
        return Outcome(
            domain: snapshot.domain, complete: snapshot.isComplete, changes: changes,
            highestSeverity: snapshot.allFindings.values.compactMap(Severity.init(rawValue:)).max()?.rawValue,
            findingsBySeverity: Dictionary(grouping: snapshot.allFindings.values) { $0 }.mapValues(\.count),
            tiers: report.facts.tiers.count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            certificateDaysLeft: days, probed: report.probe != nil)
    }

    /// Failed TLS sessions per receiving host in the stored reports of the last `tlsReportDays`
    /// (RFC 8460 §4.4); nil when the database could not say, so nothing is compared.
    func tlsFailures(_ domain: String, now: Int64) async -> [String: Int64]? {
        let window = ReportWindow(since: now - Int64(tlsReportDays) * 86_400, until: now + 86_400, domain: domain)
        do {
            var sessions: [String: Int64] = [:]
            for row in try await ReportQueries(db: store.db).tlsFailures(window) {
                sessions[row.mxHost ?? row.receivingIP ?? "no host named", default: 0] += row.sessions
            }
            return sessions
        } catch {
            logger.warning(
                "the stored TLS reports could not be read", metadata: ["domain": "\(domain)", "error": "\(error)"])
            return nil
        }
    }
}
