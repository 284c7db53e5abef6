import MXRayDNS

/// Counts the DNS-querying terms a domain's SPF record costs in the worst case (RFC 7208 §4.6.4),
/// following include and redirect: what every evaluation may spend, whatever the client address.
public struct SPFLookupCounter: Sendable {
    /// Records visited at most; include loops and very wide trees stop here.
    public static let maxRecords = 50

    public struct Count: Sendable, Codable, Equatable {
        /// DNS-querying terms: include, a, mx, ptr, exists, redirect.
        public var terms: Int
        /// Includes and redirects whose target has no record (each a permerror when reached).
        public var missingTargets: [String]
        /// Targets that use macros: counted once, not followed (their record depends on the message).
        public var macroTargets: [String]
        /// True when the walk stopped at `maxRecords` or found a loop.
        public var truncated: Bool
    }

    public let resolver: any DNSResolver
    public init(resolver: any DNSResolver) { self.resolver = resolver }

    public func count(_ domain: String) async -> Count {
        var count = Count(terms: 0, missingTargets: [], macroTargets: [], truncated: false)
        var visited: Set<String> = []
        await walk(domain.lowercased(), &count, &visited)
        return count
    }

    private func walk(_ domain: String, _ count: inout Count, _ visited: inout Set<String>) async {
        guard visited.count < Self.maxRecords, visited.insert(domain).inserted else { count.truncated = true; return }
        guard let name = SPFEvaluator.validDomain(domain) else { count.missingTargets.append(domain); return }
        let lookup = await resolver.lookup(name, .txt)
        let texts = lookup.texts.filter(SPFRecord.isSPF)
        guard texts.count == 1, let record = try? SPFRecord(parsing: texts[0]) else {
            if texts.isEmpty { count.missingTargets.append(domain) }
            return
        }
        for directive in record.directives where directive.mechanism.queriesDNS {
            count.terms += 1
            if case .include(let target) = directive.mechanism {
                if target.contains("%") { count.macroTargets.append(target) } else { await walk(target.lowercased(), &count, &visited) }
            }
        }
        if let redirect = record.redirect {
            count.terms += 1
            if redirect.contains("%") { count.macroTargets.append(redirect) } else { await walk(redirect.lowercased(), &count, &visited) }
        }
    }
}
