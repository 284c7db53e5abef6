import MXRayAuth
import MXRayDNS
import MXRayInbound
import MXRayMessage

/// Reconstructs a message's path from its Received fields, maps it onto the recipient domain's MX
/// tiers, re-verifies what can be verified now and explains what broke.
public struct PathTracer: Sendable {
    /// A hop whose clock is this far behind the previous one is flagged.
    public static let clockSkewTolerance: Int64 = 120
    /// Received fields read at most (a loop of forwarders could add thousands).
    public static let maxHops = 100

    public var resolver: any DNSResolver
    public var catalog: VendorCatalog
    public var now: Int64
    public var dmarcMode: DMARCMode

    public init(
        resolver: any DNSResolver, catalog: VendorCatalog = .bundled, now: Int64, dmarcMode: DMARCMode = .rfc9989
    ) {
        self.resolver = resolver
        self.catalog = catalog
        self.now = now
        self.dmarcMode = dmarcMode
    }

    public func trace(_ message: Message, recipientDomain given: String?) async -> TraceReport {
        // Received fields are prepended: the last one in the header is the first hop.
        let receivedFields = message.fields.filter { $0.is("Received") }.prefix(Self.maxHops)
        var hops: [Hop] = []
        for (index, field) in receivedFields.reversed().enumerated() {
            let r = ReceivedField(parsing: field.value)
            hops.append(
                Hop(
                    number: index + 1, received: r, operator: r.by.map { catalog.operator(of: $0) } ?? .unknown,
                    tier: nil, delay: nil, clockSkew: false, conclusions: []))
        }
        for i in hops.indices.dropFirst() {
            if let a = hops[i - 1].received.date, let b = hops[i].received.date {
                hops[i].delay = b - a
                hops[i].clockSkew = b - a < -Self.clockSkewTolerance
            }
        }
        attachConclusions(message, to: &hops)

        let recipientDomain = (given ?? Self.recipientDomain(message, hops: hops))?.lowercased()
        var tiers: [Tier] = []
        var verdict = PathVerdict.unknown
        var reason = "no recipient domain: give --recipient-domain"
        var entry: Int?
        if let recipientDomain {
            let mx = await MXTierGatherer(resolver: resolver, catalog: catalog).gather(recipientDomain)
            tiers = mx.tiers
            (verdict, reason, entry) = Self.verdict(hops: &hops, tiers: tiers, mxKind: mx.kind, domain: recipientDomain)
        }

        // Re-verify now; SPF for the client of the entry hop, with the Return-Path as MAIL FROM.
        var connection: ConnectionFacts?
        if let e = entry, let ip = hops[e - 1].received.ip {
            let returnPath =
                message.fields.first { $0.is("Return-Path") }?.value.trimmingCharacters(in: ["<", ">", " "]) ?? ""
            connection = ConnectionFacts(
                ip: ip, helo: hops[e - 1].received.helo ?? "", mailFrom: returnPath, inferred: true)
        }
        let verification = await MessageVerifier(
            resolver: resolver, now: now, authservID: "mxray-trace", dmarcMode: dmarcMode
        )
        .verify(message, connection: connection)
        let explanations = Self.explain(hops: hops, verification: verification, verdict: verdict, entry: entry)
        return TraceReport(
            recipientDomain: recipientDomain, hops: hops, entryHop: entry, verdict: verdict, verdictReason: reason,
            now: verification, explanations: explanations, tiers: tiers)
    }

    /// The envelope recipient's domain: a Received "for", then Delivered-To / X-Original-To, then To.
    static func recipientDomain(_ message: Message, hops: [Hop]) -> String? {
        func domain(_ address: String) -> String? {
            guard let at = address.lastIndex(of: "@") else { return nil }
            let d = address[address.index(after: at)...].trimmingCharacters(in: ["<", ">", " ", ";"])
            return d.isEmpty ? nil : d
        }
        for hop in hops.reversed() { if let r = hop.received.recipient, let d = domain(r) { return d } }
        for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
            if let v = message.fields.first(where: { $0.is(name) })?.value, let d = domain(v) { return d }
        }
        if let to = message.fields.first(where: { $0.is("To") })?.value {
            return AuthorDomain.domains(inFromValue: to).first
        }
        return nil
    }

    /// Authentication-Results fields go to the hop whose host wrote them: by authserv-id, else
    /// to the hop whose Received field sits just below them.
    func attachConclusions(_ message: Message, to hops: inout [Hop]) {
        var receivedSeen = 0
        let total = hops.count
        for field in message.fields {
            if field.is("Received") {
                receivedSeen += 1
                continue
            }
            let isAR = field.is("Authentication-Results"), isAAR = field.is("ARC-Authentication-Results")
            guard isAR || isAAR else { continue }
            var value = field.value
            var instance: Int?
            if isAAR, let semi = value.firstIndex(of: ";") {
                instance = Int(
                    value[..<semi].trimmingCharacters(in: [" ", "\t"]).dropFirst(2).trimmingCharacters(in: [" "]))
                value = String(value[value.index(after: semi)...])
            }
            guard let ar = try? AuthenticationResults(parsing: value) else { continue }
            let id = ar.authservID.lowercased()
            var index = hops.lastIndex { hop in
                guard let by = hop.received.by?.lowercased() else { return false }
                return by == id || by.hasSuffix("." + id) || id.hasSuffix("." + by)
            }
            if index == nil {
                // Position: the hop whose Received field is the next one below this field.
                let hopNumber = total - receivedSeen
                if hopNumber >= 1 { index = hopNumber - 1 }
            }
            guard let i = index else { continue }
            hops[i].conclusions.append(
                Conclusion(
                    field: isAAR ? "ARC-Authentication-Results" : "Authentication-Results",
                    instance: instance, authservID: ar.authservID, results: ar.results.map(\.text)))
        }
    }

    /// Finds the entry hop and names the path: one of the four verdicts of `PathVerdict`.
    static func verdict(hops: inout [Hop], tiers: [Tier], mxKind: MXKind, domain: String) -> (PathVerdict, String, Int?)
    {
        guard mxKind != .unknown else { return (.unknown, "the MX lookup for \(domain) failed", nil) }
        guard !tiers.isEmpty else { return (.unknown, "\(domain) has no MX hosts to compare the path with", nil) }
        let hosts = tiers.flatMap(\.hosts)
        func tier(of hop: Hop) -> Int? {
            guard let by = hop.received.by?.lowercased() else { return nil }
            if let exact = hosts.first(where: { $0.name.lowercased() == by }) { return exact.preference }
            guard hop.operator.role != .unknown else { return nil }
            return hosts.first { $0.operator.vendor == hop.operator.vendor }?.preference
        }
        for i in hops.indices { hops[i].tier = tier(of: hops[i]) }
        let mailboxVendors = Set(hosts.filter { $0.operator.role == .mailbox }.map(\.operator.vendor))
        // The entry hop: the first (oldest) hop received by a host of the domain's tiers, or by the
        // mailbox provider that sits behind them.
        guard
            let entryIndex = hops.firstIndex(where: {
                $0.tier != nil
                    || ($0.operator.role == .mailbox
                        && (mailboxVendors.contains($0.operator.vendor) || mailboxVendors.isEmpty))
            })
        else {
            return (.unknown, "no Received field names a host of \(domain)'s MX tiers or their operators", nil)
        }
        let entryHop = hops[entryIndex]
        let by = entryHop.received.by ?? "?"
        let firstTier = tiers[0]
        let gatewayInFront = firstTier.hosts.contains { $0.operator.role == .gateway }
        if entryHop.operator.role == .mailbox && gatewayInFront {
            let from =
                entryHop.received.reverseName ?? entryHop.received.helo ?? entryHop.received.ip?.description ?? "?"
            return (
                .bypassedGateway,
                "hop \(entryHop.number): \(from) delivered straight to \(by) (\(entryHop.operator.vendor)); the "
                    + "MX records put \(firstTier.hosts.map(\.name).joined(separator: ", ")) in front of it",
                entryHop.number
            )
        }
        guard let t = entryHop.tier else {
            return (
                .unknown, "hop \(entryHop.number) was received by \(by), which matches no MX tier of \(domain)",
                entryHop.number
            )
        }
        if t == firstTier.preference {
            return (
                .viaPrimaryTier,
                "hop \(entryHop.number): received by \(by) (\(entryHop.operator.vendor)), in the first tier "
                    + "(preference \(t))",
                entryHop.number
            )
        }
        return (
            .viaFailoverTier,
            "hop \(entryHop.number): received by \(by) (\(entryHop.operator.vendor)), in the tier at preference "
                + "\(t); the first tier is \(firstTier.preference)",
            entryHop.number
        )
    }

    /// Breakage and trust in words.
    static func explain(hops: [Hop], verification v: MessageVerification, verdict: PathVerdict, entry: Int?) -> [String]
    {
        var out: [String] = []
        if verdict == .bypassedGateway {
            out.append(
                "The message reached the mailbox provider without passing the gateway: whatever the gateway "
                    + "filters, it did not see this message (a cold backup in use, or a sender delivering around "
                    + "the MX records on purpose)."
            )
        }
        for hop in hops where hop.clockSkew {
            out.append(
                "Hop \(hop.number) (\(hop.received.by ?? "?")) is stamped \(-(hop.delay ?? 0)) s before the hop "
                    + "before it: one of the two clocks is wrong."
            )
        }
        for hop in hops where !hop.received.parsed {
            out.append("Hop \(hop.number)'s Received field could not be read; it is shown as written.")
        }
        if let e = entry, hops[e - 1].received.tls == false {
            out.append("The message entered without TLS at hop \(e) (\(hops[e - 1].received.with ?? "plain SMTP")).")
        }
        let arcPass = v.arc.result == .pass
        for d in v.dkim where d.result != .pass {
            var line = "DKIM d=\(d.domain ?? "?") s=\(d.selector ?? "?"): \(d.result.rawValue), \(d.reason)."
            if d.reason.contains("body hash mismatch") || d.reason.contains("changed after signing") {
                // The first hop after the signer that reported this signature failing, or that sealed ARC.
                if let changer = hops.first(where: { hop in
                    hop.conclusions.contains { c in c.results.contains { $0.hasPrefix("dkim=pass") } }
                }) {
                    line +=
                        " It still passed at hop \(changer.number) (\(changer.received.by ?? "?")), so a later "
                        + "hop changed the message."
                }
                if arcPass, let oldest = v.arc.oldestPassingInstance,
                    let set = v.arc.sets.first(where: { $0.instance == oldest })
                {
                    let vouched = set.authenticationResults.split(separator: ";").map {
                        $0.trimmingCharacters(in: [" "])
                    }.filter { $0.hasPrefix("dkim=") }
                    line +=
                        " ARC instance \(oldest), sealed by \(set.sealDomain ?? "?") (\(set.authservID ?? "?")), "
                        + "is intact and vouches for "
                        + "\(vouched.isEmpty ? "its own results" : vouched.joined(separator: ", ")): a "
                        + "receiver that trusts \(set.sealDomain ?? "that sealer") can rely on it."
                }
            }
            out.append(line)
        }
        if v.arc.result == .fail { out.append("ARC: \(v.arc.reason).") }
        if let spf = v.spf, spf.result != .pass {
            out.append(
                "SPF, evaluated now for the entry hop's client \(spf.ip): \(spf.result.rawValue) (\(spf.reason)).")
        }
        if v.dmarc.result == .fail {
            out.append("DMARC fails now: \(v.dmarc.reason).")
        }
        return out
    }
}
