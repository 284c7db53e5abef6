import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The team's reports database: PostgreSQL over one connection (postgres-nio), from a
/// `postgres://user:password@host:port/database` URL. `?sslmode=disable` turns TLS off; the default
/// is none on loopback and a Unix socket path may be given as `host=/run/postgresql`.
final class PostgresReportDatabase: ReportDatabase {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    private init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    static func connect(url: String) async throws -> PostgresReportDatabase {
        guard let parts = URLComponents(string: url) else { throw ReportDatabaseError("not a PostgreSQL URL: \(url)") }
        let user = parts.user ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "postgres"
        let password = parts.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let database = parts.path.isEmpty ? nil : String(parts.path.dropFirst())
        let socket = parts.queryItems?.first { $0.name == "host" }?.value
        let configuration: PostgresConnection.Configuration
        if let socket, socket.hasPrefix("/") {
            let port = parts.port ?? 5432
            configuration = .init(
                unixSocketPath: socket + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(
                host: parts.host ?? "127.0.0.1", port: parts.port ?? 5432, username: user, password: password,
                database: database, tls: .disable)
        }
        var logger = Logger(label: "mxray.reports.postgres")
        logger.logLevel = .error
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            return PostgresReportDatabase(connection: connection, logger: logger)
        } catch {
            throw ReportDatabaseError(
                "cannot connect to PostgreSQL at \(parts.host ?? socket ?? "?"): \(Self.describe(error))")
        }
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [[SQLValue]] {
        var bindings = PostgresBindings(capacity: binds.count)
        for b in binds {
            switch b {
            case .int(let i): bindings.append(i)
            case .double(let d): bindings.append(d)
            case .text(let s): bindings.append(s)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .null: bindings.appendNull()
            }
        }
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            var out: [[SQLValue]] = []
            for try await row in rows {
                out.append(try row.map(Self.value))
            }
            return out
        } catch let error as PSQLError {
            throw ReportDatabaseError("PostgreSQL: \(Self.describe(error))")
        }
    }

    func close() async throws { try await connection.close() }

    /// PSQLError hides its details from `description` (they may hold data); the server's message
    /// and the kind of failure are what a user needs.
    static func describe(_ error: Error) -> String {
        guard let psql = error as? PSQLError else { return String(describing: error) }
        if let message = psql.serverInfo?[.message] { return message }
        return "\(psql.code)"
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .numeric: return .double(Double(try cell.decode(String.self)) ?? .nan)
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default: return .text(try cell.decode(String.self))
        }
    }
}
