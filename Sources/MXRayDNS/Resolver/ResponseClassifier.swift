/// Turns one response into one of the four outcomes, or says to follow a CNAME or try another
/// server. Pure: tested without a network.
enum ResponseClassifier {
    enum Verdict: Equatable {
        /// A final outcome and how long it may be cached.
        case final(DNSOutcome, chain: [ResourceRecord], cacheTTL: UInt32)
        /// The answer stopped at a CNAME target that the server did not chase (RFC 1034 §5.3.3).
        case followCNAME(target: DomainName, chain: [ResourceRecord])
        /// This server's reply is no answer; another server may do better.
        case tryNextServer(DNSFailure)
    }

    static func classify(_ message: DNSMessage, question: DNSQuestion, server: String, maxChain: Int) -> Verdict {
        // A reply to a standard query carries the same opcode (RFC 1035 §4.1.1) and ends with its
        // last counted record; anything else is malformed, never an answer.
        guard message.opcode == 0 else {
            return .tryNextServer(
                DNSFailure(.malformedAnswer, "\(server) answered with opcode \(message.opcode), not QUERY"))
        }
        guard message.trailingOctets == 0 else {
            return .tryNextServer(
                DNSFailure(
                    .malformedAnswer, "\(server) sent \(message.trailingOctets) octets after the last record"))
        }
        switch message.rcode {
        case .noError, .nameError: break
        case .refused:
            return .tryNextServer(DNSFailure(.refused, "\(server) answered REFUSED"))
        default:
            return .tryNextServer(DNSFailure(.serverFailure, "\(server) answered \(message.rcode)"))
        }

        // RFC 1034 §3.6.2 and §4.3.2: follow CNAMEs in the answer from the name asked for.
        var chain: [ResourceRecord] = []
        var current = question.name
        // The names the chain went through besides the question's: a handful at most, so a list.
        var seen: [DomainName] = []
        while true {
            // A CNAME that names itself is a loop, whatever other records the answer holds.
            if message.answers.contains(where: { rr in
                if case .cname(let target) = rr.data { return rr.name == current && target == current }
                return false
            }) {
                return .final(
                    .failure(DNSFailure(.cnameChain, "\(current) is a CNAME of itself: a loop")), chain: chain,
                    cacheTTL: 0)
            }
            let matching = message.answers.filter { $0.name == current && $0.type == question.type }
            if !matching.isEmpty {
                let ttl = min(matching.lazy.map(\.ttl).min() ?? 0, chain.lazy.map(\.ttl).min() ?? .max)
                return .final(.records(matching), chain: chain, cacheTTL: ttl)
            }
            guard question.type != .cname,
                let link = message.answers.first(where: { $0.name == current && $0.type == .cname }),
                case .cname(let target) = link.data
            else { break }
            chain.append(link)
            guard chain.count <= maxChain, target != question.name, !seen.contains(target) else {
                return .final(
                    .failure(
                        DNSFailure(
                            .cnameChain, "CNAME chain from \(question.name) loops or exceeds \(maxChain) links")),
                    chain: chain, cacheTTL: 0)
            }
            seen.append(target)
            current = target
        }

        // RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM).
        let negativeTTL = message.authorities.compactMap { record -> UInt32? in
            guard case .soa(let soa) = record.data else { return nil }
            return min(record.ttl, soa.minimum)
        }.min()

        if message.rcode == .nameError {
            // RFC 6604 §3: with a CNAME chain, NXDOMAIN is about the last name in the chain.
            return .final(.nxdomain, chain: chain, cacheTTL: negativeTTL ?? 0)
        }
        if !chain.isEmpty && negativeTTL == nil {
            return .followCNAME(target: current, chain: chain)
        }
        if negativeTTL == nil && !message.authoritative && message.authorities.contains(where: { $0.type == .ns }) {
            // A delegation, not an answer: this server neither knows nor recurses (RFC 1034 §4.3.1).
            return .tryNextServer(
                DNSFailure(
                    .referral,
                    "\(server) sent a referral instead of an answer; it does not recurse for \(question.name)"))
        }
        return .final(.nodata, chain: chain, cacheTTL: negativeTTL ?? 0)
    }
}
