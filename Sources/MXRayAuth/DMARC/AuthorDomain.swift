import MXRayDNS

/// The domains of the addresses in a From field (RFC 5322 §3.6.2, §3.4): display names, quoted
/// strings, comments, groups and encoded words are skipped; the domain after the last `@` of each
/// mailbox is kept, lower-cased.
public enum AuthorDomain {
    /// A From field with more mailboxes than this is not read further.
    static let maxMailboxes = 100

    public static func domains(inFromValue value: String) -> [String] {
        var mailboxes: [String] = []
        var current = ""
        var depth = 0  // comment nesting
        var quoted = false
        var angle = false
        var escaped = false
        for c in value {
            if escaped {
                escaped = false
                if !quoted && depth == 0 { current.append(c) }
                continue
            }
            if c == "\\" && (quoted || depth > 0) {
                escaped = true
                continue
            }
            if quoted {
                if c == "\"" { quoted = false }
                continue
            }
            if depth > 0 {
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                continue
            }
            switch c {
            case "\"": quoted = true
            case "(": depth = 1
            case "<":
                angle = true
                current = "<"
            case ">":
                angle = false
                current.append(">")
            case ",", ";":
                if !angle {
                    mailboxes.append(current)
                    current = ""
                } else {
                    current.append(c)
                }
            case ":":
                // A group ("Team: a@x, b@y;"): the name before ':' is not an address.
                if !angle { current = "" } else { current.append(c) }
            default: current.append(c)
            }
            if mailboxes.count >= maxMailboxes { break }
        }
        mailboxes.append(current)
        var domains: [String] = []
        for mailbox in mailboxes {
            var address = mailbox
            if let open = address.lastIndex(of: "<") {
                address = String(address[address.index(after: open)...])
                if let close = address.firstIndex(of: ">") { address = String(address[..<close]) }
            }
            address = address.trimmingFWS
            guard let at = address.lastIndex(of: "@") else { continue }
            var domain = String(address[address.index(after: at)...]).trimmingFWS.lowercased()
            if domain.hasSuffix(".") { domain.removeLast() }
            if domain.hasPrefix("[") { continue }  // a domain literal has no DMARC record
            // An internationalised address (RFC 6532) is looked up in A-label form (RFC 5891).
            if let ascii = try? IDNA.toASCII(domain) { domain = ascii }
            if !domain.isEmpty && !domains.contains(domain) { domains.append(domain) }
        }
        return domains
    }
}
