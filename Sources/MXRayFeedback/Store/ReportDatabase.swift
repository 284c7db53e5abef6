/// A value bound into or read out of the reports database.
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case null

    public var int: Int64? {
        switch self {
        case .int(let v): v
        case .double(let d): Int64(exactly: d.rounded(.towardZero))
        case .text(let s): Int64(s)
        default: nil
        }
    }
    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let d): d
        case .text(let s): Double(s)
        default: nil
        }
    }
    public var text: String? {
        switch self {
        case .text(let s): s
        case .int(let v): String(v)
        case .double(let d): String(d)
        default: nil
        }
    }
    public static func optional(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
}

/// Which SQL the database speaks where the two differ (only column types for raw bytes today).
public enum SQLDialect: String, Sendable {
    case sqlite, postgres

    var blobType: String { self == .sqlite ? "BLOB" : "BYTEA" }
}

/// The reports database: one schema and the same SQL text on SQLite and PostgreSQL. Parameters are
/// written `$1`, `$2`, ... in order of first use, which both read positionally.
public protocol ReportDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Runs a statement and returns its rows, each a list of column values in SELECT order.
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]]
    func close() async throws
}

extension ReportDatabase {
    public func execute(_ sql: String, _ binds: [SQLValue] = []) async throws { _ = try await query(sql, binds) }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try await execute("BEGIN")
        do {
            let result = try await body()
            try await execute("COMMIT")
            return result
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }
}

extension ReportDatabase {
    /// Rows in statements of up to `perStatement` rows each: one round trip per statement, not per
    /// row. With `returning`, the rows the database actually inserted (ON CONFLICT DO NOTHING skips
    /// the others) are returned; `skipDuplicates` skips them without returning anything.
    @discardableResult
    func insertRows(
        table: String, columns: String, count: Int, perStatement: Int = 64, rows: [[SQLValue]],
        returning: String? = nil, skipDuplicates: Bool = false
    ) async throws -> [[SQLValue]] {
        var start = 0
        var out: [[SQLValue]] = []
        while start < rows.count {
            let batch = rows[start..<min(start + perStatement, rows.count)]
            var placeholders: [String] = []
            var binds: [SQLValue] = []
            binds.reserveCapacity(batch.count * count)
            for row in batch {
                let first = binds.count
                placeholders.append("(" + (1...count).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
                binds += row
            }
            var sql = "INSERT INTO \(table) (\(columns)) VALUES " + placeholders.joined(separator: ", ")
            if let returning {
                sql += " ON CONFLICT (\(returning)) DO NOTHING RETURNING \(returning)"
            } else if skipDuplicates {
                sql += " ON CONFLICT DO NOTHING"
            }
            out += try await query(sql, binds)
            start += batch.count
        }
        return out
    }
}

/// Why the database could not be opened or used.
public struct ReportDatabaseError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Opens the database a `--db` value names: `postgres://user:password@host:port/name` (or
/// `postgresql://`), otherwise a SQLite file path, created when missing.
public enum ReportDatabases {
    public static func open(_ location: String) async throws -> any ReportDatabase {
        let db = try await connectOnly(location)
        do {
            try await ReportSchema.migrate(db)
        } catch {
            try? await db.close()
            throw error
        }
        return db
    }

    /// The connection alone, with no migration: for administration (creating a database) and tests.
    public static func connectOnly(_ location: String) async throws -> any ReportDatabase {
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            return try await PostgresReportDatabase.connect(url: location)
        }
        return try await SQLiteReportDatabase.open(path: location)
    }

    /// `$MXRAY_REPORTS_DB`, else `$XDG_DATA_HOME/mxray/reports.sqlite`, else `~/.local/share/mxray/reports.sqlite`.
    public static func defaultLocation(environment: [String: String]) -> String {
        if let explicit = environment["MXRAY_REPORTS_DB"], !explicit.isEmpty { return explicit }
        let base =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? ".") + "/.local/share")
        return base + "/mxray/reports.sqlite"
    }
}
