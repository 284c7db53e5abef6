import Foundation

/// The reports schema, versioned: each migration runs once, in order, inside a transaction, and is
/// recorded in `mxray_schema`. The same statements run on SQLite and PostgreSQL; only the type of
/// raw-byte columns is spelled per dialect.
public enum ReportSchema {
    /// The version this build writes; a database from a newer build is refused rather than misread.
    public static var currentVersion: Int64 { Int64(migrations.count) }

    static func migrations(_ dialect: SQLDialect) -> [[String]] {
        [
            [
                """
                CREATE TABLE dmarc_report (report_key TEXT PRIMARY KEY, org_name TEXT NOT NULL, email TEXT,
                report_id TEXT NOT NULL, domain TEXT NOT NULL, date_begin BIGINT NOT NULL, date_end BIGINT NOT NULL,
                policy_p TEXT, policy_sp TEXT, policy_pct BIGINT, adkim TEXT, aspf TEXT, version TEXT,
                message_count BIGINT NOT NULL, source TEXT NOT NULL, ingested_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE dmarc_record (report_key TEXT NOT NULL REFERENCES dmarc_report (report_key),
                row_number BIGINT NOT NULL, domain TEXT NOT NULL, date_begin BIGINT NOT NULL,
                date_end BIGINT NOT NULL, source_ip TEXT NOT NULL, message_count BIGINT NOT NULL,
                disposition TEXT NOT NULL, dkim_aligned TEXT NOT NULL, spf_aligned TEXT NOT NULL,
                dmarc_pass BIGINT NOT NULL, reasons TEXT NOT NULL, header_from TEXT NOT NULL, envelope_from TEXT,
                envelope_to TEXT, dkim_results TEXT NOT NULL, spf_results TEXT NOT NULL,
                PRIMARY KEY (report_key, row_number))
                """,
                "CREATE INDEX dmarc_record_domain ON dmarc_record (domain, date_begin)",
                """
                CREATE TABLE tls_report (report_key TEXT PRIMARY KEY, org_name TEXT NOT NULL,
                report_id TEXT NOT NULL, contact TEXT, date_begin BIGINT NOT NULL, date_end BIGINT NOT NULL,
                source TEXT NOT NULL, ingested_at BIGINT NOT NULL)
                """,
                """
                CREATE TABLE tls_policy (report_key TEXT NOT NULL REFERENCES tls_report (report_key),
                policy_number BIGINT NOT NULL, policy_type TEXT NOT NULL, domain TEXT NOT NULL,
                mx_hosts TEXT NOT NULL, success_count BIGINT NOT NULL, failure_count BIGINT NOT NULL,
                date_begin BIGINT NOT NULL, date_end BIGINT NOT NULL, PRIMARY KEY (report_key, policy_number))
                """,
                """
                CREATE TABLE tls_failure (report_key TEXT NOT NULL REFERENCES tls_report (report_key),
                policy_number BIGINT NOT NULL, failure_number BIGINT NOT NULL, domain TEXT NOT NULL,
                policy_type TEXT NOT NULL, result_type TEXT NOT NULL, sending_mta_ip TEXT,
                receiving_mx_hostname TEXT, receiving_mx_helo TEXT, receiving_ip TEXT,
                session_count BIGINT NOT NULL, additional_information TEXT, failure_reason_code TEXT,
                date_begin BIGINT NOT NULL, date_end BIGINT NOT NULL,
                PRIMARY KEY (report_key, policy_number, failure_number))
                """,
                "CREATE INDEX tls_policy_domain ON tls_policy (domain, date_begin)",
                "CREATE INDEX tls_failure_domain ON tls_failure (domain, date_begin)",
                """
                CREATE TABLE kept_aside (input_key TEXT NOT NULL, part TEXT NOT NULL, source TEXT NOT NULL,
                reason TEXT NOT NULL, size BIGINT NOT NULL, content \(dialect.blobType) NOT NULL,
                kept_at BIGINT NOT NULL, PRIMARY KEY (input_key, part))
                """,
            ],
            // 2: mxray watch, its runs (a typed snapshot as JSON) and the changes between them.
            [
                """
                CREATE TABLE watch_run (domain TEXT NOT NULL, run_at BIGINT NOT NULL, complete BIGINT NOT NULL,
                snapshot TEXT NOT NULL, PRIMARY KEY (domain, run_at))
                """,
                """
                CREATE TABLE watch_change (domain TEXT NOT NULL, run_at BIGINT NOT NULL,
                change_number BIGINT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, before_value TEXT,
                after_value TEXT, finding TEXT, alerted BIGINT NOT NULL,
                PRIMARY KEY (domain, run_at, change_number))
                """,
            ],
            // 3: mxray audit --db, one row per audited domain (the report as --json prints it).
            [
                """
                CREATE TABLE audit_result (label TEXT NOT NULL, domain TEXT NOT NULL, audited_at BIGINT NOT NULL,
                highest_severity TEXT, finding_count BIGINT NOT NULL, complete BIGINT NOT NULL, report TEXT NOT NULL,
                PRIMARY KEY (label, domain, audited_at))
                """,
                "CREATE INDEX audit_result_domain ON audit_result (domain, audited_at)",
            ],
        ]
    }

    static var migrations: [[String]] { migrations(.sqlite) }

    /// Brings the database to the current version. Several processes may open a new database at
    /// once (shards writing to one database): PostgreSQL's migrations run under a session advisory
    /// lock (even `CREATE TABLE IF NOT EXISTS` races there), SQLite's in a transaction that takes
    /// the write lock before reading the version, so each migration runs exactly once.
    public static func migrate(_ db: any ReportDatabase) async throws {
        guard db.dialect == .postgres else { return try await migrateLocked(db) }
        func advisory(_ function: String) async throws {
            _ = try await db.query("SELECT COUNT(*) FROM (SELECT \(function)($1)) AS l", [.int(advisoryLock)])
        }
        try await advisory("pg_advisory_lock")
        do {
            try await migrateLocked(db)
        } catch {
            try? await advisory("pg_advisory_unlock")
            throw error
        }
        try await advisory("pg_advisory_unlock")
    }

    /// The advisory lock key of mxray's migrations ("mxray" in ASCII).
    static let advisoryLock: Int64 = 0x6D78_7261_79

    private static func migrateLocked(_ db: any ReportDatabase) async throws {
        try await db.execute(
            "CREATE TABLE IF NOT EXISTS mxray_schema (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        let all = migrations(db.dialect)
        try await db.execute(db.dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let rows = try await db.query("SELECT MAX(version) FROM mxray_schema", [])
            let applied = rows.first?.first?.int ?? 0
            guard applied <= Int64(all.count) else {
                throw ReportDatabaseError(
                    "the database has schema version \(applied); this mxray knows up to \(all.count): upgrade mxray")
            }
            for (index, statements) in all.enumerated() where Int64(index + 1) > applied {
                for statement in statements { try await db.execute(statement) }
                try await db.execute(
                    "INSERT INTO mxray_schema (version, applied_at) VALUES ($1, $2)",
                    [.int(Int64(index + 1)), .int(ReportClock.now())])
            }
            try await db.execute("COMMIT")
        } catch {
            try? await db.execute("ROLLBACK")
            throw error
        }
    }
}

enum ReportClock {
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
