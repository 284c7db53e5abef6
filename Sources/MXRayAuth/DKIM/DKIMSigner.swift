import MXRayMessage

/// Signs a message with a DKIM-Signature (RFC 6376 §5).
public struct DKIMSigner: Sendable {
    /// RFC 6376 §5.4.1: the fields a signer should cover when present.
    public static let recommendedHeaders = [
        "from", "reply-to", "subject", "date", "to", "cc", "resent-date", "resent-from", "resent-to", "resent-cc",
        "in-reply-to", "references", "list-id", "list-help", "list-unsubscribe", "list-subscribe", "list-post",
        "list-owner", "list-archive",
    ]

    public var domain: String
    public var selector: String
    public var key: PrivateKey
    public var headerCanonicalization: Canonicalization = .relaxed
    public var bodyCanonicalization: Canonicalization = .relaxed
    /// The fields to sign, by name; nil signs the recommended ones that are present, with From
    /// signed once more than it appears so that a From added later breaks the signature.
    public var headers: [String]?
    /// Signs only this many canonical body octets (l=). Off by default: l= lets anyone append.
    public var bodyLength: Int?
    public var timestamp: Int64?
    public var expiration: Int64?

    public init(domain: String, selector: String, key: PrivateKey) {
        self.domain = domain
        self.selector = selector
        self.key = key
    }

    /// The h= list for this message.
    func signedHeaderNames(for message: Message) -> [String] {
        if let headers { return headers }
        var names: [String] = []
        for name in Self.recommendedHeaders {
            let count = message.fields.filter { $0.is(name) }.count
            names += Array(repeating: name, count: count + (name == "from" ? 1 : 0))
        }
        return names
    }

    /// The DKIM-Signature field to put on top of the message.
    public func signatureField(for message: Message) throws(KeyError) -> HeaderField {
        // RFC 6376 §5.4: From must be signed, and RFC 5322 §3.6 requires the message to have one.
        guard message.fields.contains(where: { $0.is("From") }) else {
            throw .signingFailed("the message has no From field; RFC 6376 §5.4 requires signing it")
        }
        let body = SignedData.bodyHash(message.body, bodyCanonicalization, limit: bodyLength)
        let names = signedHeaderNames(for: message)
        var tags: [(String, String)] = [
            ("v", "1"), ("a", key.algorithm.rawValue),
            ("c", "\(headerCanonicalization.rawValue)/\(bodyCanonicalization.rawValue)"),
            ("d", domain), ("s", selector),
        ]
        if let timestamp { tags.append(("t", String(timestamp))) }
        if let expiration { tags.append(("x", String(expiration))) }
        if let bodyLength { tags.append(("l", String(min(bodyLength, body.length)))) }
        tags.append(("h", names.joined(separator: ":")))
        tags.append(("bh", Base64.encode(body.hash)))
        let unsigned = HeaderFolding.field(name: "DKIM-Signature", tags: tags + [("b", "")])
        let data = SignedData.headerData(
            fields: message.fields, signedHeaders: names,
            canon: headerCanonicalization, signatureField: unsigned, signatureIndex: nil)
        let signature = Base64.encode(try key.sign(data))
        // b= is last, so folding inside its value cannot change what was signed (RFC 6376 §3.5).
        return HeaderFolding.field(name: "DKIM-Signature", tags: tags + [("b", signature)])
    }

    /// The message with the signature added on top.
    public func sign(_ message: Message) throws(KeyError) -> Message {
        message.prepending([try signatureField(for: message)])
    }
}

/// Writes tag lists as header fields folded near 78 columns (RFC 5322 §2.1.1).
enum HeaderFolding {
    static func field(name: String, tags: [(String, String)]) -> HeaderField {
        var lines: [String] = []
        var line = "\(name):"
        for (index, (tag, value)) in tags.enumerated() {
            let isLast = index == tags.count - 1
            var piece = "\(tag)=\(value)" + (isLast ? "" : ";")
            // b= always starts its own line, so the bytes before it are the same whether its
            // value is empty (while signing) or filled in: simple canonicalization sees them.
            if (line.utf8.count + 1 + piece.utf8.count > 78 || tag == "b") && line != "\(name):" {
                lines.append(line)
                line = "\t"
            } else {
                line += " "
            }
            // Long values (b=, bh=, h=) are broken across lines; base64 ignores the folding.
            while line.utf8.count + piece.utf8.count > 78, tag == "b" || tag == "bh" {
                let room = max(78 - line.utf8.count, 20)
                line += String(piece.prefix(room))
                piece = String(piece.dropFirst(room))
                lines.append(line)
                line = "\t "
            }
            line += piece
        }
        lines.append(line)
        let text = lines.joined(separator: "\r\n")
        let raw = Array(text.utf8)
        return HeaderField(name: name, raw: raw, valueOffset: name.utf8.count + 1)
    }
}
