import Foundation
import MXRayFeedback

/// Runs and changes in the reports database (schema version 2): each domain's run and the changes
/// it found are committed together, before any alert is sent; an alert is marked sent only after
/// the webhook took it, so one that failed is sent again on the next cycle.
public struct WatchStore: Sendable {
    public let db: any ReportDatabase
    public init(db: any ReportDatabase) { self.db = db }

    public func lastCompleteSnapshot(_ domain: String) async throws -> AuditSnapshot? {
        let rows = try await db.query(
            "SELECT snapshot FROM watch_run WHERE domain = $1 AND complete = 1 ORDER BY run_at DESC LIMIT 1",
            [.text(domain)])
        guard let text = rows.first?.first?.text else { return nil }
        return try JSONDecoder().decode(AuditSnapshot.self, from: Data(text.utf8))
    }

    /// Stores the run and its changes in one transaction. `runAt` is in milliseconds, so two runs in
    /// one second stay apart.
    public func record(_ snapshot: AuditSnapshot, changes: [WatchChange], runAt: Int64) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(snapshot), as: UTF8.self)
        try await db.transaction {
            try await db.execute(
                "INSERT INTO watch_run (domain, run_at, complete, snapshot) VALUES ($1, $2, $3, $4)",
                [.text(snapshot.domain), .int(runAt), .int(snapshot.isComplete ? 1 : 0), .text(json)])
            for (n, change) in changes.enumerated() {
                try await db.execute(
                    """
                    INSERT INTO watch_change (domain, run_at, change_number, kind, subject, before_value, after_value,
                    finding, alerted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)
                    """,
                    [
                        .text(change.domain), .int(runAt), .int(Int64(n + 1)), .text(change.kind.rawValue),
                        .text(change.subject), .optional(change.before), .optional(change.after),
                        .optional(change.finding),
                    ])
            }
        }
    }

    /// A stored change with where it sits.
    public struct StoredChange: Sendable, Codable, Equatable {
        public var runAt: Int64
        public var number: Int64
        public var change: WatchChange
        public var alerted: Bool
    }

    /// Changes not yet taken by the webhook, oldest first (at most `limit`).
    public func pendingAlerts(limit: Int = 1000) async throws -> [StoredChange] {
        try await changes(where: "alerted = 0", [], order: "run_at, domain, change_number", limit: limit)
    }

    public func history(_ domain: String, limit: Int = 10_000) async throws -> [StoredChange] {
        try await changes(
            where: "domain = $1", [.text(domain.lowercased())], order: "run_at, change_number", limit: limit)
    }

    public func markAlerted(_ changes: [StoredChange]) async throws {
        try await db.transaction {
            for c in changes {
                try await db.execute(
                    "UPDATE watch_change SET alerted = 1 WHERE domain = $1 AND run_at = $2 AND change_number = $3",
                    [.text(c.change.domain), .int(c.runAt), .int(c.number)])
            }
        }
    }

    private func changes(where condition: String, _ binds: [SQLValue], order: String, limit: Int) async throws
        -> [StoredChange]
    {
        let rows = try await db.query(
            """
            SELECT domain, run_at, change_number, kind, subject, before_value, after_value, finding, alerted
            FROM watch_change WHERE \(condition) ORDER BY \(order) LIMIT \(max(1, limit))
            """, binds)
        return rows.compactMap { r in
            guard let kind = r[3].text.flatMap(WatchChange.Kind.init(rawValue:)) else { return nil }
            return StoredChange(
                runAt: r[1].int ?? 0, number: r[2].int ?? 0,
                change: WatchChange(
                    domain: r[0].text ?? "", kind: kind, subject: r[4].text ?? "", before: r[5].text, after: r[6].text,
                    finding: r[7].text),
                alerted: r[8].int == 1)
        }
    }
}
