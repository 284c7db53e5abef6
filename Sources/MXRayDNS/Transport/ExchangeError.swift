/// Why one query/response exchange with one nameserver produced no reply.
enum ExchangeError: Error, Sendable, CustomStringConvertible {
    case timeout
    case network(String)
    case closedWithoutReply

    var description: String {
        switch self {
        case .timeout: "no reply before the timeout"
        case .network(let detail): "network error: \(detail)"
        case .closedWithoutReply: "connection closed without a reply"
        }
    }
}

/// Checks that a reply answers the query that was sent (RFC 5452 §9.1): same ID and same question.
/// A reply that fails this is ignored, not taken as the answer.
enum ReplyMatcher {
    static func matches(_ reply: [UInt8], id: UInt16, question: DNSQuestion) -> Bool {
        guard reply.count >= 12 else { return false }
        guard UInt16(reply[0]) << 8 | UInt16(reply[1]) == id else { return false }
        guard reply[2] & 0x80 != 0 else { return false }  // QR: must be a response
        let qdcount = UInt16(reply[4]) << 8 | UInt16(reply[5])
        if qdcount == 0 {
            // Some servers drop the question from error replies (FORMERR, NOTIMP, REFUSED).
            return reply[3] & 0x0F != 0
        }
        guard qdcount == 1 else { return false }
        var reader = WireReader(reply, offset: 12)
        guard let name = try? reader.name(), let type = try? reader.u16("question"),
            let qclass = try? reader.u16("question")
        else { return false }
        return name == question.name && type == question.type.rawValue && qclass == question.qclass.rawValue
    }
}
