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
        self.ip = ip; self.helo = helo; self.mailFrom = mailFrom; self.inferred = inferred
    }

    /// From the newest Received field (`from HELO (name [IP])`, RFC 5321 §4.4) and Return-Path.
    public static func inferred(from message: Message) -> ConnectionFacts? {
        guard let received = message.fields.first(where: { $0.is("Received") })?.value else { return nil }
        let words = received.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let fromIndex = words.firstIndex(where: { $0.lowercased() == "from" }), fromIndex + 1 < words.count else { return nil }
        let helo = String(words[fromIndex + 1])
        // The first bracketed address literal after "from" is the connecting client.
        var ip: IPAddress?
        var rest = Substring(received)
        while ip == nil, let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
            var literal = String(rest[rest.index(after: open)..<close])
            if literal.lowercased().hasPrefix("ipv6:") { literal = String(literal.dropFirst(5)) }
            ip = IPAddress(literal)
            rest = rest[rest.index(after: close)...]
        }
        guard let ip else { return nil }
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

extension String {
    /// Without leading and trailing characters of `set`.
    public func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
