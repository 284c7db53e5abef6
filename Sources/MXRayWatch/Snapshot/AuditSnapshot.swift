import Crypto
import Foundation
import MXRayAudit
import MXRayInbound

/// What a watch compares between two runs of a domain: typed facts, not text. Hosts with their
/// preference and operator (RFC 5321 §5.1 tiers), the findings by id, and the MTA-STS state
/// (RFC 8461 §3: the record's id, the policy's mode, and a digest of the policy text).
public struct AuditSnapshot: Sendable, Codable, Equatable {
    public struct Host: Sendable, Codable, Equatable {
        public var preference: Int
        public var vendor: String
        public var role: String
    }

    public var domain: String
    public var hosts: [String: Host]
    /// Finding id → severity.
    public var findings: [String: String]
    public var mtaSTSRecordID: String?
    public var mtaSTSMode: String?
    /// SHA-256 of the policy text as fetched, hex; nil when no policy was fetched.
    public var mtaSTSPolicyDigest: String?
    public var mtaSTSPolicyMX: [String]
    /// Lookups that failed: such a run is not compared (a failure is not an absence).
    public var dnsFailures: [String]

    public init(_ report: AuditReport) {
        let facts = report.facts
        domain = facts.domain
        var hosts: [String: Host] = [:]
        for tier in facts.tiers {
            for host in tier.hosts {
                hosts[host.name.lowercased()] = Host(
                    preference: tier.preference, vendor: host.operator.vendor, role: host.operator.role.rawValue)
            }
        }
        self.hosts = hosts
        var worst: [FindingID: Severity] = [:]
        for finding in report.findings where finding.id != .dnsFailure {
            worst[finding.id] = max(worst[finding.id] ?? finding.severity, finding.severity)
        }
        findings = Dictionary(uniqueKeysWithValues: worst.map { ($0.key.rawValue, $0.value.rawValue) })
        mtaSTSRecordID = facts.mtaSTS.record?.id
        mtaSTSMode = facts.mtaSTS.policy?.mode.rawValue
        mtaSTSPolicyDigest = facts.mtaSTS.policy.map {
            SHA256.hash(data: Array($0.text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        mtaSTSPolicyMX = facts.mtaSTS.policy?.mx ?? []
        dnsFailures = facts.dnsFailures + (facts.mtaSTS.fetch?.outcome == .unreachable ? ["MTA-STS policy fetch"] : [])
    }

    /// Whether a change may be read off this run: every lookup answered.
    public var isComplete: Bool { dnsFailures.isEmpty }
}
