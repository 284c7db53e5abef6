/// `mxray audit --db`: audit results in the reports database (schema version 3), one row per
/// domain and audit, so that shards audited on many machines (`--shard K/N`) meet in one table.
/// Rows arrive in batches, each batch one multi-row INSERT in one transaction.
public struct AuditResultStore: Sendable {
    /// One audited domain: its label (a run's name, shared by its shards), when, the worst severity
    /// and count of its findings, whether every lookup answered, and the report as JSON.
    public struct Row: Sendable, Equatable {
        public var label: String
        public var domain: String
        public var auditedAt: Int64
        public var highestSeverity: String?
        public var findingCount: Int
        public var complete: Bool
        public var json: String

        public init(
            label: String, domain: String, auditedAt: Int64, highestSeverity: String?, findingCount: Int,
            complete: Bool, json: String
        ) {
            self.label = label
            self.domain = domain
            self.auditedAt = auditedAt
            self.highestSeverity = highestSeverity
            self.findingCount = findingCount
            self.complete = complete
            self.json = json
        }
    }

    public let db: any ReportDatabase
    public init(db: any ReportDatabase) { self.db = db }

    /// Stores the rows in one transaction; a domain audited again in the same millisecond under the
    /// same label is kept once.
    public func store(_ rows: [Row]) async throws {
        guard !rows.isEmpty else { return }
        try await db.transaction {
            try await db.insertRows(
                table: "audit_result",
                columns: "label, domain, audited_at, highest_severity, finding_count, complete, report", count: 7,
                perStatement: 256,
                rows: rows.map { row in
                    [
                        .text(row.label), .text(row.domain), .int(row.auditedAt), .optional(row.highestSeverity),
                        .int(Int64(row.findingCount)), .int(row.complete ? 1 : 0), .text(row.json),
                    ]
                }, skipDuplicates: true)
        }
    }
}
