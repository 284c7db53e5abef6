/// How much a finding matters. Ordered: critical is the highest.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, low, medium, high, critical

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (l: Severity, r: Severity) -> Bool { l.rank < r.rank }
}

/// Every finding id mxray can report, declared once. An id never changes meaning once shipped. The audit's ids come
/// first, then the probe's.
public enum FindingID: String, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    // The MX tiers (RFC 5321 §5.1, RFC 7505).
    case backupMXBypassesGateway = "backup-mx-bypasses-gateway"
    case singleVendor = "single-vendor"
    case mxSingleHost = "mx-single-host"
    case mxMissing = "mx-missing"
    case nullMX = "null-mx"
    case mxTargetCNAME = "mx-target-cname"
    case mxTargetIPLiteral = "mx-target-ip-literal"
    case mxTargetUnresolvable = "mx-target-unresolvable"
    case mxTargetPrivateAddress = "mx-target-private-address"
    case mxTargetDocumentationAddress = "mx-target-documentation-address"
    /// No catalog entry names the host's operator: the bypass check could not be made for it.
    case mxOperatorUnknown = "mx-operator-unknown"
    /// The mailbox provider takes the domain's mail at an endpoint no MX record names.
    case mailboxEndpointReachable = "mailbox-endpoint-reachable"
    // MTA-STS (RFC 8461) and TLS reporting (RFC 8460).
    case mtaSTSMissing = "mta-sts-missing"
    case mtaSTSRecordInvalid = "mta-sts-record-invalid"
    case mtaSTSPolicyUnreachable = "mta-sts-policy-unreachable"
    case mtaSTSPolicyInvalid = "mta-sts-policy-invalid"
    case mtaSTSMXNotCovered = "mta-sts-mx-not-covered"
    case mtaSTSTestingMode = "mta-sts-testing-mode"
    case tlsRPTMissing = "tls-rpt-missing"
    // SPF (RFC 7208) and DMARC (RFC 9989).
    case spfMissing = "spf-missing"
    case spfInvalid = "spf-invalid"
    case spfTooManyLookups = "spf-too-many-lookups"
    /// A tier's vendor relays outbound mail, and its SPF include is missing.
    case spfMissingTierVendor = "spf-missing-tier-vendor"
    case dmarcMissing = "dmarc-missing"
    case dmarcInvalid = "dmarc-invalid"
    case dmarcPolicyNone = "dmarc-policy-none"
    /// A lookup failed: its facts are unknown, never reported as absent.
    case dnsFailure = "dns-failure"
    // The SMTP probe (RFC 5321, RFC 3207, RFC 8461 §4); the last is --direct.
    case smtpUnreachable = "smtp-unreachable"
    case smtpSessionFailed = "smtp-session-failed"
    case starttlsMissing = "starttls-missing"
    case tlsHandshakeFailed = "tls-handshake-failed"
    case tlsCertificateUntrusted = "tls-certificate-untrusted"
    case tlsCertificateNameMismatch = "tls-certificate-name-mismatch"
    case tlsCertificateExpiring = "tls-certificate-expiring"
    case tlsLegacyVersion = "tls-legacy-version"
    case rcptRejected = "rcpt-rejected"
    case rcptDeferred = "rcpt-deferred"
    case rcptAcceptAll = "rcpt-accept-all"
    case tierPostureMismatch = "tier-posture-mismatch"
    case mtaSTSHostWouldFail = "mta-sts-host-would-fail"
    /// The mailbox provider's endpoint accepted the domain's recipients from an arbitrary client.
    case mailboxEndpointAcceptsDirect = "mailbox-endpoint-accepts-direct"
    // What senders reported back (`--reports DB`): TLS-RPT (RFC 8460) and DMARC aggregate reports.
    /// Senders report failed TLS sessions to hosts of a tier.
    case reportsTLSFailures = "reports-tls-failures"
    /// More of the domain's mail fails DMARC than the threshold.
    case reportsDMARCFailureRate = "reports-dmarc-failure-rate"
    /// `mxray watch`: the MTA-STS policy changed and the record's id did not (RFC 8461 §3.1).
    case mtaSTSIDNotUpdated = "mta-sts-id-not-updated"

    public var description: String { rawValue }

    /// Ordered by the id as written, so reports list findings of equal severity alphabetically.
    public static func < (l: FindingID, r: FindingID) -> Bool { l.rawValue < r.rawValue }
}

/// One thing the audit or the probe found: a stable id that never changes
/// meaning, a severity, a one-line title, the evidence, what to do, and the RFC section where one
/// applies.
public struct Finding: Sendable, Codable, Equatable {
    public var id: FindingID
    public var severity: Severity
    public var title: String
    public var evidence: [String]
    public var remediation: String
    public var rfc: String?

    public init(
        _ id: FindingID, _ severity: Severity, _ title: String, evidence: [String], remediation: String,
        rfc: String? = nil
    ) {
        self.id = id
        self.severity = severity
        self.title = title
        self.evidence = evidence
        self.remediation = remediation
        self.rfc = rfc
    }
}

extension Array where Element == Finding {
    /// The one order every report uses: highest severity first, then by id. The sort is stable,
    /// so findings with the same severity and id keep the order they were found in.
    public func ordered() -> [Finding] {
        enumerated().sorted { a, b in
            if a.element.severity != b.element.severity { return a.element.severity > b.element.severity }
            if a.element.id != b.element.id { return a.element.id < b.element.id }
            return a.offset < b.offset
        }.map(\.element)
    }
}
