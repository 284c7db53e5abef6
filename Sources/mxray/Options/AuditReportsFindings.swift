import Foundation
import MXRayAudit
import MXRayFeedback
import MXRayInbound

/// `mxray audit --reports DB`: the stored reports' findings added to each domain's audit.
struct AuditReportsFindings: Sendable {
    let db: any ReportDatabase
    let since: Int64

    static func open(_ location: String, days: Int) async throws -> AuditReportsFindings {
        do {
            let db = try await ReportDatabases.open(location)
            return AuditReportsFindings(db: db, since: Int64(Date().timeIntervalSince1970) - Int64(days) * 86_400)
        } catch let error as ReportDatabaseError {
            throw CLIError("--reports: \(error.description)")
        }
    }

    /// Adds the findings; a database error is said on standard error and leaves the audit as it was.
    func add(to report: inout AuditReport, threshold: Double) async {
        let facts = report.facts
        let tiers = facts.inboundTiers
        do {
            let found = try await ReportFindings(queries: ReportQueries(db: db), dmarcFailureThreshold: threshold)
                .findings(for: tiers, window: ReportWindow(since: since))
            report.findings = (report.findings + found).ordered()
        } catch {
            printToStandardError("warning: \(facts.domain): the reports database failed: \(error)")
        }
    }

    func close() async { try? await db.close() }
}
