import Foundation
import MXRayAudit
import MXRayFeedback

/// `mxray audit --db DB`: each domain's result into the reports database, in batches of 256, so
/// that memory stays bounded however many domains the run has; the last batch is stored by `finish`.
final class AuditResultsWriter {
    let store: AuditResultStore
    let label: String
    private var pending: [AuditResultStore.Row] = []
    static let batch = 256

    private init(store: AuditResultStore, label: String) {
        self.store = store
        self.label = label
    }

    static func open(_ location: String, label: String?) async throws -> AuditResultsWriter {
        let day = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate])
        do {
            let db = try await ReportDatabases.open(location)
            return AuditResultsWriter(store: AuditResultStore(db: db), label: label ?? "audit-\(day)")
        } catch let error as ReportDatabaseError {
            throw CLIError("--db: \(error.description)")
        }
    }

    func add(_ report: AuditReport, json: String) async throws {
        pending.append(
            AuditResultStore.Row(
                label: label, domain: report.domain, auditedAt: Int64(Date().timeIntervalSince1970 * 1000),
                highestSeverity: report.highestSeverity?.rawValue, findingCount: report.findings.count,
                complete: report.facts.dnsFailures.isEmpty, json: json))
        if pending.count >= Self.batch { try await flush() }
    }

    func finish() async throws {
        try await flush()
        try? await store.db.close()
    }

    private func flush() async throws {
        do {
            try await store.store(pending)
            pending.removeAll(keepingCapacity: true)
        } catch {
            throw CLIError("--db: storing audit results failed: \(error)")
        }
    }
}
