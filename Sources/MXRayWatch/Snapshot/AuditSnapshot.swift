import Crypto
import Foundation
import MXRayAudit
import MXRayInbound

/// What a watch compares between two runs of a domain: typed facts, not text. Hosts with their
/// preference and operator (RFC 5321 §5.1 tiers), the findings by id, the MTA-STS state
/// (RFC 8461 §3: the record's id, the policy's mode, and a digest of the policy text), each host's
/// certificate expiry from the last probe, and the TLS-RPT failure sessions per host (RFC 8460).
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
    /// When the run was taken (epoch seconds).
    public var takenAt: Int64 = 0
    /// When the hosts were last probed over SMTP (epoch seconds); nil when never. A run without a
    /// probe carries the last probe's findings and certificates forward, so nothing flaps.
    public var probedAt: Int64?
    /// Finding id → severity, from the last probe.
    public var probeFindings: [String: String] = [:]
    /// Host → the earliest not-after (epoch seconds) of its addresses' certificates, from the last probe.
    public var certificateNotAfter: [String: Int64] = [:]
    /// Host named by TLS-RPT reporters → failure sessions in the reports window; nil without reports.
    public var tlsFailureSessions: [String: Int64]?

    /// The findings of the audit and of the last probe: worst severity per id.
    public var allFindings: [String: String] {
        findings.merging(probeFindings) { a, b in
            (Severity(rawValue: a) ?? .info) >= (Severity(rawValue: b) ?? .info) ? a : b
        }
    }

    /// Whole days from this run to the certificate's not-after (negative once expired).
    public func certificateDaysLeft(_ host: String) -> Int? {
        certificateNotAfter[host].map { Int(($0 - takenAt).dividedRoundingDown(by: 86_400)) }
    }

    public init(_ report: AuditReport, takenAt: Int64 = Int64(Date().timeIntervalSince1970)) {
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
        self.takenAt = takenAt
        if let probe = report.probe {
            probedAt = takenAt
            let ids = Set(probe.findings.map(\.id))
            for (id, severity) in worst where ids.contains(id) {
                findings[id.rawValue] = nil
                probeFindings[id.rawValue] = severity.rawValue
            }
            for host in probe.hosts {
                guard let notAfter = host.tls?.notAfter else { continue }
                let name = host.host.lowercased()
                certificateNotAfter[name] = min(certificateNotAfter[name] ?? notAfter, notAfter)
            }
        }
    }

    /// A run without a probe takes the last probe's time, findings and certificates.
    public mutating func carryProbe(from previous: AuditSnapshot) {
        guard probedAt == nil, let at = previous.probedAt else { return }
        probedAt = at
        probeFindings = previous.probeFindings
        certificateNotAfter = previous.certificateNotAfter.filter { hosts[$0.key] != nil }
    }

    /// Whether a change may be read off this run: every lookup answered.
    public var isComplete: Bool { dnsFailures.isEmpty }

    enum CodingKeys: String, CodingKey {
        case domain, hosts, findings, mtaSTSRecordID, mtaSTSMode, mtaSTSPolicyDigest, mtaSTSPolicyMX, dnsFailures
        case takenAt, probedAt, probeFindings, certificateNotAfter, tlsFailureSessions
    }

    /// Runs stored before the probe and the reports were watched decode with those left empty.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        domain = try c.decode(String.self, forKey: .domain)
        hosts = try c.decode([String: Host].self, forKey: .hosts)
        findings = try c.decode([String: String].self, forKey: .findings)
        mtaSTSRecordID = try c.decodeIfPresent(String.self, forKey: .mtaSTSRecordID)
        mtaSTSMode = try c.decodeIfPresent(String.self, forKey: .mtaSTSMode)
        mtaSTSPolicyDigest = try c.decodeIfPresent(String.self, forKey: .mtaSTSPolicyDigest)
        mtaSTSPolicyMX = try c.decodeIfPresent([String].self, forKey: .mtaSTSPolicyMX) ?? []
        dnsFailures = try c.decodeIfPresent([String].self, forKey: .dnsFailures) ?? []
        takenAt = try c.decodeIfPresent(Int64.self, forKey: .takenAt) ?? 0
        probedAt = try c.decodeIfPresent(Int64.self, forKey: .probedAt)
        probeFindings = try c.decodeIfPresent([String: String].self, forKey: .probeFindings) ?? [:]
        certificateNotAfter = try c.decodeIfPresent([String: Int64].self, forKey: .certificateNotAfter) ?? [:]
        tlsFailureSessions = try c.decodeIfPresent([String: Int64].self, forKey: .tlsFailureSessions)
    }
}

extension Int64 {
    fileprivate func dividedRoundingDown(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
