import MXRayInbound

/// Judges probe results: the host × property matrix and the findings (pure).
public enum ProbeJudge {
    static func values(_ h: HostProbe) -> [ProbeProperty: PropertyValue] {
        var v: [ProbeProperty: PropertyValue] = [:]
        let talked = h.reachable && h.banner != nil
        v[.reachable] = PropertyValue(talked)
        v[.starttls] = talked ? PropertyValue(h.starttlsOffered) : .unknown
        if let tls = h.tls {
            let valid = (tls.nameValid ?? false) && (tls.trusted ?? false) && (tls.daysToExpiry ?? 0) >= 0
            v[.certificateValid] = tls.handshake ? PropertyValue(valid) : .no
            v[.modernTLS] =
                tls.version.map { PropertyValue(["TLSv1.2", "TLSv1.3"].contains($0)) }
                ?? (tls.handshake ? .unknown : .no)
        } else {
            v[.certificateValid] = .unknown
            v[.modernTLS] = .unknown
        }
        let statuses = h.recipients.map(\.status)
        if statuses.isEmpty {
            v[.recipientAccepted] = .unknown
        } else if statuses.allSatisfy({ $0 == .accepted }) {
            v[.recipientAccepted] = .yes
        } else {
            v[.recipientAccepted] = statuses.contains(.deferred) && !statuses.contains(.rejected) ? .deferred : .no
        }
        v[.unknownRejected] =
            h.unknownRecipient.map { u -> PropertyValue in
                switch u.status {
                case .rejected: .yes
                case .deferred: .deferred
                case .accepted: .no
                case .error: .unknown
                }
            } ?? .unknown
        v[.sizeLimit] = h.sizeLimit.map(PropertyValue.number) ?? .unknown
        return v
    }

    public static func matrix(_ hosts: [HostProbe]) -> [MatrixRow] {
        hosts.map { MatrixRow(tier: $0.tier, host: $0.host, address: $0.address, values: values($0)) }
    }

    static func name(_ h: HostProbe) -> String {
        "tier \(h.tier) \(h.host) [\(h.address?.description ?? "no address")]"
    }

    public static func findings(_ hosts: [HostProbe], policy: MTASTSPolicy?, now: Int64) -> [Finding] {
        var out: [Finding] = []
        func add(
            _ id: FindingID, _ severity: Severity, _ title: String, _ evidence: [String], _ fix: String,
            _ rfc: String? = nil
        ) {
            out.append(Finding(id, severity, title, evidence: evidence, remediation: fix, rfc: rfc))
        }
        for h in hosts {
            let n = name(h)
            guard h.reachable && h.banner != nil else {
                add(
                    .smtpUnreachable, .high, "\(h.host) does not answer SMTP", ["\(n): \(h.error ?? "no banner")"],
                    "Check that the host listens on port 25 and is reachable from the Internet.", "RFC 5321 §3.1")
                continue
            }
            if let error = h.error {
                // It answered, then the conversation broke off: a stall, garbage or a dropped connection.
                add(
                    .smtpSessionFailed, .high, "The SMTP conversation with \(h.host) broke off",
                    ["\(n): \(error)"],
                    "Check the host's logs for the probe's session; a sender meets the same failure.", "RFC 5321 §4.1")
            }
            if !h.starttlsOffered {
                add(
                    .starttlsMissing, .high, "\(h.host) does not offer STARTTLS: mail to it travels in clear text",
                    [
                        "\(n): EHLO lists "
                            + "\(h.extensions.isEmpty ? "no extensions" : h.extensions.joined(separator: ", "))"
                    ],
                    "Enable STARTTLS with a certificate valid for the MX host name.", "RFC 3207")
            }
            if let tls = h.tls {
                if !tls.handshake {
                    add(
                        .tlsHandshakeFailed, .high, "The TLS handshake with \(h.host) fails",
                        ["\(n): \(tls.detail ?? "")"],
                        "Fix the host's TLS configuration; senders fall back to clear text or refuse.",
                        "RFC 3207 §4.1")
                } else {
                    // An expired certificate fails verification too; report the cause, not both.
                    if tls.trusted == false && (tls.daysToExpiry ?? 0) >= 0 {
                        add(
                            .tlsCertificateUntrusted, .medium,
                            "\(h.host)'s certificate does not chain to a trusted root",
                            [
                                "\(n): \(tls.detail ?? "verification failed")",
                                "names: \(tls.subjectNames.joined(separator: ", "))",
                            ],
                            "Install a certificate from a public CA (with its intermediates).", "RFC 8461 §4.2")
                    }
                    if tls.nameValid == false {
                        add(
                            .tlsCertificateNameMismatch, .medium, "\(h.host)'s certificate does not name the MX host",
                            [
                                "\(n): certificate names "
                                    + (tls.subjectNames.isEmpty ? "nothing" : tls.subjectNames.joined(separator: ", "))
                            ],
                            "Use a certificate whose subjectAltName lists the MX host name (a *. wildcard covers "
                                + "one label).",
                            "RFC 8461 §4.2")
                    }
                    if let days = tls.daysToExpiry, days < 14 {
                        add(
                            .tlsCertificateExpiring, days < 0 ? .high : .medium,
                            days < 0
                                ? "\(h.host)'s certificate has expired"
                                : "\(h.host)'s certificate expires in \(days) days",
                            ["\(n): not valid after \(tls.notAfter.map(String.init) ?? "?") (epoch seconds)"],
                            "Renew the certificate, and automate renewal.")
                    }
                    if let v = tls.version, ["TLSv1.0", "TLSv1.1"].contains(v) {
                        add(
                            .tlsLegacyVersion, .medium, "\(h.host) negotiates \(v)", ["\(n): \(v)"],
                            "Enable TLS 1.2 and 1.3.", "RFC 8996")
                    }
                }
            }
            for r in h.recipients where r.status == .rejected {
                add(
                    .rcptRejected, .high, "\(h.host) rejects \(r.address): this tier does not accept the domain's mail",
                    ["\(n): RCPT TO:<\(r.address)> → \(r.reply)"],
                    "Configure the host as a gateway for the domain (accepted domains, recipient list) like the "
                        + "first tier.",
                    "RFC 5321 §3.3")
            }
            for r in h.recipients where r.status == .deferred {
                add(
                    .rcptDeferred, .medium,
                    "\(h.host) defers \(r.address) (greylisting, rate limits or a temporary fault)",
                    ["\(n): RCPT TO:<\(r.address)> → \(r.reply)"],
                    "Check the host's policy for the domain; probe again later.", "RFC 5321 §4.2.5")
            }
            if let u = h.unknownRecipient, u.status == .accepted {
                add(
                    .rcptAcceptAll, .medium, "\(h.host) accepts any recipient and must bounce later (backscatter)",
                    ["\(n): RCPT TO:<\(u.address)> → \(u.reply)"],
                    "Validate recipients at RCPT time (directory lookup) as the first tier does.", "RFC 5321 §3.3")
            }
        }
        out += parity(hosts)
        if let policy, policy.mode == .enforce {
            for h in hosts {
                var why: [String] = []
                if !policy.covers(h.host) { why.append("not listed in the policy's mx patterns") }
                if h.reachable && h.banner != nil && !h.starttlsOffered { why.append("no STARTTLS") }
                if let tls = h.tls {
                    if !tls.handshake { why.append("TLS handshake fails") }
                    // An expired certificate fails verification too; report the cause, not both.
                    if tls.trusted == false && (tls.daysToExpiry ?? 0) >= 0 { why.append("certificate not trusted") }
                    if tls.nameValid == false { why.append("certificate does not name \(h.host)") }
                    if let d = tls.daysToExpiry, d < 0 { why.append("certificate expired") }
                }
                if !why.isEmpty {
                    add(
                        .mtaSTSHostWouldFail, .critical,
                        "Compliant senders refuse \(h.host): the MTA-STS policy is in enforce mode",
                        ["\(name(h)): " + why.joined(separator: "; ")],
                        "Fix the host's TLS (a trusted certificate naming it) and list it in the policy, or take "
                            + "it out of MX.",
                        "RFC 8461 §4, §5")
                }
            }
        }
        return out.ordered()
    }

    /// mailbox-endpoint-accepts-direct: the provider's own endpoint took the domain's recipients
    /// from a client that is not the gateway.
    public static func directFindings(_ probes: [DirectProbe]) -> [Finding] {
        probes.filter(\.acceptsDirect).map { d in
            let replies = d.hosts.flatMap { h in
                h.recipients.filter { $0.status == .accepted }.map {
                    "\(d.endpoint) [\(h.address?.description ?? "-")]: RCPT TO:<\($0.address)> → \($0.reply)"
                }
            }
            return Finding(
                .mailboxEndpointAcceptsDirect, .high,
                "\(d.provider) accepts the domain's recipients at \(d.endpoint) from an arbitrary client",
                evidence: replies + [d.limitation],
                remediation: "Make \(d.provider) accept the domain's mail only from the gateway (an inbound "
                    + "connector or gateway setting restricted to the gateway's addresses), then probe again.",
                rfc: "RFC 5321 §5.1")
        }
    }

    /// tier-posture-mismatch: a later tier is weaker than the first in a property the first tier
    /// has on every host.
    static func parity(_ hosts: [HostProbe]) -> [Finding] {
        guard let first = hosts.map(\.tier).min() else { return [] }
        let firstHosts = hosts.filter { $0.tier == first }
        var out: [Finding] = []
        for property in ProbeProperty.allCases where property.isCompared {
            guard firstHosts.allSatisfy({ values($0)[property] == .yes }) else { continue }
            let weaker = hosts.filter { $0.tier != first && values($0)[property] == .no }
            guard !weaker.isEmpty else { continue }
            let tiers = Set(weaker.map(\.tier)).sorted().map(String.init).joined(separator: ", ")
            out.append(
                Finding(
                    .tierPostureMismatch, .high,
                    "Tier \(tiers) is weaker than tier \(first) in \"\(property.rawValue)\"",
                    evidence: weaker.map {
                        "\(name($0)): \(property.rawValue) = no; tier \(first) has yes on every host"
                    },
                    remediation:
                        "Configure every tier like the first: during a failover the weaker tier receives all the mail.")
            )
        }
        return out
    }
}
