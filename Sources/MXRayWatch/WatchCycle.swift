import Foundation
import Logging
import MXRayAudit
import MXRayInbound

/// One watch cycle (the scheduled audit of each domain): audit, snapshot, compare with the last
/// complete run, store the run and its changes together, log each change, then deliver the
/// pending alerts. A domain whose lookups failed is stored as incomplete and compared with nothing.
public struct WatchCycle: Sendable {
    public var auditor: Auditor
    public var store: WatchStore
    public var alerter: Alerter
    public var logger: Logger

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
    }

    /// Runs the cycle; `shouldStop` is asked between domains, so a stop never cuts a domain's run in half.
    public func run(_ domains: [String], shouldStop: @Sendable () -> Bool = { false }) async throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for domain in domains.uniqued() {
            if shouldStop() { break }
            let start = ContinuousClock.now
            let report = await auditor.audit(domain)
            let snapshot = AuditSnapshot(report)
            let previous = try await store.lastCompleteSnapshot(snapshot.domain)
            let changes = previous.map { ChangeDetector.changes(from: $0, to: snapshot) } ?? []
            let runAt = Int64(Date().timeIntervalSince1970 * 1000)
            try await store.record(snapshot, changes: changes, runAt: runAt)
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
            outcomes.append(
                Outcome(
                    domain: snapshot.domain, complete: snapshot.isComplete, changes: changes,
                    highestSeverity: report.highestSeverity?.rawValue,
                    findingsBySeverity: Dictionary(grouping: report.findings, by: \.severity.rawValue).mapValues(
                        \.count),
                    tiers: report.facts.tiers.count,
                    seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        try await alerter.deliverPending()
        return outcomes
    }
}
