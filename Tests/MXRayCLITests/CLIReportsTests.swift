import Foundation
import Testing

/// `mxray reports` from the command line: every kind of source, the exit statuses a pipe transport
/// relies on, and the views in each format, on the reports in Examples/reports/.
@Suite struct CLIReportsTests {
    let examples = "Examples/reports"
    let zone = "Examples/cold-backup.zone"

    func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    func example(_ suffix: String) throws -> Data {
        let dir = MXRayProcess.repository.appendingPathComponent(examples)
        let name = try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(suffix) }!
        return try Data(contentsOf: dir.appendingPathComponent(name))
    }

    @Test func ingestExamplesThenViews() async throws {
        let db = temporary("r.sqlite")
        let ingest = try await MXRayProcess.run(["reports", "ingest", "--db", db, examples])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("3 inputs: 2 DMARC and 1 TLS reports stored, 0 duplicates, 0 kept aside"))
        let again = try await MXRayProcess.run(["reports", "ingest", "--db", db, examples, "--json"])
        #expect(again.stdout.contains("\"duplicates\":3") && again.status == 0)

        let summary = try await MXRayProcess.run(["reports", "summary", "--db", db, "--zone", zone])
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.contains("1788      1730 (96.8%)"), "\(summary.stdout)")
        #expect(summary.stdout.contains("192.0.2.66   46        example.com  mail.lookalike.example"))
        #expect(summary.stdout.contains("overrides: arc 12, local_policy 12"))
        let csv = try await MXRayProcess.run(["reports", "summary", "--db", db, "--csv", "--no-names"])
        #expect(csv.stdout.hasPrefix("domain,period_start,") && csv.stdout.contains("example.com,2026-11-27,"))

        let tls = try await MXRayProcess.run(["reports", "tls", "--db", db, "--zone", zone, "--json"])
        let view = try JSONSerialization.jsonObject(with: Data(tls.stdout.utf8)) as? [String: Any]
        let failures = view?["failures"] as? [[String: Any]] ?? []
        #expect(failures.count == 2)
        #expect(failures.first?["tier"] as? String == "1 (pref 10)" && failures.first?["sessions"] as? Int == 51)
        #expect(failures.last?["tier"] as? String == "2 (pref 100)")

        // The audit with the stored reports: the tiers senders failed TLS to.
        let audit = try await MXRayProcess.run([
            "audit", "example.com", "--zone", zone, "--offline", "--reports", db, "--reports-days", "3650",
        ])
        #expect(audit.stdout.contains("[MEDIUM] reports-tls-failures"), "\(audit.stdout)")
        #expect(audit.stdout.contains("eu-smtp-inbound-2.mimecast.com [tier 1 (pref 10)]: certificate-expired"))
        // Outside the window (the last day only), no finding from reports.
        let recent = try await MXRayProcess.run([
            "audit", "example.com", "--zone", zone, "--offline", "--reports", db, "--reports-days", "1",
        ])
        #expect(!recent.stdout.contains("reports-tls-failures"))
    }

    /// Postfix's pipe transport: the message on standard input; 0 once stored or kept aside,
    /// 75 (EX_TEMPFAIL, the MTA retries) when the database cannot take it.
    @Test func standardInputAndExitStatuses() async throws {
        let db = temporary("r.sqlite")
        let message = try example(".eml")
        let stored = try await MXRayProcess.run(["reports", "ingest", "--db", db, "-"], input: message)
        #expect(stored.status == 0 && stored.stdout.contains("1 TLS reports stored"), "\(stored.stderr)")
        let junk = try await MXRayProcess.run(["reports", "ingest", "--db", db, "-"], input: Data("hello".utf8))
        #expect(junk.status == 0 && junk.stdout.contains("1 kept aside"))
        let missing = try await MXRayProcess.run(["reports", "ingest", "--db", db, "/nonexistent/report.xml"])
        #expect(missing.status == 1 && missing.stdout.contains("unreadable: /nonexistent/report.xml"))
        // A database that cannot be written: a directory where the file should be.
        let blocked = temporary("dir.sqlite")
        try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: true)
        let failed = try await MXRayProcess.run(["reports", "ingest", "--db", blocked, "-"], input: message)
        #expect(failed.status == 75, "\(failed.status) \(failed.stderr)")
        #expect(failed.stderr.contains("error:"))
    }

    /// A Maildir of report messages and an mbox holding the same: each message is one input.
    @Test func maildirAndMbox() async throws {
        let root = temporary("mail")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        let message = try example(".eml")
        try message.write(to: URL(fileURLWithPath: root + "/new/1764300000.1.host"))
        try Data("From: x@example.com\r\nSubject: not a report\r\n\r\nhi\r\n".utf8)
            .write(to: URL(fileURLWithPath: root + "/cur/1764300001.2.host:2,S"))
        let db = temporary("r.sqlite")
        let maildir = try await MXRayProcess.run(["reports", "ingest", "--db", db, root, "-v"])
        #expect(maildir.status == 0 && maildir.stdout.contains("2 inputs: 0 DMARC and 1 TLS reports stored"))
        #expect(maildir.stdout.contains("kept aside:") && maildir.stdout.contains("no DMARC or TLS report found"))

        let mbox = temporary("reports.mbox")
        let text =
            "From MAILER-DAEMON Sat Nov 28 04:12:09 2026\n" + String(decoding: message, as: UTF8.self)
            + "\nFrom MAILER-DAEMON Sat Nov 28 04:12:10 2026\n" + String(decoding: message, as: UTF8.self)
        try Data(text.utf8).write(to: URL(fileURLWithPath: mbox))
        let fromMbox = try await MXRayProcess.run(["reports", "ingest", "--db", temporary("m.sqlite"), mbox])
        #expect(
            fromMbox.stdout.contains("2 inputs: 0 DMARC and 1 TLS reports stored, 1 duplicates"), "\(fromMbox.stdout)")
    }

    @Test func parsePrintsJSONLines() async throws {
        let parsed = try await MXRayProcess.run(["reports", "parse", examples])
        #expect(parsed.status == 0)
        let lines = parsed.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix("{\"") })
        #expect(parsed.stdout.contains("\"reportID\":\"11782394512094511873\""))
        let bad = try await MXRayProcess.run(
            ["reports", "parse", "-"], input: Data("<feedback><oops></feedback>".utf8))
        #expect(bad.status == 1 && bad.stderr.contains("stdin: not a DMARC aggregate report"))
    }

    @Test func defaultDatabaseLocation() async throws {
        let home = temporary("home")
        let run = try await MXRayProcess.run(
            ["reports", "ingest", examples], environment: ["HOME": home, "XDG_DATA_HOME": "", "MXRAY_REPORTS_DB": ""])
        #expect(run.status == 0 && run.stdout.contains(home + "/.local/share/mxray/reports.sqlite"), "\(run.stdout)")
    }
}

/// A stop midway loses nothing: ingest killed with SIGKILL during a run, then run again, has every
/// report stored exactly once (each batch is committed whole or not at all).
@Suite struct CLIReportsStopTests {
    @Test func killedMidwayThenRerunStoresEverything() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let template = try String(
            contentsOf: MXRayProcess.repository.appendingPathComponent("Tests/MXRayFeedbackTests/Resources/samples")
                .appendingPathComponent("parsedmarc-example.net!example.com!1529366400!1529452799.xml"),
            encoding: .utf8)
        let count = 3000
        for n in 0..<count {
            let text = template.replacingOccurrences(
                of: "<report_id>b043f0e264cf4ea995e93765242f6dfb</report_id>", with: "<report_id>kill-\(n)</report_id>")
            try Data(text.utf8).write(to: dir.appendingPathComponent("r\(n).xml"))
        }
        let db = dir.path + ".sqlite"
        let process = Process()
        process.executableURL = MXRayProcess.binary
        process.arguments = ["reports", "ingest", "--db", db, "--batch", "50", dir.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(400))
        kill(process.processIdentifier, SIGKILL)
        await MXRayProcess.exit(of: process)
        let again = try await MXRayProcess.run(["reports", "ingest", "--db", db, dir.path, "--json"])
        #expect(again.status == 0)
        let summary = again.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let totals = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Int] ?? [:]
        // Whatever the first run committed is found again as duplicates; the rest is stored now.
        #expect((totals["dmarcStored"] ?? 0) + (totals["duplicates"] ?? 0) == count, "\(summary)")
        #expect(totals["inputs"] == count && totals["keptAside"] == 0, "\(summary)")
        let stored = try await MXRayProcess.run(["reports", "summary", "--db", db, "--no-names", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(stored.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.first?["reports"] as? Int == count)
    }
}
