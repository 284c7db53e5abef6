import MXRayDNS

/// The DNS evidence that says who hosts a domain's mailboxes, whatever its MX records say: the
/// SPF includes the provider asks customers to publish (RFC 7208 §5.2), the verification TXT
/// records at the apex, and the CNAME target of `autodiscover.DOMAIN`.
public struct MailboxEvidence: Sendable, Equatable {
    /// Every include: and redirect= target in the domain's SPF tree, as written.
    public var spfIncludes: [String]
    /// Every TXT string at the domain's apex.
    public var apexTXT: [String]
    /// Where `autodiscover.DOMAIN` points, when it is an alias.
    public var autodiscoverTarget: String?

    public init(spfIncludes: [String], apexTXT: [String], autodiscoverTarget: String?) {
        self.spfIncludes = spfIncludes
        self.apexTXT = apexTXT
        self.autodiscoverTarget = autodiscoverTarget
    }
}

/// A mailbox provider inferred from DNS evidence, and whether its direct endpoint for the domain
/// exists: the route an attacker takes around the gateway.
public struct MailboxExposure: Sendable, Codable, Equatable {
    /// Ordered: high is the strongest.
    public enum Confidence: String, Sendable, Codable, Comparable, CaseIterable {
        case low, medium, high
        public static func < (l: Confidence, r: Confidence) -> Bool {
            allCases.firstIndex(of: l)! < allCases.firstIndex(of: r)!
        }
    }

    /// The catalog entry's name.
    public var provider: String
    public var evidence: [String]
    public var confidence: Confidence
    /// The host that takes the domain's mail at the provider.
    public var endpoint: String?
    public var endpointLookup: LookupSummary?
    public var endpointAddresses: [IPAddress]
    /// True when an MX tier names the endpoint or another host of the same provider.
    public var providerInMX: Bool
    /// How to make the provider accept the domain's mail only from the gateway.
    public var restriction: String?
    public var restrictionSource: String?

    /// The endpoint exists (it has addresses) and no MX tier names the provider.
    public var isReachableAroundMX: Bool { !endpointAddresses.isEmpty && !providerInMX }
}

/// Infers mailbox providers from the evidence and the catalog, then resolves each provider's
/// direct endpoint for the domain.
public struct MailboxExposureFinder: Sendable {
    public var resolver: any DNSResolver
    public var catalog: VendorCatalog

    public init(resolver: any DNSResolver, catalog: VendorCatalog) {
        self.resolver = resolver
        self.catalog = catalog
    }

    /// The providers the evidence names (only those with a known direct route), strongest first.
    public func infer(_ evidence: MailboxEvidence) -> [(CatalogEntry, [String], MailboxExposure.Confidence)] {
        var found: [(CatalogEntry, [String], MailboxExposure.Confidence)] = []
        // Indices, not `for entry in`: that would copy every entry of the catalog for every domain.
        for index in catalog.entries.indices where catalog.entries[index].role == .mailbox {
            guard let direct = catalog.entries[index].direct else { continue }
            let entry = catalog.entries[index]
            var strong: [String] = []
            var weak: [String] = []
            if !evidence.spfIncludes.isEmpty {
                let includes = Set(entry.spfIncludes.map { $0.lowercased() })
                for include in evidence.spfIncludes where includes.contains(include.lowercased()) {
                    strong.append("SPF includes \(include), the include \(entry.name) asks its customers to publish")
                }
            }
            for text in evidence.apexTXT {
                guard let prefix = direct.verificationTXT.first(where: { text.hasPrefix($0) }) else { continue }
                // Microsoft's MS= record proves a tenant claimed the domain; Google's verification
                // record also serves Search Console, so alone it is weak evidence.
                let line = "TXT \"\(text.prefix(60))\" (\(entry.name)'s domain verification, \(prefix)...)"
                if prefix.hasPrefix("MS=") { strong.append(line) } else { weak.append(line) }
            }
            if let target = evidence.autodiscoverTarget?.lowercased(),
                direct.autodiscover.contains(where: { target == $0 || target.hasSuffix("." + $0) })
            {
                strong.append("autodiscover is an alias of \(target), \(entry.name)'s autodiscover service")
            }
            guard !strong.isEmpty || !weak.isEmpty else { continue }
            let confidence: MailboxExposure.Confidence = strong.count >= 2 ? .high : strong.count == 1 ? .medium : .low
            found.append((entry, strong + weak, confidence))
        }
        return found.sorted { $0.2 > $1.2 }
    }

    /// Each inferred provider with its endpoint for `domain` resolved, and whether the MX tiers
    /// already name the provider.
    public func find(domain: String, evidence: MailboxEvidence, tiers: [Tier]) async -> [MailboxExposure] {
        var out: [MailboxExposure] = []
        for (entry, lines, confidence) in infer(evidence) {
            guard let direct = entry.direct else { continue }
            let host = direct.endpointHost(for: domain)
            var exposure = MailboxExposure(
                provider: entry.name, evidence: lines, confidence: confidence, endpoint: host, endpointLookup: nil,
                endpointAddresses: [], providerInMX: false, restriction: direct.restriction,
                restrictionSource: direct.source)
            exposure.providerInMX = tiers.contains { tier in
                tier.hosts.contains { $0.operator.vendor == entry.name || $0.name.lowercased() == host }
            }
            if let name = try? DomainName(host) {
                let answers = await resolver.lookupAll([
                    DNSQuestion(name: name, type: .a), .init(name: name, type: .aaaa),
                ])
                let (v4, v6) = (answers[0], answers[1])
                exposure.endpointLookup = LookupSummary(v4.addresses.isEmpty && !v6.addresses.isEmpty ? v6 : v4)
                exposure.endpointAddresses = v4.addresses + v6.addresses
            }
            out.append(exposure)
        }
        return out
    }
}
