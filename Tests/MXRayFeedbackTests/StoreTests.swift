import Foundation
import MXRayDNS
import MXRayInbound
import SQLiteNIO
import Testing

@testable import MXRayFeedback

/// The SQLite store: ingest, duplicates, kept-aside inputs, the views, and the schema's versions.
@Suite struct StoreTests {
    static func temporaryDatabase() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-store-\(UUID().uuidString)")
        return dir.appendingPathComponent("reports.sqlite").path
    }

    func inputs(_ items: [(String, [UInt8])]) -> [PathInputs.Item] {
        items.map { .input(IngestInput(source: $0.0, bytes: $0.1)) }
    }

    @Test func ingestTwiceStoresOnce() async throws {
        let path = Self.temporaryDatabase()
        let db = try await ReportDatabases.open(path)
        let ingester = ReportIngester(store: ReportStore(db: db), batchSize: 2)
        let xml = Array(ReportWriter.xml(Fixtures.dmarc()).utf8)
        let json = Array(ReportWriter.json(Fixtures.tls()).utf8)
        let bad = Array("<feedback><report_metadata/></feedback>".utf8)
        let first = try await ingester.ingest(inputs([("a.xml", xml), ("b.json", json), ("bad.xml", bad)]))
        #expect(first.dmarcStored == 1 && first.tlsStored == 1 && first.keptAside == 1 && first.inputs == 3)
        let again = try await ingester.ingest(inputs([("a.xml.gz", Fixtures.gzip(xml)), ("bad.xml", bad)]))
        #expect(again.duplicates == 1 && again.dmarcStored == 0 && again.keptAside == 1)
        let counts = try await ReportQueries(db: db).counts()
        #expect(counts.dmarc == 1 && counts.tls == 1 && counts.keptAside == 1)
        // The kept-aside input is stored whole, with its reason.
        let kept = try await db.query("SELECT content, reason, source FROM kept_aside", [])
        #expect(kept.first?[0] == .blob(bad) && kept.first?[1].text == "report_metadata has no org_name")
        try await db.close()
        // Reopening runs no migration twice.
        let reopened = try await ReportDatabases.open(path)
        #expect(
            try await reopened.query("SELECT COUNT(*) FROM mxray_schema", []).first?.first?.int
                == ReportSchema.currentVersion)
        try await reopened.close()
    }

    /// Shards opening one new database at once: while another connection holds its write lock, the
    /// switch to WAL waits for it (SQLite itself would fail at once with "database is locked").
    @Test func openWaitsForAnotherWriter() async throws {
        let path = Self.temporaryDatabase()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let other = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await other.query("BEGIN IMMEDIATE")
        _ = try await other.query("CREATE TABLE other_writer (x INTEGER)")
        let release = Task {
            try await Task.sleep(for: .milliseconds(300))
            _ = try await other.query("COMMIT")
        }
        let db: any ReportDatabase
        do {
            db = try await ReportDatabases.open(path)
        } catch {
            release.cancel()
            try await other.close()
            throw error
        }
        try await release.value
        try await other.close()
        #expect(try await db.query("PRAGMA journal_mode", []).first?.first?.text == "wal")
        try await db.close()
    }

    /// A database written by a newer mxray is refused rather than misread.
    @Test func newerSchemaRefused() async throws {
        let path = Self.temporaryDatabase()
        let db = try await ReportDatabases.open(path)
        try await db.execute("INSERT INTO mxray_schema (version, applied_at) VALUES (99, 0)")
        try await db.close()
        await #expect(throws: ReportDatabaseError.self) { try await ReportDatabases.open(path) }
    }

    @Test func views() async throws {
        let db = try await ReportDatabases.open(Self.temporaryDatabase())
        let ingester = ReportIngester(store: ReportStore(db: db))
        let day: Int64 = 1_764_374_400
        var items: [(String, [UInt8])] = []
        for n in 0..<3 {
            let r = Fixtures.dmarc(org: "reporter\(n % 2).example", id: "r\(n)", begin: day + Int64(n) * 86_400)
            items.append(("d\(n).xml", Array(ReportWriter.xml(r).utf8)))
        }
        items.append(("t1.json", Array(ReportWriter.json(Fixtures.tls(id: "t1", begin: day)).utf8)))
        items.append(("t2.json", Array(ReportWriter.json(Fixtures.tls(id: "t2", begin: day + 86_400)).utf8)))
        items.append(
            (
                "t3.json",
                Array(ReportWriter.json(Fixtures.tls(id: "t3", begin: day, failingHost: "old.example.com")).utf8)
            ))
        _ = try await ingester.ingest(inputs(items))
        let queries = ReportQueries(db: db)

        let all = try await queries.dmarcSummary(ReportWindow(), period: .all)
        #expect(all.count == 1)
        let s = try #require(all.first)
        #expect(s.domain == "example.com" && s.reports == 3 && s.reporters == 2 && s.messages == 45)
        #expect(s.dmarcPass == 30 && s.spfAligned == 30 && s.dkimAligned == 30 && s.dispositionReject == 9)
        #expect(s.overrides == ["forwarded": 6, "arc": 6])
        #expect(s.topFailingSources.map(\.sourceIP) == ["198.51.100.7", "2001:db8::25"])
        #expect(s.topFailingSources.first?.messages == 9)
        let daily = try await queries.dmarcSummary(ReportWindow(), period: .day)
        #expect(daily.count == 3 && daily.map(\.messages) == [15, 15, 15])
        let window = try await queries.dmarcSummary(ReportWindow(since: day + 86_400), period: .all)
        #expect(window.first?.reports == 2)

        let failures = try await queries.tlsFailures(ReportWindow())
        #expect(failures.count == 2)
        let mx2 = try #require(failures.first { $0.mxHost == "mx2.example.com" })
        #expect(mx2.sessions == 20 && mx2.reports == 2 && mx2.resultType == "certificate-host-mismatch")
        #expect(mx2.firstSeen == day && mx2.lastSeen == day + 2 * 86_400 - 1)
        let totals = try await queries.tlsTotals(ReportWindow())
        #expect(totals == [.init(domain: "example.com", policyType: "sts", successes: 270, failures: 30, reports: 3)])

        // Placed on the current tiers: mx1 and mx2 at preference 10 and 20; old.example.com is gone.
        let tiers = InboundTiers(
            domain: "example.com", kind: .explicit, mx: LookupSummary(outcome: .records),
            tiers: [
                Tier(preference: 10, hosts: [HostFacts(name: "mx1.example.com", preference: 10, operator: .unknown)]),
                Tier(preference: 20, hosts: [HostFacts(name: "mx2.example.com", preference: 20, operator: .unknown)]),
            ], dnsFailures: [])
        let placed = TierPlacement.place(failures, tiers: tiers)
        #expect(placed.first { $0.mxHost == "mx2.example.com" }?.tier == "2 (pref 20)")
        #expect(placed.first { $0.mxHost == "old.example.com" }?.tier == "not in MX")

        let findings = try await ReportFindings(queries: queries).findings(for: tiers, window: ReportWindow())
        #expect(findings.map(\.id) == [.reportsTLSFailures, .reportsDMARCFailureRate])
        #expect(
            findings[0].severity == .high && findings[0].evidence.contains { $0.contains("mx2.example.com [tier 2") })
        #expect(findings[1].title.hasPrefix("33.3%"))
        try await db.close()
    }
}
