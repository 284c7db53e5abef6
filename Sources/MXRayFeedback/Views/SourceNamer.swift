import MXRayDNS
import MXRayInbound

/// Names a failing source: its reverse name (PTR, RFC 1035 §3.5) and, when the catalog knows the
/// name's operator, the vendor. A lookup that fails leaves the name empty, never guessed.
public struct SourceNamer: Sendable {
    public var resolver: any DNSResolver
    public var catalog: VendorCatalog

    public init(resolver: any DNSResolver, catalog: VendorCatalog = .bundled) {
        self.resolver = resolver
        self.catalog = catalog
    }

    public func name(_ source: FailingSource) async -> FailingSource {
        var named = source
        guard let address = IPAddress(source.sourceIP) else { return named }
        let lookup = await resolver.lookup(address.reverseName, .ptr)
        guard case .records(let records) = lookup.outcome else { return named }
        for record in records {
            if case .ptr(let target) = record.data {
                var text = target.description
                if text.hasSuffix(".") { text.removeLast() }
                named.reverseName = text
                named.vendor = catalog.match(text)?.entry.name
                break
            }
        }
        return named
    }
}

/// Places TLS-RPT rows on the domain's current MX tiers: by the receiving host the reporter named,
/// else by the receiving address. A host that no MX record names any more is `not in MX`.
public enum TierPlacement {
    public static func place(_ rows: [TLSFailureRow], tiers: InboundTiers) -> [TLSFailureRow] {
        rows.map { row in
            var placed = row
            placed.tier = tierLabel(row, tiers: tiers)
            return placed
        }
    }

    static func tierLabel(_ row: TLSFailureRow, tiers: InboundTiers) -> String {
        guard tiers.mx.outcome != .failure else { return "unknown (MX lookup failed)" }
        for (index, tier) in tiers.tiers.enumerated() {
            for host in tier.hosts {
                let name = host.name.lowercased().trimmingTrailingDot
                if let mx = row.mxHost, mx == name {
                    return "\(index + 1) (pref \(tier.preference))"
                }
                if row.mxHost == nil, let ip = row.receivingIP.flatMap(IPAddress.init),
                    host.addresses.contains(ip)
                {
                    return "\(index + 1) (pref \(tier.preference))"
                }
            }
        }
        return row.mxHost == nil && row.receivingIP == nil ? "no host named" : "not in MX"
    }
}
