import NIOCore
import NIOPosix
import Synchronization

/// An asynchronous stub resolver (RFC 1035 §7, RFC 1123 §6.1.3.1): it asks recursive nameservers
/// over UDP, retries over TCP when the reply is truncated (RFC 7766 §5), tries each server a
/// bounded number of times before the next, follows CNAME chains, caches answers and negative
/// answers for their TTLs, and merges identical concurrent questions into one query.
public final class StubResolver: DNSResolver {
    public let configuration: ResolverConfiguration
    public let cache: DNSCache
    private let udp: UDPTransport
    private let eventLoop: EventLoop
    private let inFlight: Mutex<[DNSCache.Key: Task<DNSLookup, Never>]> = Mutex([:])
    private let retriedOverTCP = Atomic<Int>(0)
    /// Each nameserver's name in reports and its socket address (or why it has none), worked out once rather
    /// than printed and parsed again for every query.
    private let servers: [(label: String, address: Result<SocketAddress, any Error>)]

    public init(
        configuration: ResolverConfiguration, eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.cache = DNSCache(capacity: configuration.maxCacheEntries, maxBytes: configuration.maxCacheBytes)
        self.eventLoop = eventLoopGroup.next()
        self.udp = UDPTransport(
            eventLoop: eventLoop, initialWindow: configuration.initialQueryWindow,
            maxInFlight: configuration.maxQueriesInFlight)
        self.servers = configuration.nameservers.map { server in
            (server.description, Result { try SocketAddress(ipAddress: server.address.description, port: server.port) })
        }
    }

    /// What was sent and what came back so far.
    public func statistics() async -> QueryStatistics {
        var statistics = (try? await udp.statistics().get()) ?? QueryStatistics()
        statistics.retriedOverTCP = retriedOverTCP.load(ordering: .relaxed)
        return statistics
    }

    /// Closes the resolver's sockets. Lookups after this fail with a network error.
    public func shutdown() async {
        try? await udp.shutdown().get()
    }

    public func lookup(_ name: DomainName, _ type: RRType) async -> DNSLookup {
        let key = DNSCache.Key(name: name, type: type)
        if configuration.cacheEnabled, var hit = cache.get(key, now: .now) {
            hit.question = DNSQuestion(name: name, type: type)
            return hit
        }
        // RFC 5452 §5 and the peers' practice: one query on the wire per distinct question.
        let (task, isOwner) = inFlight.withLock { table -> (Task<DNSLookup, Never>, Bool) in
            if let existing = table[key] { return (existing, false) }
            let task = Task { await self.resolve(name, type, key: key) }
            table[key] = task
            return (task, true)
        }
        let result = await task.value
        if isOwner { inFlight.withLock { _ = $0.removeValue(forKey: key) } }
        return result
    }

    private func resolve(_ name: DomainName, _ type: RRType, key: DNSCache.Key) async -> DNSLookup {
        let start = ContinuousClock.now
        let question = DNSQuestion(name: name, type: type)
        var chain: [ResourceRecord] = []
        var current = name
        var minChainTTL = UInt32.max
        // Each iteration asks about one name; a CNAME the server did not chase starts another.
        for _ in 0...configuration.maxCNAMEChain {
            let step = await query(DNSQuestion(name: current, type: type))
            var lookup = DNSLookup(
                question: question, outcome: .failure(DNSFailure(.noNameservers, "no nameserver configured")),
                cnameChain: chain, source: step.server, elapsed: 0, transport: step.transport)
            switch step.verdict {
            case .final(let outcome, let more, let ttl):
                lookup.outcome = outcome
                lookup.cnameChain = chain + more
                lookup.elapsed = (ContinuousClock.now - start).seconds
                let cacheTTL = cacheLifetime(outcome, ttl: min(ttl, minChainTTL))
                if configuration.cacheEnabled, cacheTTL > 0 {
                    cache.put(key, lookup, ttl: cacheTTL, now: .now)
                }
                return lookup
            case .followCNAME(let target, let more):
                chain += more
                minChainTTL = min(minChainTTL, more.map(\.ttl).min() ?? minChainTTL)
                guard chain.count <= configuration.maxCNAMEChain,
                    !chain.dropLast().contains(where: { $0.name == target }), target != name
                else {
                    lookup.outcome = .failure(
                        DNSFailure(
                            .cnameChain,
                            "CNAME chain from \(name) loops or exceeds \(configuration.maxCNAMEChain) links"))
                    lookup.cnameChain = chain
                    lookup.elapsed = (ContinuousClock.now - start).seconds
                    return lookup
                }
                current = target
            case .tryNextServer(let failure):
                lookup.outcome = .failure(failure)
                lookup.elapsed = (ContinuousClock.now - start).seconds
                return lookup
            }
        }
        return DNSLookup(
            question: question,
            outcome: .failure(
                DNSFailure(.cnameChain, "CNAME chain from \(name) exceeds \(configuration.maxCNAMEChain) links")),
            cnameChain: chain, source: "", elapsed: (ContinuousClock.now - start).seconds, transport: "udp")
    }

    private func cacheLifetime(_ outcome: DNSOutcome, ttl: UInt32) -> UInt32 {
        switch outcome {
        case .records: min(ttl, configuration.maxPositiveTTL)
        case .nxdomain, .nodata: min(ttl, configuration.maxNegativeTTL)
        case .failure: 0
        }
    }

    private struct Step {
        var verdict: ResponseClassifier.Verdict
        var server: String
        var transport: String
    }

    /// Asks the nameservers in order, `attempts` times each, until one gives a usable reply.
    /// Server failures and bad replies move on to the next server; the last reason is reported.
    private func query(_ question: DNSQuestion) async -> Step {
        guard !configuration.nameservers.isEmpty else {
            return Step(
                verdict: .tryNextServer(DNSFailure(.noNameservers, "no nameserver configured")), server: "",
                transport: "udp")
        }
        // Never more than the transport has room for in each reply it reads.
        var edns = EDNS(udpPayloadSize: min(configuration.ednsPayloadSize, UInt16(UDPTransport.largestReplyBytes)))
        edns.options = []
        let queryBytes: [UInt8]
        // A query's one name has nothing earlier to point at: compression would only build its suffix table.
        do { queryBytes = try DNSMessage.query(question, id: 0, edns: edns).encoded(compress: false) } catch {
            return Step(
                verdict: .tryNextServer(DNSFailure(.malformedAnswer, "cannot encode the query: \(error)")), server: "",
                transport: "udp")
        }
        let timeout = TimeAmount(configuration.timeout)
        var problems: [String] = []
        var lastKind: DNSFailure.Kind = .timeout
        for (server, resolved) in servers {
            let address: SocketAddress
            do { address = try resolved.get() } catch {
                problems.append("\(server): \(error)")
                lastKind = .network
                continue
            }
            let tries = max(1, configuration.attempts)
            var transport = "udp"
            var reply: [UInt8]
            do {
                // The tries share one lookup: a reply to an earlier try that comes late still answers.
                reply = try await udp.exchange(
                    query: queryBytes, question: question, server: address, timeout: timeout, tries: tries
                ).get()
                if reply.count > 2, reply[2] & 0x02 != 0 {
                    // RFC 1035 §4.2.1 and RFC 7766 §5: a truncated UDP reply is retried over TCP.
                    transport = "tcp"
                    retriedOverTCP.add(1, ordering: .relaxed)
                    reply = try await TCPTransport.exchange(
                        query: queryBytes, question: question, server: address,
                        timeout: timeout, eventLoop: eventLoop
                    ).get()
                }
            } catch ExchangeError.timeout {
                let seconds = configuration.timeout.seconds
                problems.append(
                    transport == "udp"
                        ? "\(server): no reply to \(tries) \(tries == 1 ? "try" : "tries") of \(seconds)s"
                        : "\(server) (tcp): no reply in \(seconds)s")
                if problems.count == 1 || lastKind == .timeout { lastKind = .timeout }
                continue
            } catch {
                problems.append("\(server) (\(transport)): \(error)")
                lastKind = .network
                continue
            }
            let message: DNSMessage
            do { message = try DNSMessage(decoding: reply) } catch {
                problems.append("\(server) sent a malformed reply: \(error)")
                lastKind = .malformedAnswer
                continue
            }
            let verdict = ResponseClassifier.classify(
                message, question: question, server: server, maxChain: configuration.maxCNAMEChain)
            if case .tryNextServer(let failure) = verdict {
                problems.append(failure.detail)
                lastKind = failure.kind
                continue
            }
            return Step(verdict: verdict, server: server, transport: transport)
        }
        return Step(
            verdict: .tryNextServer(DNSFailure(lastKind, problems.joined(separator: "; "))),
            server: servers.map(\.label).joined(separator: ", "), transport: "udp")
    }
}
