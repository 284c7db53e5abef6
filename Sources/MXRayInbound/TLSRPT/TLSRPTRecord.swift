import Foundation
import MXRayDNS

/// TLS reporting (RFC 8460 §3) at `_smtp._tls.DOMAIN`: the records found, and where reports go.
public struct TLSRPTFacts: Sendable, Codable, Equatable {
    public var lookup: LookupSummary
    /// Every TXT record that starts with `v=TLSRPTv1`.
    public var records: [String]
    /// The `rua` destinations of the one record, when exactly one parses.
    public var reportURIs: [String]?

    public init(lookup: LookupSummary, records: [String], reportURIs: [String]? = nil) {
        self.lookup = lookup
        self.records = records
        self.reportURIs = reportURIs
    }

    /// Looks up `_smtp._tls.DOMAIN` and reads the record.
    public static func discover(_ name: DomainName, resolver: any DNSResolver) async -> TLSRPTFacts {
        let lookup = await resolver.lookup((try? DomainName("_smtp._tls." + name.text)) ?? name, .txt)
        let records = lookup.texts.filter(TLSRPTRecord.isTLSRPT)
        let uris = records.count == 1 ? (try? TLSRPTRecord(parsing: records[0]))?.reportURIs : nil
        return TLSRPTFacts(lookup: LookupSummary(lookup), records: records, reportURIs: uris)
    }
}

/// The TLS-RPT TXT record (RFC 8460 §3): `v=TLSRPTv1` first, then `rua=` with one or more
/// comma-separated `mailto:` or `https:` URIs. URIs of other schemes are kept aside as ignored (no
/// reporter can use them); the record stands when at least one usable URI remains.
public struct TLSRPTRecord: Sendable, Codable, Equatable {
    public var reportURIs: [String]
    /// `rua` URIs of schemes RFC 8460 does not define, which reporters skip.
    public var ignoredURIs: [String]

    public init(parsing text: String) throws(TLSRPTError) {
        let fields = text.split(separator: ";").map { $0.trimmingWSP() }
        guard fields.first == "v=TLSRPTv1" else { throw TLSRPTError("does not start with v=TLSRPTv1") }
        var uris: [String]?
        for field in fields.dropFirst() where !field.isEmpty {
            guard let eq = field.firstIndex(of: "=") else { throw TLSRPTError("field \"\(field)\" has no '='") }
            let key = field[..<eq].trimmingWSP()
            guard key == "rua" else { continue }  // RFC 8460 §3: unknown extensions are ignored
            uris = field[field.index(after: eq)...].split(separator: ",").map { String($0.trimmingWSP()) }
                .filter { !$0.isEmpty }
        }
        guard let uris, !uris.isEmpty else { throw TLSRPTError("no rua= field") }
        let usable = uris.filter { $0.lowercased().hasPrefix("mailto:") || $0.lowercased().hasPrefix("https:") }
        guard !usable.isEmpty else {
            throw TLSRPTError("no rua URI is mailto: or https: (\(uris.joined(separator: ", ")))")
        }
        reportURIs = usable
        ignoredURIs = uris.filter { !usable.contains($0) }
    }

    /// Records that start like TLS-RPT, the ones RFC 8460 §3 considers.
    public static func isTLSRPT(_ text: String) -> Bool { text.hasPrefix("v=TLSRPTv1") }
}

public struct TLSRPTError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ why: String) { description = "invalid TLS-RPT record: \(why)" }
}
