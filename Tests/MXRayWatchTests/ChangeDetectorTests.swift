import Foundation
import Testing

@testable import MXRayWatch

/// Changes read off typed snapshots: tiers, operators, findings, and MTA-STS (RFC 8461 §3.1).
@Suite struct ChangeDetectorTests {
    func snapshot(
        hosts: [String: (Int, String, String)] = ["mx1.example.com": (10, "Mimecast", "gateway")],
        findings: [String: String] = [:], id: String? = "1", mode: String? = "enforce", policy: String? = "aa",
        failures: [String] = [], extra: [String: Any] = [:]
    ) throws -> AuditSnapshot {
        var object: [String: Any] = [
            "domain": "example.com", "findings": findings, "mtaSTSPolicyMX": ["mx1.example.com"],
            "dnsFailures": failures,
            "hosts": hosts.mapValues { ["preference": $0.0, "vendor": $0.1, "role": $0.2] },
        ]
        if let id { object["mtaSTSRecordID"] = id }
        if let mode { object["mtaSTSMode"] = mode }
        if let policy { object["mtaSTSPolicyDigest"] = policy }
        object.merge(extra) { $1 }
        return try JSONDecoder().decode(AuditSnapshot.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func tiersAndOperators() throws {
        let before = try snapshot(hosts: [
            "mx1.example.com": (10, "Mimecast", "gateway"), "mx2.example.com": (20, "Mimecast", "gateway"),
        ])
        let after = try snapshot(hosts: [
            "mx1.example.com": (10, "Proofpoint", "gateway"), "mx2.example.com": (30, "Mimecast", "gateway"),
            "example-com.mail.protection.outlook.com": (100, "Microsoft 365", "mailbox"),
        ])
        let changes = ChangeDetector.changes(from: before, to: after)
        #expect(changes.map(\.kind) == [.mxHostAdded, .operatorChanged, .mxHostReweighted])
        #expect(changes[0].after == "MX 100 example-com.mail.protection.outlook.com (Microsoft 365, mailbox)")
        #expect(changes[1].before == "Mimecast, gateway" && changes[1].after == "Proofpoint, gateway")
        #expect(changes[2].before == "MX 20" && changes[2].after == "MX 30")
        let removed = ChangeDetector.changes(from: after, to: before)
        #expect(removed.first?.kind == .mxHostRemoved)
    }

    @Test func findings() throws {
        let before = try snapshot(findings: ["mta-sts-testing-mode": "low"])
        let after = try snapshot(findings: ["backup-mx-bypasses-gateway": "critical"])
        let changes = ChangeDetector.changes(from: before, to: after)
        #expect(changes.map(\.kind) == [.findingRaised, .findingCleared])
        #expect(
            changes[0].subject == "backup-mx-bypasses-gateway" && changes[0].finding == "backup-mx-bypasses-gateway")
        #expect(ChangeDetector.changes(from: before, to: before).isEmpty)
    }

    /// The policy changed behind an unchanged id: senders keep the cached policy until max_age.
    @Test func mtaSTSPolicyBehindUnchangedID() throws {
        let changed = ChangeDetector.changes(from: try snapshot(policy: "aa"), to: try snapshot(policy: "bb"))
        #expect(changed.map(\.kind) == [.mtaSTSIDNotUpdated] && changed[0].finding == "mta-sts-id-not-updated")
        let both = ChangeDetector.changes(from: try snapshot(policy: "aa"), to: try snapshot(id: "2", policy: "bb"))
        #expect(both.isEmpty)
        let idAlone = ChangeDetector.changes(from: try snapshot(id: "1"), to: try snapshot(id: "2"))
        #expect(idAlone.map(\.kind) == [.mtaSTSIDChangedAlone])
        let mode = ChangeDetector.changes(from: try snapshot(mode: "testing"), to: try snapshot(mode: "enforce"))
        #expect(mode.map(\.kind) == [.mtaSTSModeChanged])
    }

    /// A run with a failed lookup is compared with nothing: its missing records are not "removed".
    @Test func incompleteRunsAreNotCompared() throws {
        let before = try snapshot()
        let failed = try snapshot(hosts: [:], failures: ["MX example.com: timeout"])
        #expect(ChangeDetector.changes(from: before, to: failed).isEmpty)
        #expect(ChangeDetector.changes(from: failed, to: before).isEmpty)
    }

    /// Days to expiry are counted from each run's time: a certificate nobody renewed crosses the
    /// 30-day threshold between probes, once; a renewal is a change without a finding.
    @Test func certificateThresholds() throws {
        let day: Int64 = 86_400
        let notAfter = 100 * day
        let probed = try snapshot(extra: [
            "takenAt": 60 * day, "probedAt": 60 * day, "certificateNotAfter": ["mx1.example.com": notAfter],
            "probeFindings": ["tls-legacy-version": "medium"],
        ])
        var later = try snapshot(extra: ["takenAt": 71 * day])
        later.carryProbe(from: probed)
        #expect(later.certificateDaysLeft("mx1.example.com") == 29 && later.probeFindings == probed.probeFindings)
        let crossed = ChangeDetector.changes(from: probed, to: later)
        #expect(crossed.map(\.kind) == [.certificateExpiryThreshold])
        #expect(crossed.first?.before == "expires in 40 days" && crossed.first?.after == "expires in 29 days")
        #expect(crossed.first?.finding == "tls-certificate-expiring")
        var nextDay = try snapshot(extra: ["takenAt": 72 * day])
        nextDay.carryProbe(from: later)
        #expect(ChangeDetector.changes(from: later, to: nextDay).isEmpty)
        let expired = try snapshot(extra: ["takenAt": 101 * day, "certificateNotAfter": ["mx1.example.com": notAfter]])
        let lapsed = ChangeDetector.changes(from: nextDay, to: expired).filter {
            $0.kind == .certificateExpiryThreshold
        }
        #expect(lapsed.map(\.after) == ["expired 1 days ago"])
        let renewed = try snapshot(extra: [
            "takenAt": 72 * day, "probedAt": 72 * day, "certificateNotAfter": ["mx1.example.com": 162 * day],
        ])
        let renewal = ChangeDetector.changes(from: later, to: renewed)
        #expect(renewal.map(\.kind) == [.findingCleared, .certificateRenewed] && renewal[1].finding == nil)
        // Thresholds of one's own.
        #expect(ChangeDetector.changes(from: probed, to: later, expiryDays: [7]).isEmpty)
    }

    /// TLS-RPT failure sessions for a host: from none to some, or doubled, is a change; a slow rise is not.
    @Test func tlsReportFailures() throws {
        func run(_ sessions: [String: Int64]?) throws -> AuditSnapshot {
            try snapshot(extra: sessions.map { ["tlsFailureSessions": $0] } ?? [:])
        }
        let started = ChangeDetector.changes(from: try run([:]), to: try run(["mx1.example.com": 12]))
        #expect(started.map(\.kind) == [.tlsFailuresRising] && started[0].finding == "reports-tls-failures")
        #expect(started[0].before == "0 failed sessions" && started[0].after == "12 failed sessions (MX 10)")
        #expect(
            ChangeDetector.changes(from: try run(["mx1.example.com": 12]), to: try run(["mx1.example.com": 20])).isEmpty
        )
        #expect(
            ChangeDetector.changes(from: try run(["mx1.example.com": 12]), to: try run(["mx1.example.com": 24])).count
                == 1)
        #expect(ChangeDetector.changes(from: try run(["mx1.example.com": 12]), to: try run([:])).isEmpty)
        let gone = ChangeDetector.changes(from: try run([:]), to: try run(["old.example.net": 3]))
        #expect(gone.first?.after == "3 failed sessions (not in MX)")
        // A run whose reports could not be read compares nothing.
        #expect(ChangeDetector.changes(from: try run(nil), to: try run(["mx1.example.com": 12])).isEmpty)
    }

    @Test func configuration() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID()).yaml").path
        try Data("domains: [example.com]\ninterval: 60\nwebhook: {url: 'http://127.0.0.1:1/x'}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let config = try WatchConfig.load(path: path)
        #expect(config.interval == 60 && config.webhook?.attempts == 4 && config.dns.timeout == 2)
        try Data("domains: []\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: WatchConfigError.self) { try WatchConfig.load(path: path) }
        try Data("domains: [a.example]\ninterval: 1\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: WatchConfigError.self) { try WatchConfig.load(path: path) }
        try Data("domains: [a.example]\ninterval: 60\nprobe: {interval: 600, port: 2525}\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let probing = try WatchConfig.load(path: path)
        #expect(probing.probe?.port == 2525 && probing.probe?.expiryDays == [30, 14, 7, 3, 1, 0])
        #expect(probing.tlsReportDays == 7)
        try Data("domains: [a.example]\ninterval: 60\nprobe: {interval: 30}\n".utf8).write(
            to: URL(fileURLWithPath: path))
        #expect(throws: WatchConfigError.self) { try WatchConfig.load(path: path) }
    }
}
