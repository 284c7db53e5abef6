import Foundation
import Testing

/// `mxray watch` end to end: cycles against a zone file that changes between them, a webhook
/// receiver on loopback (Python's http.server), and the history the database keeps.
@Suite struct CLIWatchTests {
    /// Starts a webhook receiver that appends each POST body as a line to `file`; returns its port.
    static func receiver(file: String, failFirst: Int = 0) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", MXRayProcess.repository.appendingPathComponent("Scripts/webhook_receiver.py").path, file,
            "\(failFirst)",
        ]
        let out = Pipe()
        process.standardOutput = out
        // Not the test runner's own stderr: a receiver left behind must not hold the runner's output open.
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (process, port)
    }

    @Test func changesBetweenCyclesRaiseOneAlertEach() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let zone = dir.appendingPathComponent("example.net.zone")
        let healthy = try String(
            contentsOf: MXRayProcess.repository.appendingPathComponent("Examples/healthy-two-vendor.zone"),
            encoding: .utf8)
        try Data(healthy.utf8).write(to: zone)
        let hooks = dir.appendingPathComponent("hooks.jsonl").path
        // The receiver refuses the first POST: the alert is retried, not lost.
        let (server, port) = try Self.receiver(file: hooks, failFirst: 1)
        defer { kill(server.processIdentifier, SIGKILL) }  // SIGTERM may be blocked in a test runner's children
        #expect(port > 0)
        let config = dir.appendingPathComponent("watch.yaml")
        try Data(
            """
            domains: [example.net]
            interval: 60
            db: \(dir.path)/watch.sqlite
            webhook: {url: "http://127.0.0.1:\(port)/hook", attempts: 3, timeout: 5, backoff: 0.1}
            dns: {zone_files: ["\(zone.path)"]}
            mta_sts: {offline: true}
            """.utf8
        ).write(to: config)
        let first = try await MXRayProcess.run(["watch", "--config", config.path, "--once"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: hooks), "the first run has nothing to compare with")

        // An added bypass MX at preference 100, and one gateway host removed.
        let changed =
            healthy.replacingOccurrences(
                of: "            IN MX   10 mx2.example-net.iphmx.com.",
                with: "            IN MX   100 example-net.mail.protection.outlook.com.")
            + "\nexample-net.mail.protection.outlook.com. 10 IN A 203.0.113.25\n"
        try Data(changed.utf8).write(to: zone)
        let second = try await MXRayProcess.run(["watch", "--config", config.path, "--once"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("webhook answered 503"))
        let alerts = try String(contentsOfFile: hooks, encoding: .utf8).split(separator: "\n")
        let objects = alerts.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let kinds = objects.map { "\($0["kind"] ?? "")" + " " + "\($0["subject"] ?? "")" }
        #expect(kinds.contains("mx-host-added example-net.mail.protection.outlook.com"), "\(kinds)")
        #expect(kinds.contains("mx-host-removed mx2.example-net.iphmx.com"), "\(kinds)")
        #expect(kinds.contains("finding-raised backup-mx-bypasses-gateway"), "\(kinds)")
        #expect(Set(kinds).count == kinds.count, "each change alerted once: \(kinds)")

        // Nothing changed: no new alert. History lists every change, each alerted.
        let third = try await MXRayProcess.run(["watch", "--config", config.path, "--once"])
        #expect(third.status == 0)
        #expect(try String(contentsOfFile: hooks, encoding: .utf8).split(separator: "\n").count == alerts.count)
        let history = try await MXRayProcess.run([
            "watch", "history", "example.net", "--db", "\(dir.path)/watch.sqlite",
        ])
        #expect(history.stdout.contains("mx-host-added") && !history.stdout.contains("pending"), "\(history.stdout)")
        #expect(history.stdout.split(separator: "\n").count == alerts.count + 1)
    }

    /// A cycle whose DNS fails reports the failure and never a change to absent records.
    @Test func dnsFailureIsNotAChange() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let zone = dir.appendingPathComponent("z.zone")
        try FileManager.default.copyItem(
            at: MXRayProcess.repository.appendingPathComponent("Examples/cold-backup.zone"), to: zone)
        func config(_ dns: String) throws -> String {
            let path = dir.appendingPathComponent("w.yaml").path
            try Data(
                "domains: [example.com]\ndb: \(dir.path)/w.sqlite\nmta_sts: {offline: true}\ndns: \(dns)\n".utf8
            ).write(to: URL(fileURLWithPath: path))
            return path
        }
        let good = try await MXRayProcess.run([
            "watch", "--config", try config("{zone_files: [\"\(zone.path)\"]}"), "--once",
        ])
        #expect(good.status == 0, "\(good.stderr)")
        // A nameserver that never answers: every lookup fails.
        let dead = try await MXRayProcess.run(
            ["watch", "--config", try config("{nameservers: [\"127.0.0.1:9\"], timeout: 0.2, attempts: 1}"), "--once"],
            timeout: 60)
        #expect(dead.status == 0 && dead.stderr.contains("DNS failure: run not compared"), "\(dead.stderr)")
        let history = try await MXRayProcess.run(["watch", "history", "example.com", "--db", "\(dir.path)/w.sqlite"])
        #expect(history.stdout.contains("no changes recorded"), "\(history.stdout)")
    }
}

extension CLIWatchTests {
    /// TLS-RPT reports stored in the watch's own database between two runs: the host they name
    /// with failures where there were none is one `tls-failures-rising` change (RFC 8460 §4.4).
    @Test func tlsReportFailuresRising() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-watcht-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let zone = MXRayProcess.repository.appendingPathComponent("Examples/cold-backup.zone").path
        let db = dir.appendingPathComponent("w.sqlite").path
        let config = dir.appendingPathComponent("w.yaml").path
        try Data(
            "domains: [example.com]\ndb: \(db)\nmta_sts: {offline: true}\ndns: {zone_files: [\"\(zone)\"]}\n".utf8
        ).write(to: URL(fileURLWithPath: config))
        #expect(try await MXRayProcess.run(["watch", "--config", config, "--once"]).status == 0)
        let formatter = ISO8601DateFormatter()
        let (start, end) = (Date().addingTimeInterval(-2 * 86_400), Date().addingTimeInterval(-86_400))
        let report = """
            {"organization-name": "Reporter", "contact-info": "tls@reporter.example", "report-id": "r-\(UUID())",
             "date-range": {"start-datetime": "\(formatter.string(from: start))",
                            "end-datetime": "\(formatter.string(from: end))"},
             "policies": [{"policy": {"policy-type": "sts", "policy-domain": "example.com"},
               "summary": {"total-successful-session-count": 90, "total-failure-session-count": 9},
               "failure-details": [{"result-type": "certificate-expired", "failed-session-count": 9,
                 "receiving-mx-hostname": "eu-smtp-inbound-2.mimecast.com"}]}]}
            """
        let file = dir.appendingPathComponent("report.json").path
        try Data(report.utf8).write(to: URL(fileURLWithPath: file))
        let ingest = try await MXRayProcess.run(["reports", "ingest", file, "--db", db])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(try await MXRayProcess.run(["watch", "--config", config, "--once"]).status == 0)
        let history = try await MXRayProcess.run(["watch", "history", "example.com", "--db", db])
        #expect(history.stdout.contains("tls-failures-rising"), "\(history.stdout)")
        #expect(history.stdout.contains("9 failed sessions (MX 10)"), "\(history.stdout)")
        // The same reports on the next run: nothing new.
        #expect(try await MXRayProcess.run(["watch", "--config", config, "--once"]).status == 0)
        let again = try await MXRayProcess.run(["watch", "history", "example.com", "--db", db])
        #expect(again.stdout.components(separatedBy: "tls-failures-rising").count == 2, "\(again.stdout)")
    }
}

/// The long-running watch: metrics at /metrics after a cycle, SIGHUP reloads, SIGTERM ends it promptly.
@Suite struct CLIWatchServiceTests {
    @Test func metricsThenSIGTERM() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-watchd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let zone = MXRayProcess.repository.appendingPathComponent("Examples/cold-backup.zone").path
        let config = dir.appendingPathComponent("w.yaml").path
        try Data(
            ("domains: [example.com]\ninterval: 600\ndb: \(dir.path)/w.sqlite\nmta_sts: {offline: true}\n"
                + "dns: {zone_files: [\"\(zone)\"]}\n").utf8
        ).write(to: URL(fileURLWithPath: config))
        let port = Int.random(in: 20_000...60_000)
        let process = Process()
        process.executableURL = MXRayProcess.binary
        process.arguments = ["watch", "--config", config, "--metrics", "127.0.0.1:\(port)"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var text = ""
        func fetchMetrics() async throws {
            try await Task.sleep(for: .milliseconds(200))
            let fetch = Process()
            fetch.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            fetch.arguments = [
                "python3", "-c",
                "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())",
                "http://127.0.0.1:\(port)/metrics",
            ]
            let out = Pipe()
            fetch.standardOutput = out
            fetch.standardError = FileHandle.nullDevice
            try fetch.run()
            await MXRayProcess.exit(of: fetch)
            text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        for _ in 0..<100 where !text.contains("mxray_watch_tiers") { try await fetchMetrics() }
        #expect(text.contains(#"mxray_watch_tiers{domain="example.com"} 2"#), "\(text)")
        #expect(text.contains(#"mxray_watch_findings{domain="example.com",severity="critical"} 1"#), "\(text)")
        // SIGHUP: the configuration is read again and a cycle starts at once, long before the 600 s interval.
        try Data(
            ("domains: [example.com, mail.example.com]\ninterval: 600\ndb: \(dir.path)/w.sqlite\n"
                + "mta_sts: {offline: true}\ndns: {zone_files: [\"\(zone)\"]}\n").utf8
        ).write(to: URL(fileURLWithPath: config))
        kill(process.processIdentifier, SIGHUP)
        for _ in 0..<100 where !text.contains(#"domain="mail.example.com""#) { try await fetchMetrics() }
        #expect(process.isRunning && text.contains(#"mxray_watch_tiers{domain="mail.example.com"}"#), "\(text)")
        let stopAsked = Date()
        kill(process.processIdentifier, SIGTERM)
        await MXRayProcess.exit(of: process, within: .seconds(10))
        #expect(!process.isRunning && process.terminationStatus == 0)
        #expect(Date().timeIntervalSince(stopAsked) < 9, "SIGTERM waited for the 600 s interval")
    }

    /// SIGTERM in the middle of a cycle: the watch stops after the domain in hand, every domain it
    /// logged is stored whole, and a restart audits them all again; DNS failures are never changes.
    @Test func sigtermMidCycleLosesNoRun() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mxray-watchm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = dir.appendingPathComponent("w.yaml").path
        let domains = (1...20).map { "d\($0).example" }
        try Data(
            ("domains: [\(domains.joined(separator: ", "))]\ninterval: 600\ndb: \(dir.path)/w.sqlite\n"
                + "mta_sts: {offline: true}\ndns: {nameservers: [\"127.0.0.1:9\"], timeout: 0.3, attempts: 1}\n").utf8
        ).write(to: URL(fileURLWithPath: config))
        let log = dir.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = MXRayProcess.binary
        process.arguments = ["watch", "--config", config]
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let failuresLogged: @Sendable () -> Int = {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.components(separatedBy: "DNS failure: run not compared").count - 1
        }
        // Watched and signalled from a thread of its own: a poll on the pool, behind the other suites'
        // work, once sent the signal only after all 20 domains had failed.
        let pid = process.processIdentifier
        let seen = try await MXRayProcess.onThreadOfItsOwn {
            for _ in 0..<300 where failuresLogged() < 2 { Thread.sleep(forTimeInterval: 0.05) }
            kill(pid, SIGTERM)
            return failuresLogged()
        }
        #expect(seen >= 2)
        await MXRayProcess.exit(of: process, within: .seconds(15))
        #expect(!process.isRunning && process.terminationStatus == 0)
        let logged = failuresLogged()
        #expect(logged < domains.count, "the stop came after the whole cycle; the test proves nothing")
        func storedRuns() async throws -> [String] {
            let query = Process()
            query.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            query.arguments = [
                "python3", "-c",
                "import sqlite3,sys; [print(r[0], r[1]) for r in sqlite3.connect(sys.argv[1]).execute("
                    + "'SELECT domain, complete FROM watch_run ORDER BY run_at')]",
                "\(dir.path)/w.sqlite",
            ]
            let out = Pipe()
            query.standardOutput = out
            try query.run()
            await MXRayProcess.exit(of: query)
            return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .split(separator: "\n").map(String.init)
        }
        let first = try await storedRuns()
        #expect(first.count == logged && first.allSatisfy { $0.hasSuffix(" 0") }, "\(first)")
        #expect(first == domains.prefix(logged).map { "\($0) 0" })
        let restart = try await MXRayProcess.run(["watch", "--config", config, "--once"], timeout: 120)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(try await storedRuns().count == logged + domains.count)
        let history = try await MXRayProcess.run(["watch", "history", "d1.example", "--db", "\(dir.path)/w.sqlite"])
        #expect(history.stdout.contains("no changes recorded"), "\(history.stdout)")
    }
}
