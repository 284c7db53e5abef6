import Foundation
import NIOCore
import NIOPosix
import SQLiteNIO

/// The embedded reports database: SQLite (vendored by sqlite-nio) in one file, in WAL mode.
final class SQLiteReportDatabase: ReportDatabase {
    let connection: SQLiteConnection
    var dialect: SQLDialect { .sqlite }

    private init(connection: SQLiteConnection) { self.connection = connection }

    static func open(path: String) async throws -> SQLiteReportDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: path))
        } catch {
            throw ReportDatabaseError("cannot open the SQLite database \(path): \(error)")
        }
        let db = SQLiteReportDatabase(connection: connection)
        do {
            try await db.execute("PRAGMA busy_timeout=10000")
            try await db.enterWALMode()
            try await db.execute("PRAGMA synchronous=NORMAL")
        } catch {
            try? await connection.close()
            throw ReportDatabaseError("cannot prepare the SQLite database \(path): \(error)")
        }
        return db
    }

    /// Switches a new database to WAL. The switch needs the file to itself and SQLite does not wait
    /// for it (busy_timeout does not apply), so several processes opening one new database at once
    /// (shards with `--db`) would see "database is locked": retry for up to 10 s, as busy_timeout would.
    private func enterWALMode() async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try await execute("PRAGMA journal_mode=WAL")
            } catch let error as SQLiteError where [.busy, .locked].contains(error.reason) {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        // `$N` is a named parameter to SQLite, found by a linear search of the names seen so far
        // (quadratic in a 1,000-value insert); `?N` is the same position, numbered, with no search.
        // No statement here has a `$` inside a string literal.
        let numbered = binds.isEmpty ? sql : String(decoding: sql.utf8.map { $0 == 0x24 ? 0x3F : $0 }, as: UTF8.self)
        let rows = try await connection.query(numbered, binds.map(Self.sqlite))
        return rows.map { row in row.columns.map { Self.value($0.data) } }
    }

    func close() async throws { try await connection.close() }

    private static func sqlite(_ v: SQLValue) -> SQLiteData {
        switch v {
        case .int(let i): .integer(Int(i))
        case .double(let d): .float(d)
        case .text(let s): .text(s)
        case .blob(let b): .blob(ByteBuffer(bytes: b))
        case .null: .null
        }
    }

    private static func value(_ d: SQLiteData) -> SQLValue {
        switch d {
        case .integer(let i): .int(Int64(i))
        case .float(let f): .double(f)
        case .text(let s): .text(s)
        case .blob(var b): .blob(b.readBytes(length: b.readableBytes) ?? [])
        case .null: .null
        }
    }
}
