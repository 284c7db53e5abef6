/// Answers questions from master files instead of the network, the way an authoritative server
/// would: CNAMEs are followed, wildcards synthesised (RFC 4592), empty non-terminals give NODATA
/// (RFC 8020 §2), and every name outside the loaded data is NXDOMAIN.
public struct ZoneResolver: DNSResolver {
    /// A CNAME chain longer than this inside the loaded zones is reported as a failure.
    public static let maxCNAMEChain = 16

    private var nodes: [DomainName: [RRType: [ResourceRecord]]] = [:]
    /// Names that own no records but have descendants that do, below a zone apex.
    private var emptyNonTerminals: Set<DomainName> = []
    public let source: String
    public private(set) var warnings: [String] = []

    public init(zones: [ZoneFile]) {
        var apexes: [DomainName] = []
        for zone in zones {
            warnings += zone.warnings.map { "\(zone.path ?? "zone"): \($0)" }
            apexes += zone.records.filter { $0.type == .soa }.map(\.name)
            if let origin = zone.origin { apexes.append(origin) }
            for record in zone.records {
                var set = nodes[record.name, default: [:]]
                var list = set[record.type, default: []]
                if !list.contains(where: { $0.data == record.data }) { list.append(record) }
                set[record.type] = list
                nodes[record.name] = set
            }
        }
        for name in nodes.keys {
            var cursor = name.parent
            while let c = cursor, apexes.contains(where: { c.isSubdomain(of: $0) && c != $0 }) {
                if nodes[c] == nil { emptyNonTerminals.insert(c) }
                cursor = c.parent
            }
        }
        let paths = zones.map { $0.path ?? "inline" }
        source = "zone " + paths.joined(separator: ", ")
    }

    /// Loads every file; errors name the file and line.
    public init(paths: [String]) throws(ZoneFileError) {
        var zones: [ZoneFile] = []
        for path in paths { zones.append(try ZoneFile(contentsOf: path)) }
        self.init(zones: zones)
    }

    public var recordCount: Int { nodes.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } }

    public func lookup(_ name: DomainName, _ type: RRType) async -> DNSLookup {
        let start = ContinuousClock.now
        let question = DNSQuestion(name: name, type: type)
        var chain: [ResourceRecord] = []
        var current = name
        var seen: Set<DomainName> = [name]
        func done(_ outcome: DNSOutcome) -> DNSLookup {
            DNSLookup(
                question: question, outcome: outcome, cnameChain: chain, source: source,
                elapsed: (ContinuousClock.now - start).seconds, transport: "zone")
        }
        while true {
            guard let node = self.node(for: current) else {
                return done(emptyNonTerminals.contains(current) ? .nodata : .nxdomain)
            }
            if let records = node[type], !records.isEmpty {
                return done(
                    .records(
                        records.map {
                            var r = $0
                            r.name = current
                            return r
                        }))
            }
            if type != .cname, let cname = node[.cname]?.first, case .cname(let target) = cname.data {
                var link = cname
                link.name = current
                chain.append(link)
                guard chain.count <= Self.maxCNAMEChain, seen.insert(target).inserted else {
                    return done(
                        .failure(
                            DNSFailure(
                                .cnameChain, "CNAME chain from \(name) loops or exceeds \(Self.maxCNAMEChain) links")))
                }
                current = target
                continue
            }
            return done(.nodata)
        }
    }

    /// The node for a name, or the wildcard that covers it (RFC 4592 §3.3.1).
    private func node(for name: DomainName) -> [RRType: [ResourceRecord]]? {
        if let node = nodes[name] { return node }
        if emptyNonTerminals.contains(name) { return nil }
        var encloser = name.parent
        while let e = encloser {
            if nodes[e] != nil || emptyNonTerminals.contains(e) {
                guard let wildcard = try? e.prepending([UInt8(ascii: "*")]) else { return nil }
                return nodes[wildcard]
            }
            encloser = e.parent
        }
        return nil
    }
}

extension Duration {
    /// This duration in seconds, as a Double for reports.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
