import Foundation
import Yams

/// What an MX host is: a secure email gateway, a mailbox provider, an inbound forwarding or relay
/// service, or unknown.
public enum OperatorRole: String, Sendable, Codable, CaseIterable {
    case gateway, mailbox, forwarder, unknown
}

/// The operator of an MX host, as the catalog names it.
public struct Operator: Sendable, Codable, Equatable, Hashable {
    public var vendor: String
    public var role: OperatorRole
    /// The catalog pattern that matched; nil for unknown hosts.
    public var pattern: String?

    public init(vendor: String, role: OperatorRole, pattern: String?) {
        self.vendor = vendor
        self.role = role
        self.pattern = pattern
    }

    public static let unknown = Operator(vendor: "unknown", role: .unknown, pattern: nil)
}

/// One operator of the catalog, with the facts its documentation gives: the MX host patterns,
/// the SPF includes it asks customers to publish, and the per-domain inbound endpoint, if any.
public struct CatalogEntry: Sendable, Codable, Equatable {
    /// The operator as reports show it.
    public var name: String
    /// The full product name, when it says more than `name`.
    public var product: String?
    public var role: OperatorRole
    public var mx: [HostPattern]
    /// Host names that must classify as this operator (checked when the catalog loads).
    public var examples: [String]
    public var spfIncludes: [String]
    /// How the operator names a customer domain's own inbound host, with placeholders.
    public var inboundEndpoint: String?
    /// For a mailbox provider that takes a customer domain's mail at a known host whatever its MX
    /// says: that host, the evidence that a domain is a customer, and how to close the route.
    public var direct: DirectDelivery?
    /// Where the patterns come from, and when that was checked.
    public var source: String
    public var checked: String?
    /// How far the source is the operator's own statement; nil in a user's catalog that does not say.
    public var confidence: SourceConfidence?
    public var notes: String?

    enum CodingKeys: String, CodingKey {
        case name, product, role, mx, examples, direct, source, checked, confidence, notes
        case spfIncludes = "spf_include"
        case inboundEndpoint = "inbound_endpoint"
    }

    public init(
        name: String, role: OperatorRole, mx: [HostPattern], examples: [String] = [], spfIncludes: [String] = [],
        inboundEndpoint: String? = nil, source: String, checked: String? = nil, notes: String? = nil
    ) {
        self.name = name
        self.role = role
        self.mx = mx
        self.examples = examples
        self.spfIncludes = spfIncludes
        self.inboundEndpoint = inboundEndpoint
        self.source = source
        self.checked = checked
        self.notes = notes
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        product = try c.decodeIfPresent(String.self, forKey: .product)
        role = try c.decode(OperatorRole.self, forKey: .role)
        guard role != .unknown else { throw CatalogError("\(name): role must be gateway, mailbox or forwarder") }
        mx = try c.decodeIfPresent([HostPattern].self, forKey: .mx) ?? []
        examples = try c.decodeIfPresent([String].self, forKey: .examples) ?? []
        spfIncludes = try c.decodeIfPresent([String].self, forKey: .spfIncludes) ?? []
        inboundEndpoint = try c.decodeIfPresent(String.self, forKey: .inboundEndpoint)
        direct = try c.decodeIfPresent(DirectDelivery.self, forKey: .direct)
        source = try c.decode(String.self, forKey: .source)
        checked = try c.decodeIfPresent(String.self, forKey: .checked)
        confidence = try c.decodeIfPresent(SourceConfidence.self, forKey: .confidence)
        notes = try c.decodeIfPresent(String.self, forKey: .notes)
    }
}

/// Whether a catalog entry's facts are the operator's own statement or someone else's.
public enum SourceConfidence: String, Sendable, Codable, CaseIterable {
    /// The operator's documentation states the MX names.
    case `operator`
    /// The operator's documentation states part (often only the SPF include); the rest is third-party.
    case partial
    /// Public write-ups or names observed in public DNS: re-check before relying on it.
    case thirdParty = "third-party"
}

/// How a mailbox provider can be reached around a domain's MX records: the host that accepts the
/// domain's mail (Microsoft 365 names one per domain; Google Workspace accepts any hosted domain
/// at a shared host), the DNS evidence that a domain is the provider's customer, and the setting
/// that makes the provider accept the domain's mail only from the gateway.
public struct DirectDelivery: Sendable, Codable, Equatable {
    /// A host name, where `{domain-dashed}` stands for the domain with its dots as dashes.
    public var endpoint: String
    /// Prefixes of TXT records at the domain's apex that the provider asks customers to publish.
    public var verificationTXT: [String]
    /// CNAME targets of `autodiscover.DOMAIN` that point at the provider.
    public var autodiscover: [String]
    public var restriction: String
    public var source: String

    enum CodingKeys: String, CodingKey {
        case endpoint, autodiscover, restriction, source
        case verificationTXT = "verification_txt"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try c.decode(String.self, forKey: .endpoint)
        verificationTXT = try c.decodeIfPresent([String].self, forKey: .verificationTXT) ?? []
        autodiscover = try c.decodeIfPresent([String].self, forKey: .autodiscover) ?? []
        restriction = try c.decode(String.self, forKey: .restriction)
        source = try c.decode(String.self, forKey: .source)
    }

    /// The endpoint for one domain (A-label form).
    public func endpointHost(for domain: String) -> String {
        endpoint.replacingOccurrences(
            of: "{domain-dashed}", with: domain.lowercased().replacingOccurrences(of: ".", with: "-"))
    }
}

/// Which catalog entry a host matched, by which pattern, and whether a user's catalog said so.
public struct CatalogMatch: Sendable, Equatable {
    public var entry: CatalogEntry
    public var pattern: HostPattern
    public var fromUserCatalog: Bool

    public var `operator`: Operator { Operator(vendor: entry.name, role: entry.role, pattern: pattern.description) }
}

/// Host-name patterns → operator and role, from the bundled `operators.yaml` and any user catalog
/// (whose entries take precedence). Among matching patterns the most specific wins: an exact
/// name, then the longest suffix, then `*.` over `**.`. Two operators that claim the same pattern,
/// or an example that classifies as another operator, are refused when the catalog loads.
public struct VendorCatalog: Sendable {
    struct Rule: Sendable {
        var pattern: HostPattern
        var entry: Int
        var priority: Int
    }

    public private(set) var entries: [CatalogEntry] = []
    private var priorities: [Int] = []
    private var rules: [Rule] = []
    /// Exact names straight to their rules: most lookups end here or in a few suffix probes.
    private var byName: [Substring: [Int]] = [:]
    /// Operator names to their entry (a user's entry of the same name wins).
    private var byOperator: [String: Int] = [:]

    /// A catalog in the YAML format of `operators.yaml` (a list under `operators:`).
    public init(yaml: String, priority: Int = 0) throws(CatalogError) {
        struct File: Decodable { var operators: [CatalogEntry] }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError("not a catalog: \(error)")
        }
        try self.init(entries: file.operators, priority: priority)
    }

    /// A catalog in the line format: `PATTERN ROLE VENDOR...` per line, `#` comments. A pattern
    /// `*.SUFFIX` here means any host below SUFFIX (`**.SUFFIX` in the YAML format).
    public init(text: String, priority: Int = 0) throws(CatalogError) {
        var entries: [CatalogEntry] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3 else { throw CatalogError("line \(index + 1): expected PATTERN ROLE VENDOR") }
            guard let role = OperatorRole(rawValue: String(fields[1])), role != .unknown else {
                throw CatalogError("line \(index + 1): role \"\(fields[1])\" is not gateway, mailbox or forwarder")
            }
            var written = String(fields[0])
            if written.hasPrefix("*.") && !written.hasPrefix("**.") { written = "*" + written }
            let pattern: HostPattern
            do { pattern = try HostPattern(parsing: written) } catch {
                throw CatalogError("line \(index + 1): \(error)")
            }
            let vendor = fields[2...].joined(separator: " ")
            if let i = entries.firstIndex(where: { $0.name == vendor && $0.role == role }) {
                entries[i].mx.append(pattern)
            } else {
                entries.append(CatalogEntry(name: vendor, role: role, mx: [pattern], source: "line \(index + 1)"))
            }
        }
        try self.init(entries: entries, priority: priority)
    }

    public init(entries: [CatalogEntry], priority: Int = 0) throws(CatalogError) {
        for entry in entries { add(entry, priority: priority) }
        try check()
    }

    private init() {}

    private mutating func add(_ entry: CatalogEntry, priority: Int) {
        let index = entries.count
        entries.append(entry)
        priorities.append(priority)
        if byOperator[entry.name].map({ priorities[$0] <= priority }) ?? true { byOperator[entry.name] = index }
        for pattern in entry.mx {
            rules.append(Rule(pattern: pattern, entry: index, priority: priority))
            byName[pattern.name[...], default: []].append(rules.count - 1)
        }
    }

    /// Refuses a catalog in which two operators claim one pattern at the same priority, or an
    /// example does not classify as its own operator.
    private func check() throws(CatalogError) {
        var claimed: [String: Int] = [:]
        for rule in rules {
            let key = "\(rule.priority) \(rule.pattern)"
            if let other = claimed[key], entries[other].name != entries[rule.entry].name {
                throw CatalogError(
                    "\(rule.pattern) is claimed by both \(entries[other].name) and \(entries[rule.entry].name)")
            }
            claimed[key] = rule.entry
        }
        for (index, entry) in entries.enumerated() {
            for example in entry.examples {
                guard let rule = bestRule(example) else {
                    throw CatalogError("\(entry.name): example \(example) matches none of its patterns")
                }
                // A user's entry may take a bundled operator's host: that is what overriding means.
                let winner = entries[rule.entry]
                guard winner.name == entry.name || priorities[index] < rule.priority else {
                    throw CatalogError(
                        "\(entry.name): example \(example) classifies as \(winner.name) (\(rule.pattern))")
                }
            }
        }
    }

    /// The bundled catalog (`Resources/operators.yaml`).
    public static let bundled: VendorCatalog = {
        guard let url = Bundle.module.url(forResource: "operators", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return VendorCatalog() }
        do {
            return try VendorCatalog(yaml: text)
        } catch {
            // A broken bundled catalog is a build defect; the tests load it and fail loudly.
            return VendorCatalog()
        }
    }()

    /// Reads a user catalog file: YAML (`operators:` …) or the line format.
    public static func load(path: String) throws(CatalogError) -> VendorCatalog {
        guard let data = FileManager.default.contents(atPath: path) else { throw CatalogError("cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        let isYAML = path.hasSuffix(".yaml") || path.hasSuffix(".yml") || text.contains("operators:")
        do {
            return isYAML ? try VendorCatalog(yaml: text, priority: 1) : try VendorCatalog(text: text, priority: 1)
        } catch {
            throw CatalogError("\(path): \(error)")
        }
    }

    /// This catalog with a user's entries added on top (they win over bundled ones).
    public func adding(_ other: VendorCatalog) throws(CatalogError) -> VendorCatalog {
        var merged = VendorCatalog()
        for (i, entry) in entries.enumerated() { merged.add(entry, priority: priorities[i]) }
        for (i, entry) in other.entries.enumerated() { merged.add(entry, priority: max(1, other.priorities[i])) }
        try merged.check()
        return merged
    }

    /// The most specific matching pattern and its entry, nil when nothing matches.
    public func match(_ host: String) -> CatalogMatch? {
        guard let best = bestRule(host) else { return nil }
        return CatalogMatch(entry: entries[best.entry], pattern: best.pattern, fromUserCatalog: best.priority > 0)
    }

    private func bestRule(_ host: String) -> Rule? {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        var best: Rule?
        // Candidate rules are those filed under the name itself or one of its suffixes, probed as slices of the
        // name (a joined string per suffix cost an allocation each).
        var start = name.startIndex
        while start < name.endIndex {
            for index in byName[name[start...]] ?? [] {
                let rule = rules[index]
                guard rule.pattern.matches(normalized: name) else { continue }
                if let b = best, Self.rank(b) >= Self.rank(rule) { continue }
                best = rule
            }
            start = name[start...].firstIndex(of: ".").map { name.index(after: $0) } ?? name.endIndex
        }
        return best
    }

    /// User entries first, then the more specific pattern.
    private static func rank(_ rule: Rule) -> (Int, Int, Int, Int) {
        let s = rule.pattern.specificity
        return (rule.priority, s.0, s.1, s.2)
    }

    public func `operator`(of host: String) -> Operator { match(host)?.operator ?? .unknown }

    /// The entry of the operator reports call `name` (an `Operator`'s vendor).
    public func entry(named name: String) -> CatalogEntry? { byOperator[name].map { entries[$0] } }

    /// The operators that ask customers to publish `include` in SPF (RFC 7208 §5.2).
    public func entries(forSPFInclude include: String) -> [CatalogEntry] {
        var name = include.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return entries.filter { $0.spfIncludes.contains { $0.lowercased() == name } }
    }

    public var count: Int { entries.count }
}

public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
