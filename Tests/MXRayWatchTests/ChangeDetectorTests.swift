import Foundation
import Testing

@testable import MXRayWatch

/// Changes read off typed snapshots: tiers, operators, findings, and MTA-STS (RFC 8461 §3.1).
@Suite struct ChangeDetectorTests {
    func snapshot(
        hosts: [String: (Int, String, String)] = ["mx1.example.com": (10, "Mimecast", "gateway")],
        findings: [String: String] = [:], id: String? = "1", mode: String? = "enforce", policy: String? = "aa",
        failures: [String] = []
    ) throws -> AuditSnapshot {
        var object: [String: Any] = [
            "domain": "example.com", "findings": findings, "mtaSTSPolicyMX": ["mx1.example.com"],
            "dnsFailures": failures,
            "hosts": hosts.mapValues { ["preference": $0.0, "vendor": $0.1, "role": $0.2] },
        ]
        if let id { object["mtaSTSRecordID"] = id }
        if let mode { object["mtaSTSMode"] = mode }
        if let policy { object["mtaSTSPolicyDigest"] = policy }
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
    }
}
