import MXRayDNS

/// A domain as a user typed it, made ready for DNS: lower case, no trailing dot, and U-labels
/// converted to A-labels (IDNA, RFC 5891 §5) so that `bücher.example` is asked as
/// `xn--bcher-kva.example`.
public struct DomainInput: Sendable, Equatable {
    /// The A-label form DNS is asked about.
    public var ascii: String
    /// The form to show beside it when the name has A-labels (nil when it is plain ASCII).
    public var unicode: String?
    public var name: DomainName?
    /// Why the text is not a domain name, when it is not.
    public var error: String?

    public init(_ text: String) {
        var typed = text
        if typed.hasSuffix(".") { typed.removeLast() }
        do {
            ascii = try IDNA.toASCII(typed)
        } catch {
            ascii = typed.lowercased()
            self.error = "\(text) is not a domain name: \(error)"
            return
        }
        unicode = IDNA.hasALabel(ascii) ? IDNA.toUnicode(ascii) : nil
        name = try? DomainName(ascii)
        if name == nil { error = "\(text) is not a domain name" }
    }
}

/// Gathers a domain's MX tiers (RFC 5321 §5.1: grouped by preference, lowest first; the implicit
/// MX when there is none; the null MX of RFC 7505), each host's addresses, operator and DANE TLSA
/// presence (RFC 7672 §2.2), concurrently.
public struct MXTierGatherer: Sendable {
    public var resolver: any DNSResolver
    public var catalog: VendorCatalog

    public init(resolver: any DNSResolver, catalog: VendorCatalog = .bundled) {
        self.resolver = resolver
        self.catalog = catalog
    }

    public func gather(_ domainText: String) async -> InboundTiers {
        await gather(DomainInput(domainText))
    }

    /// The tiers of a domain already read with `DomainInput` (no second IDNA pass).
    public func gather(_ input: DomainInput) async -> InboundTiers {
        guard let name = input.name else {
            let why = input.error ?? "\(input.ascii) is not a domain name"
            return InboundTiers(
                domain: input.ascii, kind: .unknown, mx: LookupSummary(outcome: .failure, detail: why),
                tiers: [], dnsFailures: [why])
        }
        return await gather(name, input.ascii)
    }

    func gather(_ name: DomainName, _ domain: String) async -> InboundTiers {
        let mx = await resolver.lookup(name, .mx)
        var failures: [String] = []
        if let f = mx.failure { failures.append("MX \(domain): \(f.detail)") }
        var kind = MXKind.explicit
        var targets: [(Int, String)] = []
        switch mx.outcome {
        case .failure:
            kind = .unknown
        case .records(let rrs):
            let pairs = rrs.compactMap { rr -> (Int, DomainName)? in
                if case .mx(let p, let e) = rr.data { return (Int(p), e) }
                return nil
            }
            // RFC 7505 §3: a single MX with the root as target says the domain takes no mail.
            if pairs.count == 1, pairs[0].1.isRoot {
                kind = .null
            } else {
                targets = pairs.filter { !$0.1.isRoot }.map { ($0.0, $0.1.text) }
            }
        case .nxdomain, .nodata:
            // RFC 5321 §5.1: without MX records the domain itself is the implicit MX.
            kind = .implicit
            targets = [(0, domain)]
        }
        var hosts = await hostFacts(targets)
        if kind == .implicit, let only = hosts.first, only.addresses.isEmpty,
            only.a?.failed == false, only.aaaa?.failed == false
        {
            kind = .none
            hosts = []
        }
        for h in hosts {
            if let a = h.a, a.failed { failures.append("A \(h.name): \(a.detail ?? "")") }
            if let a = h.aaaa, a.failed { failures.append("AAAA \(h.name): \(a.detail ?? "")") }
            if let t = h.tlsa, t.failed { failures.append("TLSA _25._tcp.\(h.name): \(t.detail ?? "")") }
        }
        return InboundTiers(
            domain: domain, kind: kind, mx: LookupSummary(mx), tiers: Self.tiers(hosts), dnsFailures: failures)
    }

    /// Groups hosts by preference, lowest first (RFC 5321 §5.1), names sorted within a tier.
    static func tiers(_ hosts: [HostFacts]) -> [Tier] {
        Dictionary(grouping: hosts, by: \.preference)
            .map { Tier(preference: $0.key, hosts: $0.value.sorted { $0.name < $1.name }) }
            .sorted { $0.preference < $1.preference }
    }

    /// The names a host's facts are asked about: its address records and its TLSA records.
    private struct HostNames {
        var facts: HostFacts
        var name: DomainName?
        var tlsa: DomainName?

        init(_ target: String, preference: Int, catalog: VendorCatalog) {
            facts = HostFacts(name: target, preference: preference, operator: catalog.operator(of: target))
            let bracketed = target.hasPrefix("[") && target.hasSuffix("]")
            facts.isIPLiteral = IPAddress(bracketed ? String(target.dropFirst().dropLast()) : target) != nil
            name = try? DomainName(target)
            // RFC 7672 §2.2: the TLSA records of an MX host are at _25._tcp.HOST.
            if let name { tlsa = (try? DomainName("_25._tcp." + target)) ?? name }
        }
    }

    /// Every host's facts. The address and TLSA questions of all hosts go out in one batch; hosts
    /// whose answers the resolver holds (MX hosts shared by many domains) are not asked again.
    func hostFacts(_ targets: [(Int, String)]) async -> [HostFacts] {
        var hosts: [HostFacts] = []
        var questions: [DNSQuestion] = []
        var toAsk: [(facts: HostFacts, first: Int)] = []
        for (preference, target) in targets {
            let names = HostNames(target, preference: preference, catalog: catalog)
            guard let name = names.name, let tlsaName = names.tlsa else {
                hosts.append(names.facts)
                continue
            }
            let mine = [
                DNSQuestion(name: name, type: .a), DNSQuestion(name: name, type: .aaaa),
                DNSQuestion(name: tlsaName, type: .tlsa),
            ]
            let cached = mine.compactMap { resolver.cachedLookup($0.name, $0.type) }
            if cached.count == 3 {
                hosts.append(Self.hostFacts(names.facts, cached[0], cached[1], cached[2]))
            } else {
                toAsk.append((names.facts, questions.count))
                questions += mine
            }
        }
        guard !questions.isEmpty else { return hosts }
        let answers = await resolver.lookupAll(questions)
        for (facts, i) in toAsk { hosts.append(Self.hostFacts(facts, answers[i], answers[i + 1], answers[i + 2])) }
        return hosts
    }

    static func hostFacts(_ start: HostFacts, _ v4: DNSLookup, _ v6: DNSLookup, _ dane: DNSLookup) -> HostFacts {
        var facts = start
        facts.a = LookupSummary(v4)
        facts.aaaa = LookupSummary(v6)
        facts.tlsa = LookupSummary(dane)
        facts.tlsaRecords = dane.records.count
        // The alias chain as either lookup followed it, ending at the canonical name.
        let aliased = v4.cnameChain.isEmpty ? v6 : v4
        if !aliased.cnameChain.isEmpty {
            facts.cnameChain = aliased.cnameChain.map(\.name.text) + [aliased.canonicalName.text]
        }
        for ip in v4.addresses + v6.addresses {
            switch ip {
            case .v4(let v4): facts.ipv4.append(v4)
            case .v6(let v6): facts.ipv6.append(v6)
            }
            if !AddressClass.isPublic(ip) || AddressClass.isDocumentation(ip) { facts.nonPublicAddresses.append(ip) }
        }
        return facts
    }
}
