import MXRayAudit
import MXRaySMTP

/// What the TLS handshake and the certificate showed, as an MTA-STS sender would judge them
/// (RFC 8461 §4.2: a certificate valid for the MX host name, chaining to a trusted root).
public struct TLSProbe: Sendable, Codable, Equatable {
    /// False when the handshake did not complete even without certificate checks.
    public var handshake: Bool
    public var version: String?
    /// Chains to a root the probe trusts (the system's, or --ca-file).
    public var trusted: Bool?
    /// Names the MX host (DNS subjectAltName, one-label wildcard allowed; RFC 6125).
    public var nameValid: Bool?
    public var subjectNames: [String]
    public var notAfter: Int64?
    public var daysToExpiry: Int?
    public var detail: String?
}

/// The fate of one RCPT TO.
public struct RecipientProbe: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case accepted, deferred, rejected, error }
    public var address: String
    public var status: Status
    public var reply: String
}

/// One address of one MX host, probed the way a sender would (never DATA).
public struct HostProbe: Sendable, Codable, Equatable {
    public var host: String
    public var address: String
    public var tier: Int
    public var reachable: Bool
    public var banner: String?
    /// False when EHLO was refused and HELO was used.
    public var ehlo: Bool
    public var extensions: [String]
    public var sizeLimit: Int?
    public var starttlsOffered: Bool
    public var tls: TLSProbe?
    public var mailFrom: String?
    public var recipients: [RecipientProbe]
    /// RCPT TO for an address that should not exist: rejected means the host validates recipients.
    public var unknownRecipient: RecipientProbe?
    /// What went wrong, in words (a stall, garbage, a dropped connection).
    public var error: String?
    public var transcript: [TranscriptLine]
    public var elapsed: Double
}

/// The probe of one domain: every address of every tier, the parity matrix and the findings.
public struct ProbeReport: Sendable, Codable {
    public var domain: String
    public var mtaSTSMode: String?
    public var hosts: [HostProbe]
    /// Property → host → value, for the matrix a person reads.
    public var matrix: [MatrixRow]
    public var findings: [Finding]
}

public struct MatrixRow: Sendable, Codable, Equatable {
    public var tier: Int
    public var host: String
    public var address: String
    public var values: [String: String]
}
