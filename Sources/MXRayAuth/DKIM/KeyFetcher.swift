import MXRayDNS

/// Fetches and decodes DKIM keys (RFC 6376 §3.6.2) through any `DNSResolver`, keeping decoded
/// keys by record text so that a key seen again is not decoded again.
public final class KeyFetcher: Sendable {
    public enum Outcome: Sendable {
        case key(KeyRecord)
        /// The record is missing or unusable: permerror.
        case permanent(String)
        /// DNS failed: temperror.
        case temporary(String)
        /// The key exists but is too weak to trust (RFC 8301 §3.2): the signature fails.
        case rejected(String)
    }

    public let resolver: any DNSResolver
    /// Decoded keys by record text, at most 4,096.
    private let decoded = ParseCache<KeyRecord, KeyRecordError>(capacity: 4096) { text throws(KeyRecordError) in
        try KeyRecord(parsing: text)
    }

    public init(resolver: any DNSResolver) { self.resolver = resolver }

    public func fetch(domain: String, selector: String) async -> Outcome {
        let name: DomainName
        do { name = try DomainName("\(selector)._domainkey.\(domain)") } catch {
            return .permanent("\(selector)._domainkey.\(domain) is not a valid DNS name: \(error)")
        }
        let lookup = await resolver.lookup(name, .txt)
        switch lookup.outcome {
        case .failure(let failure):
            return .temporary("key lookup for \(name.text) failed: \(failure.detail)")
        case .nxdomain, .nodata:
            return .permanent("no key record at \(name.text) (\(lookup.outcome.label))")
        case .records(let records):
            var firstError = ""
            var tooSmall: String?
            for record in records {
                guard let text = record.data.joinedText else { continue }
                switch decoded(text) {
                case .success(let key): return .key(key)
                case .failure(let error):
                    if case .keyTooSmall = error { tooSmall = "\(error)" }
                    if firstError.isEmpty { firstError = "\(error)" }
                }
            }
            if let tooSmall { return .rejected("key at \(name.text): \(tooSmall)") }
            return .permanent("no usable key record at \(name.text): \(firstError)")
        }
    }
}
