import MXRayInbound
import MXRayTrace

/// What the trace page shows: the recipient's tiers with the message's hops drawn over them
/// (RFC 5321 §4.4 Received fields, oldest first), the verdict, and each hop's conclusions
/// (RFC 8601 Authentication-Results, RFC 8617 ARC-Authentication-Results).
struct TracePage: Sendable {
    struct HopRow: Sendable {
        var number: Int
        var client: String
        var by: String
        var place: String
        var how: String
        var entry: Bool
        var conclusions: [String]
        var raw: String
    }

    var source: String
    var recipientDomain: String
    var generated: String
    var banner: Banner
    var picture: FlowPicture
    var legend: [LegendItem]
    var hops: [HopRow]
    var checkedNow: String
    var explanations: [String]

    init(_ report: TraceReport, source: String, generated: String) {
        self.source = source
        recipientDomain = report.recipientDomain ?? "unknown"
        self.generated = generated
        let level =
            switch report.verdict {
            case .viaPrimaryTier: "ok"
            case .viaFailoverTier: "medium"
            case .bypassedGateway: "critical"
            case .unknown: "info"
            }
        banner = Banner(level: level, word: report.verdict.rawValue, sentence: report.verdictReason)
        picture = FlowPicture(TracePage.flowFacts(report))
        legend = LegendItem.items(for: picture)
        hops = report.hops.map { hop in
            let r = hop.received
            let client = hop.clientText
            var place = hop.operator.role == .unknown ? "" : "\(hop.operator.vendor), \(hop.operator.role.rawValue)"
            if let tier = hop.tier { place += place.isEmpty ? "MX \(tier)" : ", MX \(tier)" }
            var how: [String] = []
            if let w = r.with { how.append(w) }
            if r.tls == true { how.append(r.tlsVersion ?? "TLS") } else if r.tls == false { how.append("no TLS") }
            if let d = hop.delay { how.append(d >= 0 ? "+\(d) s" : "\(d) s (clock skew)") }
            return HopRow(
                number: hop.number, client: r.parsed ? (client.isEmpty ? "?" : client) : "(not parsed)",
                by: r.by ?? "?", place: place, how: how.joined(separator: " · "), entry: hop.number == report.entryHop,
                conclusions: hop.conclusions.map { c in
                    (c.instance.map { "ARC i=\($0) " } ?? "") + "\(c.authservID): " + c.results.joined(separator: "; ")
                }, raw: r.raw)
        }
        checkedNow = report.checkedNowWords.joined(separator: " ")
        explanations = report.explanations
    }

    static func flowFacts(_ report: TraceReport) -> FlowFacts {
        let entry = report.hops.first { $0.number == report.entryHop }
        let sender = entry?.clientText ?? "unknown sender"
        let landings = report.hops.compactMap { hop -> TraceOverlay.Landing? in
            guard hop.tier != nil || hop.operator.role == .mailbox else { return nil }
            return .init(hop: hop.number, tier: hop.tier, vendor: hop.operator.vendor)
        }
        // The first landing per box is enough: later hops inside the same provider add nothing.
        var seen: Set<String> = []
        let distinct = landings.filter { seen.insert("\($0.tier ?? -1)|\($0.vendor)").inserted }
        let hosts = report.tiers.flatMap(\.hosts)
        let provider = hosts.first { $0.operator.role == .mailbox }?.operator.vendor
        let kind: MXKind = report.tiers.isEmpty ? .unknown : .explicit
        return FlowFacts(
            domain: report.recipientDomain ?? "unknown", kind: kind, tiers: report.tiers, mailboxProvider: provider,
            trace: TraceOverlay(
                sender: sender.isEmpty ? "unknown sender" : sender, entryHop: report.entryHop,
                bypassed: report.verdict == .bypassedGateway, landings: distinct))
    }
}
