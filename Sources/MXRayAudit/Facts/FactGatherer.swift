import MXRayAuth
import MXRayDNS

/// Gathers a domain's facts; independent lookups run concurrently.
public struct FactGatherer: Sendable {
    public var resolver: any DNSResolver
    public var catalog: VendorCatalog
    /// Nil skips the policy fetch (offline audits).
    public var policyFetcher: (any PolicyFetching)?
    public var dmarcMode: DMARCMode

    public init(resolver: any DNSResolver, catalog: VendorCatalog = .bundled, policyFetcher: (any PolicyFetching)?, dmarcMode: DMARCMode = .rfc9989) {
        self.resolver = resolver; self.catalog = catalog; self.policyFetcher = policyFetcher; self.dmarcMode = dmarcMode
    }

    public func gather(_ domainText: String) async -> AuditFacts {
        let (domain, parsed) = Self.normalized(domainText)
        guard let name = parsed else {
            let failed = DNSLookup(question: DNSQuestion(name: .root, type: .mx),
                                   outcome: .failure(DNSFailure(.malformedAnswer, "\(domainText) is not a domain name")), source: "", elapsed: 0, transport: "")
            return AuditFacts(domain: domainText, mxKind: .unknown, mx: LookupSummary(failed), tiers: [], pattern: .unknown,
                              mtaSTS: MTASTSFacts(lookup: LookupSummary(failed), records: []), tlsRPT: TLSRPTFacts(lookup: LookupSummary(failed), records: []),
                              spf: SPFSummary(lookup: LookupSummary(failed), records: []), dmarc: DMARCVerdict(result: .permerror, mode: dmarcMode, reason: "not a domain name"),
                              dnsFailures: ["\(domainText) is not a domain name"])
        }
        async let mxPart = mxHosts(name, domain)
        async let stsLookup = resolver.lookup((try? name.prepending(Array("_mta-sts".utf8))) ?? name, .txt)
        async let rptLookup = resolver.lookup((try? DomainName("_smtp._tls." + domain)) ?? name, .txt)
        async let spf = spfSummary(name)
        async let dmarc = DMARCEvaluator(resolver: resolver, mode: dmarcMode).discover(domain)
        let (kind, mx, mxHosts, mxFailures) = await mxPart
        var hosts = mxHosts, failures = mxFailures

        // MTA-STS (RFC 8461 §3).
        let sts = await stsLookup
        var mtaSTS = MTASTSFacts(lookup: LookupSummary(sts), records: sts.texts.filter(MTASTSRecord.isMTASTS))
        if let f = sts.failure { failures.append("TXT _mta-sts.\(domain): \(f.detail)") }
        if mtaSTS.records.count > 1 {
            mtaSTS.recordError = "\(mtaSTS.records.count) records; RFC 8461 §3.1 requires exactly one"
        } else if let text = mtaSTS.records.first {
            do { mtaSTS.record = try MTASTSRecord(parsing: text) } catch { mtaSTS.recordError = "\(error)" }
        }
        if mtaSTS.record != nil, let fetcher = policyFetcher {
            let fetch = await fetcher.fetch(domain: domain)
            mtaSTS.fetch = fetch
            if fetch.outcome == .fetched, let body = fetch.body {
                do { mtaSTS.policy = try MTASTSPolicy(parsing: body) } catch { mtaSTS.policyError = "\(error)" }
            }
        }
        if let policy = mtaSTS.policy, policy.mode != .none {
            for i in hosts.indices { hosts[i].coveredByMTASTS = policy.covers(hosts[i].name) }
        }

        let rpt = await rptLookup
        if let f = rpt.failure { failures.append("TXT _smtp._tls.\(domain): \(f.detail)") }
        let tlsRPT = TLSRPTFacts(lookup: LookupSummary(rpt), records: rpt.texts.filter { $0.hasPrefix("v=TLSRPTv1") })
        let spfSummary = await spf
        if spfSummary.lookup.failed { failures.append("TXT \(domain) (SPF): \(spfSummary.lookup.detail ?? "")") }
        let dmarcVerdict = await dmarc
        if dmarcVerdict.result == .temperror { failures.append("DMARC: \(dmarcVerdict.reason)") }

        let tiers = Self.tiers(hosts)
        return AuditFacts(domain: domain, mxKind: kind, mx: LookupSummary(mx), tiers: tiers, pattern: Self.pattern(kind: kind, tiers: tiers),
                          mtaSTS: mtaSTS, tlsRPT: tlsRPT, spf: spfSummary, dmarc: dmarcVerdict, dnsFailures: failures)
    }

    /// The MX tiers alone (RFC 5321 §5.1) with each host's addresses: what a path trace needs,
    /// without the policy lookups of a full audit. An invalid name has no tiers.
    public func gatherTiers(_ domainText: String) async -> (kind: MXKind, tiers: [Tier]) {
        let (domain, parsed) = Self.normalized(domainText)
        guard let name = parsed else { return (.unknown, []) }
        let (kind, _, hosts, _) = await mxHosts(name, domain)
        return (kind, Self.tiers(hosts))
    }

    /// The domain lower-cased without a trailing dot, and as a DNS name when it is one.
    static func normalized(_ domainText: String) -> (String, DomainName?) {
        var domain = domainText.lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        return (domain, try? DomainName(domain))
    }

    /// The MX lookup, its kind, the facts of each host, and the DNS failures met on the way.
    func mxHosts(_ name: DomainName, _ domain: String) async -> (MXKind, DNSLookup, [HostFacts], [String]) {
        let mx = await resolver.lookup(name, .mx)
        var failures: [String] = []
        if let f = mx.failure { failures.append("MX \(domain): \(f.detail)") }

        // MX tiers (RFC 5321 §5.1), or the implicit MX, or the null MX (RFC 7505).
        var kind = MXKind.explicit
        var targets: [(Int, String)] = []
        switch mx.outcome {
        case .failure: kind = .unknown
        case .records(let rrs):
            let pairs = rrs.compactMap { rr -> (Int, DomainName)? in
                if case .mx(let p, let e) = rr.data { return (Int(p), e) }
                return nil
            }
            if pairs.count == 1, pairs[0].1.isRoot { kind = .null } else {
                targets = pairs.filter { !$0.1.isRoot }.map { ($0.0, $0.1.text) }
            }
        case .nxdomain, .nodata:
            kind = .implicit
            targets = [(0, domain)]
        }
        var hosts = await withTaskGroup(of: HostFacts.self) { group in
            for (preference, target) in targets { group.addTask { await host(target, preference: preference) } }
            return await group.reduce(into: [HostFacts]()) { $0.append($1) }
        }
        if kind == .implicit && hosts.first?.addresses.isEmpty == true && hosts.first?.a?.failed == false && hosts.first?.aaaa?.failed == false {
            kind = .none
            hosts = []
        }
        for h in hosts {
            if let a = h.a, a.failed { failures.append("A \(h.name): \(a.detail ?? "")") }
            if let a = h.aaaa, a.failed { failures.append("AAAA \(h.name): \(a.detail ?? "")") }
            if let t = h.tlsa, t.failed { failures.append("TLSA _25._tcp.\(h.name): \(t.detail ?? "")") }
        }
        return (kind, mx, hosts, failures)
    }

    static func tiers(_ hosts: [HostFacts]) -> [Tier] {
        Dictionary(grouping: hosts, by: \.preference).map { Tier(preference: $0.key, hosts: $0.value.sorted { $0.name < $1.name }) }
            .sorted { $0.preference < $1.preference }
    }

    func host(_ target: String, preference: Int) async -> HostFacts {
        var facts = HostFacts(name: target, preference: preference, operator: catalog.operator(of: target), ipv4: [], ipv6: [],
                              cnameChain: [], isIPLiteral: IPAddress(target) != nil || IPAddress(target.trimmingCharacters(in: ["[", "]"])) != nil,
                              nonPublicAddresses: [], tlsaRecords: 0)
        guard let name = try? DomainName(target) else { return facts }
        async let a = resolver.lookup(name, .a)
        async let aaaa = resolver.lookup(name, .aaaa)
        async let tlsa = resolver.lookup((try? DomainName("_25._tcp." + target)) ?? name, .tlsa)
        let (v4, v6, dane) = await (a, aaaa, tlsa)
        facts.a = LookupSummary(v4)
        facts.aaaa = LookupSummary(v6)
        facts.tlsa = LookupSummary(dane)
        facts.tlsaRecords = dane.records.count
        // The alias chain as either lookup followed it, ending at the canonical name.
        let aliased = v4.cnameChain.isEmpty ? v6 : v4
        if !aliased.cnameChain.isEmpty { facts.cnameChain = aliased.cnameChain.map(\.name.text) + [aliased.canonicalName.text] }
        for ip in v4.addresses + v6.addresses {
            if case .v4 = ip { facts.ipv4.append(ip.description) } else { facts.ipv6.append(ip.description) }
            if !AddressClass.isPublic(ip) || AddressClass.isDocumentation(ip) { facts.nonPublicAddresses.append(ip.description) }
        }
        return facts
    }

    func spfSummary(_ name: DomainName) async -> SPFSummary {
        let lookup = await resolver.lookup(name, .txt)
        var summary = SPFSummary(lookup: LookupSummary(lookup), records: lookup.texts.filter(SPFRecord.isSPF))
        guard summary.records.count == 1 else {
            if summary.records.count > 1 { summary.error = "\(summary.records.count) SPF records (RFC 7208 §4.5: permerror)" }
            return summary
        }
        do {
            let record = try SPFRecord(parsing: summary.records[0])
            if let all = record.directives.last(where: { $0.mechanism == .all }) {
                summary.defaultResult = all.qualifier.rawValue + "all"
            } else if let redirect = record.redirect {
                summary.defaultResult = "redirect=\(redirect)"
            } else {
                summary.defaultResult = "?all (implicit)"
            }
        } catch {
            summary.error = "\(error)"
            return summary
        }
        summary.lookupCount = await SPFLookupCounter(resolver: resolver).count(name.text)
        return summary
    }

    /// Names the architecture the tiers form.
    static func pattern(kind: MXKind, tiers: [Tier]) -> ArchitecturePattern {
        switch kind {
        case .null, .none: return .noMail
        case .unknown: return .unknown
        case .explicit, .implicit: break
        }
        let hosts = tiers.flatMap(\.hosts)
        if hosts.count <= 1 { return .singleHost }
        let vendors = Set(hosts.map(\.operator.vendor))
        if vendors.count == 1 && hosts[0].operator.role != .unknown { return .singleProvider }
        guard let first = tiers.first else { return .unknown }
        let firstGateways = first.hosts.filter { $0.operator.role == .gateway }
        let later = tiers.dropFirst().flatMap(\.hosts)
        if !firstGateways.isEmpty && first.hosts.allSatisfy({ $0.operator.role == .gateway }) {
            if later.contains(where: { $0.operator.role != .gateway }) { return .gatewayWithColdBackup }
            let firstVendors = Set(firstGateways.map(\.operator.vendor))
            if firstVendors.count >= 2 { return .dualVendorActive }
            if !later.isEmpty && Set(later.map(\.operator.vendor)).subtracting(firstVendors).count > 0 { return .dualVendorFailover }
            return .singleProvider
        }
        if vendors.count == 1 { return .singleProvider }
        return .mixed
    }
}

/// Which addresses can be reached from the Internet (RFC 6890 special-purpose registries).
/// Documentation ranges are told apart: they mark example data rather than a broken zone.
public enum AddressClass {
    /// RFC 5737 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and RFC 3849 (2001:db8::/32).
    public static func isDocumentation(_ ip: IPAddress) -> Bool {
        switch ip {
        case .v4(let a): return [0xC000_0200, 0xC633_6400, 0xCB00_7100].contains(a.value & 0xFFFF_FF00)
        case .v6(let a): return a.wire.prefix(4) == [0x20, 0x01, 0x0D, 0xB8]
        }
    }

    public static func isPublic(_ ip: IPAddress) -> Bool {
        switch ip {
        case .v4(let a):
            let v = a.value
            func within(_ net: UInt32, _ bits: UInt32) -> Bool { v & ~(UInt32.max >> bits) == net }
            let special: [(UInt32, UInt32)] = [
                (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16),
                (0xAC10_0000, 12), (0xC000_0000, 24), (0xC0A8_0000, 16), (0xC612_0000, 15),
                (0xE000_0000, 4), (0xF000_0000, 4),
            ]
            return !special.contains { within($0.0, $0.1) }
        case .v6(let a):
            let w = a.wire
            if w.allSatisfy({ $0 == 0 }) || w == [UInt8](repeating: 0, count: 15) + [1] { return false } // :: and ::1
            if w[0] == 0xFE && (w[1] & 0xC0) == 0x80 { return false } // fe80::/10 link-local
            if (w[0] & 0xFE) == 0xFC { return false } // fc00::/7 unique local
            if w[0] == 0xFF { return false } // multicast
            if w.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] { return isPublic(.v4(IPv4Address(wire: w.suffix(4))!)) }
            return true
        }
    }
}
