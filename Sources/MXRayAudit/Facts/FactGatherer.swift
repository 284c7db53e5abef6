import MXRayAuth
import MXRayDNS
import MXRayInbound

/// Gathers a domain's facts for the audit: the inbound layer's tiers, MTA-STS and TLS-RPT, and
/// the domain's SPF and DMARC records.
public struct FactGatherer: Sendable {
    public var resolver: any DNSResolver
    public var catalog: VendorCatalog
    /// Nil skips the policy fetch (offline audits).
    public var policyFetcher: (any PolicyFetching)?
    public var dmarcMode: DMARCMode
    /// True: the gatherers overlap, each in a child task, and a domain takes about as long as its
    /// longest chain of lookups (one domain, where the wait is what a user feels). False: they run in
    /// turn on a first batch of questions, at about two-thirds of the CPU (many domains at once,
    /// where the CPU sets the speed and other domains fill the wait).
    public var overlapping: Bool

    public init(
        resolver: any DNSResolver, catalog: VendorCatalog = .bundled, policyFetcher: (any PolicyFetching)?,
        dmarcMode: DMARCMode = .rfc9989, overlapping: Bool = true
    ) {
        self.resolver = resolver
        self.catalog = catalog
        self.policyFetcher = policyFetcher
        self.dmarcMode = dmarcMode
        self.overlapping = overlapping
    }

    public func gather(_ domainText: String) async -> AuditFacts {
        let input = DomainInput(domainText)
        guard let name = input.name else {
            let why = input.error ?? "\(domainText) is not a domain name"
            let failed = LookupSummary(outcome: .failure, detail: why)
            return AuditFacts(
                domain: input.ascii, unicodeDomain: input.unicode, mxKind: .unknown, mx: failed, tiers: [],
                pattern: .unknown, mtaSTS: MTASTSFacts(lookup: failed, records: []),
                tlsRPT: TLSRPTFacts(lookup: failed, records: []), spf: SPFSummary(lookup: failed, records: []),
                dmarc: DMARCVerdict(result: .permerror, mode: dmarcMode, reason: "not a domain name"),
                dnsFailures: [why])
        }
        if overlapping { return await gather(input, name) }
        // The questions every audit starts with go out together; the gatherers below find them answered.
        var primed = self
        primed.resolver = await PrimedResolver.priming(resolver, with: Self.firstQuestions(name))
        return await primed.gather(input, name)
    }

    /// MX and TXT at the apex, the DMARC, MTA-STS and TLS-RPT records and the autodiscover alias:
    /// asked of every domain, each as the gatherer that uses it spells it.
    static func firstQuestions(_ name: DomainName) -> [DNSQuestion] {
        var questions = [DNSQuestion(name: name, type: .mx), DNSQuestion(name: name, type: .txt)]
        for (label, type) in [("_dmarc", RRType.txt), ("_mta-sts", .txt), ("autodiscover", .cname)] {
            if let prefixed = try? name.prepending(Array(label.utf8)) {
                questions.append(DNSQuestion(name: prefixed, type: type))
            }
        }
        if let tlsrpt = try? DomainName("_smtp._tls." + name.text) {
            questions.append(DNSQuestion(name: tlsrpt, type: .txt))
        }
        return questions
    }

    /// In turn, the gatherers cost least: after the first batch, most of what they ask is answered at
    /// once or from the cache (MX hosts, SPF includes and DMARC names shared by many domains), and a
    /// child task for each gatherer cost a sixth of a bulk audit's CPU. Overlapping, each starts its
    /// next lookup as soon as its previous answer is in, without waiting for the slowest of a batch.
    /// The MTA-STS policy fetch, an HTTPS exchange, runs beside them either way.
    func gather(_ input: DomainInput, _ name: DomainName) async -> AuditFacts {
        let discovery = MTASTSDiscovery(resolver: resolver, fetcher: policyFetcher)
        guard overlapping || policyFetcher != nil else {
            let dns = await dnsFacts(input, name)
            return assemble(input, dns, mtaSTS: await discovery.discover(name))
        }
        async let mtaSTS = discovery.discover(name)
        let dns = overlapping ? await overlappingDNSFacts(input, name) : await dnsFacts(input, name)
        return assemble(input, dns, mtaSTS: await mtaSTS)
    }

    /// What the gatherers other than MTA-STS's find.
    struct DNSFacts {
        var tiers: InboundTiers
        var tlsRPT: TLSRPTFacts
        var spf: SPFSummary
        var alias: DNSLookup
        var exposure: [MailboxExposure]
        var dmarc: DMARCVerdict
    }

    func dnsFacts(_ input: DomainInput, _ name: DomainName) async -> DNSFacts {
        let tiers = await MXTierGatherer(resolver: resolver, catalog: catalog).gather(input)
        let tlsRPT = await TLSRPTFacts.discover(name, resolver: resolver)
        let (spf, apexTXT) = await spfSummary(name)
        // The mailbox provider behind the domain, from evidence beyond MX (SPF, TXT, autodiscover).
        let (alias, aliasTarget) = await autodiscoverAlias(name)
        let exposure = await mailboxExposure(input.ascii, spf, apexTXT, aliasTarget, tiers.tiers)
        let dmarc = await DMARCEvaluator(resolver: resolver, mode: dmarcMode).discover(input.ascii)
        return DNSFacts(tiers: tiers, tlsRPT: tlsRPT, spf: spf, alias: alias, exposure: exposure, dmarc: dmarc)
    }

    /// The same facts with each gatherer in its own child task; the mailbox exposure waits for the
    /// tiers, the SPF tree and the alias it reads.
    func overlappingDNSFacts(_ input: DomainInput, _ name: DomainName) async -> DNSFacts {
        async let tiers = MXTierGatherer(resolver: resolver, catalog: catalog).gather(input)
        async let tlsRPT = TLSRPTFacts.discover(name, resolver: resolver)
        async let spfAndTXT = spfSummary(name)
        async let aliasAndTarget = autodiscoverAlias(name)
        async let dmarc = DMARCEvaluator(resolver: resolver, mode: dmarcMode).discover(input.ascii)
        let (spf, apexTXT) = await spfAndTXT
        let (alias, aliasTarget) = await aliasAndTarget
        let inbound = await tiers
        let exposure = await mailboxExposure(input.ascii, spf, apexTXT, aliasTarget, inbound.tiers)
        return DNSFacts(
            tiers: inbound, tlsRPT: await tlsRPT, spf: spf, alias: alias, exposure: exposure, dmarc: await dmarc)
    }

    func assemble(_ input: DomainInput, _ dns: DNSFacts, mtaSTS: MTASTSFacts) -> AuditFacts {
        let domain = input.ascii
        var tiers = dns.tiers
        var failures = tiers.dnsFailures
        if let detail = mtaSTS.lookup.detail, mtaSTS.lookup.failed {
            failures.append("TXT _mta-sts.\(domain): \(detail)")
        }
        MTASTSDiscovery.markCoverage(&tiers.tiers, policy: mtaSTS.policy)
        if let detail = dns.tlsRPT.lookup.detail, dns.tlsRPT.lookup.failed {
            failures.append("TXT _smtp._tls.\(domain): \(detail)")
        }
        if dns.spf.lookup.failed { failures.append("TXT \(domain) (SPF): \(dns.spf.lookup.detail ?? "")") }
        if dns.dmarc.result == .temperror { failures.append("DMARC: \(dns.dmarc.reason)") }
        // The tier gatherer already named each host's operator; its catalog entry gives the includes.
        var includes: [String: [String]] = [:]
        for vendor in Set(tiers.hosts.map(\.operator.vendor)) {
            if let entry = catalog.entry(named: vendor), !entry.spfIncludes.isEmpty {
                includes[vendor] = entry.spfIncludes
            }
        }
        if let f = dns.alias.failure { failures.append("CNAME autodiscover.\(domain): \(f.detail)") }
        return AuditFacts(
            domain: domain, unicodeDomain: input.unicode, mxKind: tiers.kind, mx: tiers.mx, tiers: tiers.tiers,
            pattern: ArchitecturePattern(kind: tiers.kind, tiers: tiers.tiers), mtaSTS: mtaSTS, tlsRPT: dns.tlsRPT,
            spf: dns.spf, dmarc: dns.dmarc, mailboxExposure: dns.exposure,
            vendorSPFIncludes: includes, dnsFailures: failures)
    }

    /// The mailbox providers the DNS evidence names for a domain and their direct endpoints,
    /// without the rest of an audit (for `mxray probe --direct`).
    public func mailboxExposure(_ inbound: InboundTiers) async -> [MailboxExposure] {
        guard let name = try? DomainName(inbound.domain) else { return [] }
        async let spf = spfSummary(name)
        async let autodiscover = autodiscoverAlias(name)
        let ((summary, apexTXT), (_, aliasTarget)) = await (spf, autodiscover)
        return await mailboxExposure(inbound.domain, summary, apexTXT, aliasTarget, inbound.tiers)
    }

    /// The evidence the SPF tree, the apex TXT records and the autodiscover alias give, and what
    /// the catalog infers from it.
    func mailboxExposure(
        _ domain: String, _ spf: SPFSummary, _ apexTXT: [String], _ aliasTarget: String?, _ tiers: [Tier]
    ) async -> [MailboxExposure] {
        let evidence = MailboxEvidence(
            spfIncludes: spf.lookupCount?.targets ?? [], apexTXT: apexTXT, autodiscoverTarget: aliasTarget)
        return await MailboxExposureFinder(resolver: resolver, catalog: catalog)
            .find(domain: domain, evidence: evidence, tiers: tiers)
    }

    /// `autodiscover.DOMAIN` asked for its CNAME, and the alias target when there is one.
    func autodiscoverAlias(_ name: DomainName) async -> (DNSLookup, String?) {
        let lookup = await resolver.lookup((try? name.prepending(Array("autodiscover".utf8))) ?? name, .cname)
        let target = (lookup.records + lookup.cnameChain).lazy.compactMap { rr -> String? in
            if case .cname(let target) = rr.data { return target.text }
            return nil
        }.first
        return (lookup, target)
    }

    /// The SPF summary, and every TXT string at the apex (verification records among them).
    func spfSummary(_ name: DomainName) async -> (SPFSummary, [String]) {
        let lookup = await resolver.lookup(name, .txt)
        return (await spfSummary(name, lookup), lookup.texts)
    }

    func spfSummary(_ name: DomainName, _ lookup: DNSLookup) async -> SPFSummary {
        var summary = SPFSummary(lookup: LookupSummary(lookup), records: lookup.texts.filter(SPFRecord.isSPF))
        guard summary.records.count == 1 else {
            if summary.records.count > 1 {
                summary.error = "\(summary.records.count) SPF records (RFC 7208 §4.5: permerror)"
            }
            return summary
        }
        let record: SPFRecord
        do {
            record = try SPFRecord(parsing: summary.records[0])
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
        summary.lookupCount = await SPFLookupCounter(resolver: resolver).count(name.text, record: record)
        return summary
    }
}
