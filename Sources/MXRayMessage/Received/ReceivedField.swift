import MXRayDNS

/// One Received field, parsed (RFC 5321 §4.4 and the variants Postfix, Exim, Microsoft 365,
/// Google, Mimecast and Proofpoint write). What cannot be parsed stays in `raw`, never dropped.
/// The one Received parser: `verify --from-received` and the trace both read hops through it.
public struct ReceivedField: Sendable, Codable, Equatable {
    /// The field value as written, unfolded.
    public var raw: String
    /// The name the client gave in HELO/EHLO.
    public var helo: String?
    /// The client's name from reverse DNS, as the receiving host recorded it.
    public var reverseName: String?
    /// The client's address, as the receiving host observed it.
    public var ip: IPAddress?
    /// The receiving host.
    public var by: String?
    /// The software the receiving host names (Postfix, PPS, Exim 4.96 ...), when it says.
    public var software: String?
    /// ESMTP, ESMTPS, ESMTPSA, LMTP, SMTP, "Microsoft SMTP Server" ...
    public var with: String?
    /// True when the hop used TLS (from the protocol or the TLS details), nil when unknown.
    public var tls: Bool?
    public var tlsVersion: String?
    public var tlsCipher: String?
    public var id: String?
    /// The envelope recipient, when the hop recorded it.
    public var recipient: String?
    public var envelopeFrom: String?
    public var date: Int64?
    public var dateText: String?
    /// False when not even "by" could be read: the field is shown raw.
    public var parsed: Bool

    public init(parsing value: String) {
        raw = value.split(whereSeparator: \.isNewline).joined(separator: " ")
        parsed = false
        var text = raw
        // The date follows the last semicolon (RFC 5321 §4.4).
        if let semi = text.lastIndex(of: ";") {
            let tail = String(text[text.index(after: semi)...]).trimmingCharacters(in: [" ", "\t"])
            if let d = MessageDate.parse(tail) {
                date = d
                dateText = tail
                text = String(text[..<semi])
            }
        }
        let tokens = ReceivedTokenizer.tokens(text)
        var i = 0
        var sawBy = false
        func comments(after index: Int) -> [String] {
            var out: [String] = []
            var j = index
            while j < tokens.count, case .comment(let c) = tokens[j] {
                out.append(c)
                j += 1
            }
            return out
        }
        while i < tokens.count {
            guard case .word(let w) = tokens[i] else {
                i += 1
                continue
            }
            let keyword = w.lowercased()
            let next: String? = {
                if i + 1 < tokens.count, case .word(let n) = tokens[i + 1] { return n } else { return nil }
            }()
            switch keyword {
            case "from" where helo == nil && next != nil:
                helo = next
                for c in comments(after: i + 2) { absorbFromComment(c) }
                i += 2
            case "by" where !sawBy && next != nil:
                sawBy = true
                // `by host;` when no date follows, `by host,` (obtuse smtpd); a mailbox is no host.
                let host = next!.trimmingCharacters(in: [";", ",", "."])
                by = host.isEmpty || host.contains("@") ? nil : host
                for c in comments(after: i + 2) {
                    if IPAddress(c) == nil, software == nil, !c.contains("=") { software = c }
                }
                i += 2
            case "with" where with == nil && next != nil:
                // "with Microsoft SMTP Server" is three words; most MTAs write one.
                if next == "Microsoft", i + 3 < tokens.count, case .word(let a) = tokens[i + 2],
                    case .word(let b) = tokens[i + 3], a == "SMTP", b == "Server"
                {
                    with = "Microsoft SMTP Server"
                    i += 4
                } else {
                    with = next
                    i += 2
                }
            case "id" where id == nil && next != nil:
                id = next
                i += 2
            case "for" where recipient == nil && next != nil:
                recipient = next!.trimmingCharacters(in: ["<", ">", ";"])
                i += 2
            default:
                i += 1
            }
        }
        ip = Self.observedAddress(tokens, with: with, raw: raw)
        // TLS details anywhere in the field.
        readTLS(raw)
        if let w = with?.uppercased(), tls == nil {
            if ["ESMTPS", "ESMTPSA", "SMTPS", "LMTPS", "UTF8SMTPS", "UTF8SMTPSA"].contains(w) {
                tls = true
            } else if ["ESMTP", "SMTP", "LMTP", "ESMTPA", "UTF8SMTP"].contains(w) {
                tls = false
            }
        }
        if raw.contains("Google Transport Security") { tls = true }
        if let envelope = raw.range(of: "envelope-from <") {
            envelopeFrom = String(raw[envelope.upperBound...].prefix { $0 != ">" })
        }
        parsed = by != nil
    }

    /// The observed address: from the from-clause's TCP-info (`TCPInfo`), or, when the field
    /// opens with a comment (`(from NAME [IP]) by`, qmail's `(qmail 1 invoked from network[IP/...])`),
    /// from that comment.
    static func observedAddress(_ tokens: [ReceivedTokenizer.Token], with: String?, raw: String) -> IPAddress? {
        let http = with?.uppercased().hasPrefix("HTTP") == true || raw.range(of: "via HTTP") != nil
        func isWord(_ t: ReceivedTokenizer.Token, _ w: String) -> Bool {
            if case .word(let x) = t { return x.lowercased() == w }
            return false
        }
        if let from = tokens.firstIndex(where: { isWord($0, "from") }) {
            let end = tokens[(from + 1)...].firstIndex(where: { isWord($0, "by") }) ?? tokens.endIndex
            return TCPInfo.observedAddress(Array(tokens[(from + 1)..<end]), httpSubmission: http)
        }
        guard case .comment(let first)? = tokens.first else { return nil }
        if first.lowercased().hasPrefix("from ") {
            return TCPInfo.observedAddress(ReceivedTokenizer.tokens(String(first.dropFirst(5))), httpSubmission: http)
        }
        return TCPInfo.address(inComment: first)
    }

    /// `(rdns [ip])`, `(rdns. [ip])`, `([ip] helo=name)`, `(name HELO helo)`: the reverse name and
    /// the HELO argument where the receiver recorded them (the address comes from `TCPInfo`).
    mutating func absorbFromComment(_ c: String) {
        let slotIsLiteral = helo.map { $0.hasPrefix("[") || IPAddress($0) != nil } ?? true
        if let open = c.firstIndex(of: "["), c[open...].contains("]") {
            let before = c[..<open].trimmingCharacters(in: [" ", "\t"])
            let beforeWords = before.split(separator: " ")
            if !before.isEmpty && reverseName == nil && beforeWords.count == 1
                && !TCPInfo.heloWords.contains(before.lowercased())
            {
                var name = before
                if name.hasSuffix(".") { name.removeLast() }
                if name.lowercased() != "unknown" { reverseName = name }
            }
        }
        guard let argument = TCPInfo.splitHELO(c).helo, !argument.isEmpty else { return }
        // Exim and qmail: the name in the from-slot is the verified reverse name, the HELO argument
        // stands beside it.
        if reverseName == nil, !slotIsLiteral, let slot = helo, slot.lowercased() != "unknown" { reverseName = slot }
        helo = argument
    }

    mutating func readTLS(_ text: String) {
        func value(after key: String) -> String? {
            guard let r = text.range(of: key) else { return nil }
            let v = text[r.upperBound...].prefix { !" ,;)".contains($0) }
            return v.isEmpty ? nil : String(v)
        }
        if let r = text.range(of: "using ") {
            // Postfix: "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) ...)"
            let after = text[r.upperBound...]
            let version = after.prefix { $0 != " " }
            if version.hasPrefix("TLS") || version.hasPrefix("SSL") {
                tls = true
                tlsVersion = String(version)
                tlsCipher = value(after: "with cipher ")
            }
        }
        if let v = value(after: "version=") {
            tls = true
            tlsVersion = tlsVersion ?? v
        }
        if let c = value(after: "cipher=") {
            tls = true
            tlsCipher = tlsCipher ?? c
        }
        // Exim: "with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384"
        if let c = value(after: " tls ") {
            tls = true
            tlsCipher = tlsCipher ?? c
        }
        if tlsVersion == nil, let r = text.range(of: "(TLS1.") {
            tls = true
            tlsVersion = "TLS1." + text[r.upperBound...].prefix { $0.isNumber }
        }
    }
}

/// Splits a Received value into words and comments (nested parentheses kept together).
enum ReceivedTokenizer {
    enum Token: Equatable { case word(String), comment(String) }
    /// Comments nest at most this deep; deeper text is kept as part of the comment.
    static let maxDepth = 8

    static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        var word = ""
        var comment = ""
        var depth = 0
        for c in text {
            if depth > 0 {
                if c == "(" {
                    depth += 1
                    if depth <= maxDepth { comment.append(c) }
                    continue
                }
                if c == ")" {
                    depth -= 1
                    if depth == 0 {
                        out.append(.comment(comment.trimmingCharacters(in: [" "])))
                        comment = ""
                    } else {
                        comment.append(c)
                    }
                    continue
                }
                comment.append(c)
                continue
            }
            if c == "(" {
                if !word.isEmpty {
                    out.append(.word(word))
                    word = ""
                }
                depth = 1
                continue
            }
            if c.isWhitespace {
                if !word.isEmpty {
                    out.append(.word(word))
                    word = ""
                }
                continue
            }
            word.append(c)
        }
        if !word.isEmpty { out.append(.word(word)) }
        if depth > 0 && !comment.isEmpty { out.append(.comment(comment)) }
        return out
    }
}
