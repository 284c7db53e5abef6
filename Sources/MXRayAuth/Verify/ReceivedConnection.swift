import MXRayDNS
import MXRayMessage

/// The SMTP connection facts SPF needs: the client address, its HELO name, and MAIL FROM.
public struct ConnectionFacts: Sendable, Codable, Equatable {
    public var ip: IPAddress
    public var helo: String
    public var mailFrom: String
    /// True when read from the message's own Received and Return-Path fields, not given by the
    /// receiving server (any hop could have written them).
    public var inferred: Bool

    public init(ip: IPAddress, helo: String, mailFrom: String, inferred: Bool = false) {
        self.ip = ip
        self.helo = helo
        self.mailFrom = mailFrom
        self.inferred = inferred
    }

    /// From the newest Received field (its TCP-info part, RFC 5321 §4.4, read by the one Received
    /// parser) and Return-Path.
    public static func inferred(from message: Message) -> ConnectionFacts? {
        guard let value = message.fields.first(where: { $0.is("Received") })?.value else { return nil }
        let received = ReceivedField(parsing: value)
        guard let ip = received.ip, let helo = received.helo else { return nil }
        var mailFrom = ""
        if let returnPath = message.fields.first(where: { $0.is("Return-Path") })?.value {
            mailFrom = returnPath.trimmingCharacters(in: CharacterSetLike.angle)
        }
        return ConnectionFacts(ip: ip, helo: helo, mailFrom: mailFrom, inferred: true)
    }
}

enum CharacterSetLike {
    static let angle: Set<Character> = ["<", ">", " ", "\t"]
}
