import Foundation
import MXRayFeedback
import Testing

/// The reports store on a real PostgreSQL (Debian's, started by Scripts/integration-test.sh):
/// the same ingest gives the same views as SQLite, and two writers racing store each report once.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MXRAY_POSTGRES"] != nil))
struct ReportsPostgresTests {
    static let server = ProcessInfo.processInfo.environment["MXRAY_POSTGRES"] ?? ""
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A fresh database on the server, so tests never see each other's rows.
    static func freshDatabase() async throws -> String {
        let admin = try await ReportDatabases.connectOnly(server)
        let name = "mxray_\(UUID().uuidString.prefix(8).lowercased())"
        try await admin.execute("CREATE DATABASE \(name)")
        try await admin.close()
        var url = URLComponents(string: server)!
        url.path = "/" + name
        return url.string!
    }

    static func corpus() -> [PathInputs.Item] {
        Array(
            PathInputs(paths: [
                repository.appendingPathComponent("Tests/MXRayFeedbackTests/Resources/samples").path,
                repository.appendingPathComponent("Examples/reports").path,
            ]))
    }

    @Test func sameViewsAsSQLite() async throws {
        let postgres = try await ReportDatabases.open(try await Self.freshDatabase())
        let sqlitePath = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-pg-\(UUID()).sqlite").path
        let sqlite = try await ReportDatabases.open(sqlitePath)
        var summaries: [IngestSummary] = []
        for db in [postgres, sqlite] {
            summaries.append(try await ReportIngester(store: ReportStore(db: db), batchSize: 7).ingest(Self.corpus()))
        }
        #expect(summaries[0] == summaries[1])
        #expect(summaries[0].dmarcStored >= 37 && summaries[0].keptAside == 5)
        let views = try await [postgres, sqlite].asyncMap { db in
            let q = ReportQueries(db: db)
            return (
                try await q.dmarcSummary(ReportWindow(), period: .day), try await q.tlsFailures(ReportWindow()),
                try await q.tlsTotals(ReportWindow()), try await q.counts().keptAside
            )
        }
        #expect(views[0].0 == views[1].0 && views[0].1 == views[1].1 && views[0].2 == views[1].2)
        #expect(views[0].3 == 5 && views[0].0.count == 30)
        // Kept-aside content survives the round trip through BYTEA byte for byte.
        let kept = try await postgres.query("SELECT content FROM kept_aside ORDER BY size LIMIT 1", [])
        let keptSQLite = try await sqlite.query("SELECT content FROM kept_aside ORDER BY size LIMIT 1", [])
        #expect(kept.first?.first == keptSQLite.first?.first && kept.first?.first != nil)
        try await postgres.close()
        try await sqlite.close()
    }

    /// Two ingests of the same reports at once, on two connections: every report is stored once.
    @Test func concurrentWritersStoreOnce() async throws {
        let url = try await Self.freshDatabase()
        let a = try await ReportDatabases.open(url)
        let b = try await ReportDatabases.open(url)
        let corpus = Self.corpus()
        async let first = ReportIngester(store: ReportStore(db: a), batchSize: 1).ingest(corpus)
        async let second = ReportIngester(store: ReportStore(db: b), batchSize: 1).ingest(corpus)
        let (x, y) = try await (first, second)
        #expect(x.dmarcStored + y.dmarcStored == 37 && x.tlsStored + y.tlsStored == 13)
        let counts = try await ReportQueries(db: a).counts()
        #expect(counts.dmarc == Int64(x.dmarcStored + y.dmarcStored))
        #expect(x.duplicates + y.duplicates == x.dmarcStored + y.dmarcStored + x.tlsStored + y.tlsStored + 16)
        try await a.close()
        try await b.close()
    }

    /// `mxray audit --shard K/3 --db postgres://...`: three shards at once on a new database (each
    /// racing to migrate it), their rows together exactly the domain list.
    @Test func shardedAuditIntoOneDatabase() async throws {
        let url = try await Self.freshDatabase()
        let domains = (0..<90).map { "p\($0).example" }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-pgshard-\(UUID())").path
        try domains.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let zone = Self.repository.appendingPathComponent("Examples/cold-backup.zone").path
        let shards = try (1...3).map { k in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: MXRayBinary.path)
            process.arguments = [
                "audit", "--domains-file", file, "--shard", "\(k)/3", "--offline", "--zone", zone, "--fail-on",
                "critical", "--db", url, "--db-label", "pg-run",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in shards { process.waitUntilExit() }
        #expect(shards.allSatisfy { $0.terminationStatus == 0 })
        let db = try await ReportDatabases.open(url)
        let rows = try await db.query("SELECT domain FROM audit_result WHERE label = $1", [.text("pg-run")])
        try await db.close()
        let stored = rows.compactMap { $0.first?.text }
        #expect(stored.count == domains.count && Set(stored) == Set(domains))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await transform(e)) }
        return out
    }
}
