import MXRayDNS

/// Counts the DNS-querying terms a domain's SPF record costs in the worst case (RFC 7208 §4.6.4),
/// following include and redirect: what every evaluation may spend, whatever the client address.
/// Every term counts each time it is met, as in evaluation; the walk stops as soon as the count
/// passes the limit, which also ends include loops.
public struct SPFLookupCounter: Sendable {
    public struct Count: Sendable, Codable, Equatable {
        /// DNS-querying terms: include, a, mx, ptr, exists, redirect (one past the limit at most).
        public var terms: Int
        /// Targets that use macros: counted once, not followed (their record depends on the message).
        public var macroTargets: [String]
        /// Every include: and redirect= target met, in order, as written (who the domain lets send).
        public var targets: [String] = []
        /// True when the count passed the limit: every evaluation that gets that far is a permerror.
        public var exceedsLimit: Bool { SPFEvaluator.exceedsDNSTermLimit(terms) }
    }

    public let resolver: any DNSResolver
    public init(resolver: any DNSResolver) { self.resolver = resolver }

    /// The count for `domain`; `record`, when the caller has already parsed the domain's own SPF
    /// record, is used instead of asking and parsing it again.
    public func count(_ domain: String, record: SPFRecord? = nil) async -> Count {
        var count = Count(terms: 0, macroTargets: [])
        if let record {
            await walk(record, &count)
        } else {
            await walk(domain.lowercased(), &count)
        }
        return count
    }

    private func walk(_ domain: String, _ count: inout Count) async {
        guard !count.exceedsLimit, let name = SPFEvaluator.validDomain(domain) else { return }
        let lookup = await resolver.lookup(name, .txt)
        let texts = lookup.texts.filter(SPFRecord.isSPF)
        guard texts.count == 1, let record = try? SPFRecord(parsing: texts[0]) else { return }
        await walk(record, &count)
    }

    private func walk(_ record: SPFRecord, _ count: inout Count) async {
        for directive in record.directives where directive.mechanism.queriesDNS {
            count.terms += 1
            if count.exceedsLimit { return }
            if case .include(let target) = directive.mechanism {
                count.targets.append(target)
                if target.contains("%") {
                    count.macroTargets.append(target)
                } else {
                    await walk(target.lowercased(), &count)
                }
            }
        }
        if let redirect = record.redirect {
            count.targets.append(redirect)
            count.terms += 1
            if count.exceedsLimit { return }
            if redirect.contains("%") {
                count.macroTargets.append(redirect)
            } else {
                await walk(redirect.lowercased(), &count)
            }
        }
    }
}
