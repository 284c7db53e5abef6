import MXRayDNS
import MXRayInbound
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
    /// The address connected to; nil when the host has none.
    public var address: IPAddress?
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

/// The probe of one domain (RFC 5321 §5.1 tiers, each host as a sender meets it): every address
/// of every tier, the parity matrix and the findings.
public struct ProbeReport: Sendable, Codable {
    public var domain: String
    public var mtaSTSMode: MTASTSPolicy.Mode?
    public var hosts: [HostProbe]
    /// One row per probed address: the properties compared across tiers.
    public var matrix: [MatrixRow]
    public var findings: [Finding]
    /// With `--direct`: the mailbox provider's endpoint, talked to as a sender that ignores MX.
    public var direct: [DirectProbe]?
}

/// The mailbox provider's own endpoint for the domain, probed like a sender that ignores the MX
/// records (never DATA).
public struct DirectProbe: Sendable, Codable {
    public var provider: String
    public var endpoint: String
    public var hosts: [HostProbe]
    /// True when any address accepted one of the domain's recipients at RCPT time.
    public var acceptsDirect: Bool
    /// What an RCPT-time answer can and cannot prove.
    public var limitation: String
}

/// A property the parity matrix compares across tiers.
public enum ProbeProperty: String, Sendable, Codable, CaseIterable, CodingKeyRepresentable {
    case reachable
    case starttls = "STARTTLS"
    case certificateValid = "cert valid for name"
    case modernTLS = "TLS 1.2+"
    case recipientAccepted = "recipient accepted"
    case unknownRejected = "unknown rejected"
    case sizeLimit = "size limit"

    /// Properties a later tier must match when every host of the first tier has them.
    public var isCompared: Bool { self != .sizeLimit }
}

/// A cell of the parity matrix. Encoded as "yes", "no", "deferred", "-" or the number.
public enum PropertyValue: Sendable, Codable, Equatable, CustomStringConvertible {
    case yes, no, deferred
    /// The property could not be observed (no TLS, no session, nothing asked).
    case unknown
    case number(Int)

    init(_ flag: Bool?) { self = flag.map { $0 ? .yes : .no } ?? .unknown }

    public var description: String {
        switch self {
        case .yes: "yes"
        case .no: "no"
        case .deferred: "deferred"
        case .unknown: "-"
        case .number(let n): String(n)
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "yes": self = .yes
        case "no": self = .no
        case "deferred": self = .deferred
        case "-": self = .unknown
        default:
            guard let n = Int(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: text))
            }
            self = .number(n)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

public struct MatrixRow: Sendable, Codable, Equatable {
    public var tier: Int
    public var host: String
    public var address: IPAddress?
    public var values: [ProbeProperty: PropertyValue]

    public func value(_ property: ProbeProperty) -> PropertyValue { values[property] ?? .unknown }
}
