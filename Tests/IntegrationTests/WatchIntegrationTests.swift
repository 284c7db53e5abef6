import Foundation
import MXRayDNS
import Testing

/// `mxray watch` against nsd and the HTTPS MTA-STS server: between cycles nsd is reloaded with a
/// changed zone and the server's policy file changes behind an unchanged record id; each change
/// raises exactly one alert at a webhook receiver on loopback.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MXRAY_NSD_DIR"] != nil), .serialized)
struct WatchIntegrationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let work = environment["MXRAY_NSD_DIR"] ?? ""
    static let zoneFile = work + "/zones/audit.test.zone"
    static let policyFile = URL(fileURLWithPath: environment["MXRAY_TEST_CA"] ?? "/").deletingLastPathComponent()
        .appendingPathComponent("watch-policy.txt").path

    /// Rewrites the watch domain's MX lines and the zone's serial, then has nsd reload (SIGHUP) and
    /// waits, bounded, until it answers with the new MX set.
    static func setWatchMX(_ lines: [String], serial: Int) async throws {
        var zone = try String(contentsOfFile: zoneFile, encoding: .utf8)
        zone = zone.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("watch               IN MX") && !$0.hasPrefix("watch.audit.test. 300 IN MX") }
            .joined(separator: "\n")
        zone = zone.replacingOccurrences(
            of: #"hostmaster\.mxray\.test\. \d+ 7200"#, with: "hostmaster.mxray.test. \(serial) 7200",
            options: .regularExpression)
        zone += "\n" + lines.map { "watch.audit.test. 300 IN MX \($0)" }.joined(separator: "\n") + "\n"
        try Data(zone.utf8).write(to: URL(fileURLWithPath: zoneFile))
        let pid =
            Int32(
                try String(contentsOfFile: work + "/nsd.child", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        kill(pid, SIGHUP)
        let nsd = try #require(IntegrationEnvironment.nsd)
        for _ in 0..<100 {
            let lookup = await resolver([nsd], cache: false).lookup(name("watch.audit.test"), .mx)
            if case .records(let records) = lookup.outcome, records.count == lines.count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MilterTestError("nsd did not serve the new MX set")
    }

    @Test func threeChangesThreeCycles() async throws {
        let dir = Interop.temporary("watch")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let hooks = dir + "/hooks.jsonl"
        let (server, port) = try Self.receiver(file: hooks)
        defer { kill(server.processIdentifier, SIGKILL) }  // SIGTERM may be blocked in a test runner's children
        let config = dir + "/watch.yaml"
        let mtaSTSPort = Self.environment["MXRAY_MTA_STS_PORT"] ?? "443"
        let ca = Self.environment["MXRAY_TEST_CA"] ?? ""
        try Data(
            """
            domains: [watch.audit.test]
            db: \(dir)/watch.sqlite
            webhook: {url: "http://127.0.0.1:\(port)/", attempts: 2, timeout: 5, backoff: 0.1}
            dns: {nameservers: ["\(Self.environment["MXRAY_NSD"] ?? "")"]}
            mta_sts: {port: \(mtaSTSPort), ca_file: "\(ca)"}
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        let policy = "version: STSv1\r\nmode: enforce\r\nmx: *.pphosted.com\r\nmax_age: 86400\r\n"
        try Data(policy.utf8).write(to: URL(fileURLWithPath: Self.policyFile))
        try await Self.setWatchMX(["10 mx0a-1.pphosted.com."], serial: 10)
        func cycle() throws -> [[String: Any]] {
            let run = try Interop.runProcess([MXRayBinary.path, "watch", "--config", config, "--once"])
            #expect(run.status == 0, "\(run.output)")
            let text = (try? String(contentsOfFile: hooks, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        func names(_ alerts: [[String: Any]]) -> [String] {
            alerts.map { "\($0["kind"] ?? "") \($0["subject"] ?? "")" }
        }
        #expect(try cycle().isEmpty)

        // A bypass MX added, and the policy edited (a second pattern) while the record keeps id=1.
        try await Self.setWatchMX(
            ["10 mx0a-1.pphosted.com.", "100 coldbackup-audit-test.mail.protection.outlook.com."], serial: 11)
        try Data((policy + "mx: *.mimecast.com\r\n").utf8).write(to: URL(fileURLWithPath: Self.policyFile))
        let second = names(try cycle())
        #expect(second.contains("mx-host-added coldbackup-audit-test.mail.protection.outlook.com"), "\(second)")
        #expect(second.contains("mta-sts-id-not-updated policy"), "\(second)")
        #expect(second.contains("finding-raised backup-mx-bypasses-gateway"), "\(second)")
        #expect(Set(second).count == second.count)

        // The tier removed again: one more alert for the host, one for the finding gone.
        try await Self.setWatchMX(["10 mx0a-1.pphosted.com."], serial: 12)
        let third = names(try cycle())
        let new = Array(third.dropFirst(second.count))
        #expect(new.contains("mx-host-removed coldbackup-audit-test.mail.protection.outlook.com"), "\(new)")
        #expect(new.contains("finding-cleared backup-mx-bypasses-gateway"), "\(new)")
        #expect(!new.contains { $0.hasPrefix("mta-sts") }, "\(new)")
    }

    /// The probe at its own schedule: the first cycle probes both hosts (days to expiry in /metrics),
    /// a restart within the probe interval does not probe again and raises no change (the probe's
    /// findings and certificates are carried forward), and SIGTERM ends the service cleanly.
    @Test func probeAtItsOwnSchedule() async throws {
        let dir = Interop.temporary("watchprobe")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = dir + "/watch.yaml"
        let smtpPort = try #require(Self.environment["MXRAY_SMTP_PORT"])
        let ca = Self.environment["MXRAY_TEST_CA"] ?? ""
        try Data(
            """
            domains: [watchprobe.probe.test]
            interval: 600
            db: \(dir)/watch.sqlite
            dns: {nameservers: ["\(Self.environment["MXRAY_NSD"] ?? "")"]}
            mta_sts: {offline: true}
            probe: {interval: 86400, port: \(smtpPort), timeout: 5, ca_file: "\(ca)",
                    rcpt: [bob@probe.test], helo: mxray.test}
            """.utf8
        ).write(to: URL(fileURLWithPath: config))
        let port = Int.random(in: 20_000...60_000)
        let log = dir + "/first.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MXRayBinary.path)
        process.arguments = ["watch", "--config", config, "--metrics", "127.0.0.1:\(port)"]
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var metrics = ""
        for _ in 0..<150 where !metrics.contains("mxray_watch_certificate_expiry_days") {
            try await Task.sleep(for: .milliseconds(200))
            let fetch =
                "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())"
            metrics =
                (try? Interop.runProcess(["python3", "-c", fetch, "http://127.0.0.1:\(port)/metrics"]))?.output ?? ""
        }
        func days(_ host: String) -> Int? {
            let prefix = #"mxray_watch_certificate_expiry_days{domain="watchprobe.probe.test",host="\#(host)"} "#
            return metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap {
                Double($0.dropFirst(prefix.count)).map { Int($0) }
            }
        }
        #expect((360...365).contains(days("mx-good.probe.test") ?? 0), "\(metrics)")
        #expect((days("mx-expired.probe.test") ?? 0) < 0, "\(metrics)")
        kill(process.processIdentifier, SIGTERM)
        let stopAsked = Date()
        while process.isRunning && Date().timeIntervalSince(stopAsked) < 10 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!process.isRunning && process.terminationStatus == 0)
        let first = try String(contentsOfFile: log, encoding: .utf8)
        #expect(first.contains("probed=1"), "\(first)")

        let again = try Interop.runProcess([MXRayBinary.path, "watch", "--config", config, "--once"])
        #expect(again.status == 0 && again.output.contains("probed=0"), "\(again.output)")
        #expect(again.output.contains("changes=0"), "\(again.output)")
    }

    static func receiver(file: String) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Interop.root.appendingPathComponent("Scripts/webhook_receiver.py").path, file,
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
        return (
            process, Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        )
    }
}
