import MXRayInbound
import MXRayProbe

/// The marks on a host box: MTA-STS coverage (RFC 8461 §4.1), DANE presence (RFC 7672) and, when the
/// probe ran, what the host did over SMTP. Each mark carries a symbol and a word, not colour alone.
enum HostBadges {
    struct Mark: Sendable {
        var text: String
        var style: String
        var meaning: String
    }

    static func badges(_ host: HostFacts, probe: ProbeReport?) -> [Mark] {
        var marks: [Mark] = []
        switch host.coveredByMTASTS {
        case true?: marks.append(.init(text: "MTA-STS ✓", style: "ok", meaning: "the MTA-STS policy lists this host"))
        case false?:
            marks.append(
                .init(
                    text: "MTA-STS ✗", style: "bad",
                    meaning: "the MTA-STS policy does not list this host: senders that enforce it refuse it"))
        case nil: marks.append(.init(text: "MTA-STS –", style: "none", meaning: "no MTA-STS policy"))
        }
        if host.tlsaRecords > 0 {
            marks.append(.init(text: "DANE ✓", style: "ok", meaning: "\(host.tlsaRecords) TLSA records"))
        } else {
            marks.append(.init(text: "DANE –", style: "none", meaning: "no TLSA records at _25._tcp.\(host.name)"))
        }
        guard let probe else { return marks }
        let rows = probe.matrix.filter { $0.host.caseInsensitiveCompare(host.name) == .orderedSame }
        guard !rows.isEmpty else {
            marks.append(.init(text: "not probed", style: "none", meaning: "the probe reached no address of this host"))
            return marks
        }
        let checks: [(String, [ProbeProperty], String)] = [
            ("SMTP", [.reachable], "answered on port 25"),
            ("TLS", [.starttls, .modernTLS], "offered STARTTLS with TLS 1.2 or later"),
            ("cert", [.certificateValid], "certificate trusted and valid for the name"),
            ("RCPT", [.recipientAccepted], "accepted the test recipient"),
        ]
        for (word, properties, meaning) in checks {
            let values = rows.flatMap { row in properties.map { row.value($0) } }
            marks.append(mark(word, values, meaning: meaning))
        }
        return marks
    }

    /// One mark over every probed address: any no is a failure, all yes a pass.
    static func mark(_ word: String, _ values: [PropertyValue], meaning: String) -> Mark {
        if values.contains(.no) { return .init(text: "\(word) ✗", style: "bad", meaning: "not " + meaning) }
        if values.contains(.deferred) {
            return .init(text: "\(word) ↻", style: "warn", meaning: "deferred (4xx): " + meaning)
        }
        if !values.isEmpty && values.allSatisfy({ $0 == .yes }) {
            return .init(text: "\(word) ✓", style: "ok", meaning: meaning)
        }
        return .init(text: "\(word) –", style: "none", meaning: "not known: " + meaning)
    }
}

/// The picture in one or two sentences, for the page's text and for readers that do not see it.
enum FlowDescription {
    static func sentence(_ facts: FlowFacts, bypassing: Bool) -> String {
        let tiers = facts.tiers.filter { !$0.hosts.isEmpty }
        guard !tiers.isEmpty else {
            switch facts.kind {
            case .null: return "\(facts.domain) publishes a null MX (RFC 7505): it accepts no mail."
            case .none: return "\(facts.domain) has no MX and no address: mail to it cannot be delivered."
            default: return "The MX tiers of \(facts.domain) are not known: the DNS lookup failed."
            }
        }
        let parts = tiers.map { tier -> String in
            let operators = Set(tier.hosts.map { "\($0.operator.vendor) (\($0.operator.role.rawValue))" }).sorted()
            let hosts = tier.hosts.count == 1 ? "1 host" : "\(tier.hosts.count) hosts"
            return "MX \(tier.preference): \(hosts), \(operators.joined(separator: ", "))"
        }
        var text = "Senders try the tiers in preference order: " + parts.joined(separator: "; then ") + "."
        if let provider = facts.mailboxProvider { text += " The mailboxes are at \(provider)." }
        if bypassing { text += " A tier delivers to the mailboxes without passing a gateway." }
        if let direct = facts.directEndpoint {
            text += " \(direct.provider) also takes the domain's mail at \(direct.host), which no MX record names."
        }
        return text
    }
}
