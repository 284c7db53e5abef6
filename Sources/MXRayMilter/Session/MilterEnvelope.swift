import MXRayDNS

/// What the MTA told the filter about one message by its end: the connection, the envelope, the
/// macros, the header fields as they arrived and the body.
public struct MilterEnvelope: Sendable {
    /// The client's address when the MTA gave one (not for a Unix-socket or local submission).
    public var clientAddress: IPAddress?
    public var clientName: String
    public var helo: String
    /// The envelope sender without angle brackets; empty for the null sender.
    public var mailFrom: String
    public var recipients: [String]
    /// Every macro the MTA sent for this connection and message, the last value of each name.
    public var macros: [String: String]
    /// Header fields in order: name, and the value as sent (with its leading space when
    /// `leadingSpace` is true, folds as LF or CRLF).
    public var headers: [(name: String, value: String)]
    public var leadingSpace: Bool
    public var body: [UInt8]
    /// The body was over the size limit and was not kept.
    public var oversized: Bool

    /// The MTA's queue id (`i`), for the logs.
    public var queueID: String { macros["i"] ?? "-" }
    /// The SMTP AUTH identity (`{auth_authen}`), when the client authenticated.
    public var authenticatedUser: String? { macros["auth_authen"].flatMap { $0.isEmpty ? nil : $0 } }
}
