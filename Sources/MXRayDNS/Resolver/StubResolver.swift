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
    /// The questions on the wire, each with the askers waiting for its owner's answer.
    private let inFlight: Mutex<[DNSCache.Key: [UnsafeContinuation<DNSLookup?, Never>]]> = Mutex([:])
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
        if let hit = cached(key, name, type) { return hit }
        // RFC 5452 §5 and the peers' practice: one query on the wire per distinct question. The first
        // asker resolves in its own task; later askers wait for its answer. An asker that finds the
        // question settled between its two looks (a race of a few instructions) asks again, at most
        // twice, and then resolves alone rather than wait any longer.
        for _ in 0..<3 {
            if claim(key) { return await resolveSharing(name, type, key: key, first: nil) }
            let shared: DNSLookup? = await withUnsafeContinuation { waiter in
                let joined = inFlight.withLock { table in
                    guard table[key] != nil else { return false }
                    table[key]!.append(waiter)
                    return true
                }
                if !joined { waiter.resume(returning: nil) }
            }
            if let shared { return shared }
            if let hit = cached(key, name, type) { return hit }
        }
        return await resolve(name, type, key: key, first: nil)
    }

    /// Several lookups with one wait: the questions neither cached nor already on the wire go out
    /// together, and the task suspends once for all their first replies rather than once per lookup
    /// in a task of its own. What a first reply leaves open (a CNAME to chase, a truncated reply, the
    /// next server) continues as `lookup` would. Answers come back in the order asked.
    public func lookupAll(_ questions: [DNSQuestion]) async -> [DNSLookup] {
        var answers = [DNSLookup?](repeating: nil, count: questions.count)
        var owned: [(index: Int, key: DNSCache.Key)] = []
        var sharedWithOthers: [Int] = []
        for (i, q) in questions.enumerated() {
            let key = DNSCache.Key(name: q.name, type: q.type)
            if let hit = cached(key, q.name, q.type) {
                answers[i] = hit
            } else if claim(key) {
                owned.append((i, key))
            } else {
                sharedWithOthers.append(i)
            }
        }
        let first = await firstReplies(owned.map { questions[$0.index] })
        // Owned questions first: a question asked twice in one batch waits for its own owner.
        for (j, (i, key)) in owned.enumerated() {
            answers[i] = await resolveSharing(questions[i].name, questions[i].type, key: key, first: first[j])
        }
        for i in sharedWithOthers { answers[i] = await lookup(questions[i].name, questions[i].type) }
        return questions.indices.map { answers[$0] ?? .unanswered(questions[$0]) }
    }

    /// Takes ownership of a question not yet on the wire; false when another asker owns it.
    private func claim(_ key: DNSCache.Key) -> Bool {
        inFlight.withLock { table in
            guard table[key] == nil else { return false }
            table[key] = []
            return true
        }
    }

    /// The first try of each question at the first usable server, started together; nil for a
    /// question that could not be encoded (`query` reports it).
    private func firstReplies(_ questions: [DNSQuestion]) async -> [FirstReply?] {
        var replies = [FirstReply?](repeating: nil, count: questions.count)
        let usable = servers.indices.lazy.compactMap { i in (try? self.servers[i].address.get()).map { (i, $0) } }
        guard !questions.isEmpty, let (server, address) = usable.first else { return replies }
        let sentAt = ContinuousClock.now
        var exchanges: [UDPTransport.Exchange] = []
        var slots: [Int] = []
        for (i, question) in questions.enumerated() {
            guard let query = try? encodedQuery(question) else { continue }
            exchanges.append(UDPTransport.Exchange(query: query, question: question, server: address))
            slots.append(i)
        }
        let futures = udp.exchange(
            exchanges, timeout: TimeAmount(configuration.timeout), tries: max(1, configuration.attempts))
        // whenAllComplete never fails: each result is a reply or that try's error.
        let results = (try? await EventLoopFuture.whenAllComplete(futures, on: eventLoop).get()) ?? []
        for (j, result) in results.enumerated() {
            replies[slots[j]] = FirstReply(server: server, query: exchanges[j].query, reply: result, sentAt: sentAt)
        }
        return replies
    }

    /// Resolves as the owner of a question and hands the answer to everyone who asked meanwhile.
    private func resolveSharing(
        _ name: DomainName, _ type: RRType, key: DNSCache.Key, first: FirstReply?
    ) async -> DNSLookup {
        let result = await resolve(name, type, key: key, first: first)
        let waiters = inFlight.withLock { $0.removeValue(forKey: key) } ?? []
        for waiter in waiters { waiter.resume(returning: result) }
        return result
    }

    /// A fresh cached answer, asked as `name` was spelled.
    private func cached(_ key: DNSCache.Key, _ name: DomainName, _ type: RRType) -> DNSLookup? {
        guard configuration.cacheEnabled, var hit = cache.get(key, now: .now) else { return nil }
        hit.question = DNSQuestion(name: name, type: type)
        return hit
    }

    /// A fresh cached answer without waiting, or nil when answering needs a query.
    public func cachedLookup(_ name: DomainName, _ type: RRType) -> DNSLookup? {
        cached(DNSCache.Key(name: name, type: type), name, type)
    }

    private func resolve(_ name: DomainName, _ type: RRType, key: DNSCache.Key, first: FirstReply?) async -> DNSLookup {
        // A batched lookup's time runs from when its first try went out with the batch.
        let start = first?.sentAt ?? ContinuousClock.now
        let question = DNSQuestion(name: name, type: type)
        var chain: [ResourceRecord] = []
        var current = name
        var minChainTTL = UInt32.max
        var firstReply = first
        // Each iteration asks about one name; a CNAME the server did not chase starts another.
        for _ in 0...configuration.maxCNAMEChain {
            let step = await query(DNSQuestion(name: current, type: type), first: firstReply)
            firstReply = nil
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

    /// A question's first try at server number `server`, already over: what `query` would have
    /// waited for, had it sent the query itself.
    private struct FirstReply {
        var server: Int
        var query: [UInt8]
        var reply: Result<[UInt8], any Error>
        var sentAt: ContinuousClock.Instant
    }

    /// The query as sent: EDNS with no options, never offering more than the transport reads.
    private func encodedQuery(_ question: DNSQuestion) throws -> [UInt8] {
        var edns = EDNS(udpPayloadSize: min(configuration.ednsPayloadSize, UInt16(UDPTransport.largestReplyBytes)))
        edns.options = []
        // A query's one name has nothing earlier to point at: compression would only build its suffix table.
        return try DNSMessage.query(question, id: 0, edns: edns).encoded(compress: false)
    }

    /// Asks the nameservers in order, `attempts` times each, until one gives a usable reply.
    /// Server failures and bad replies move on to the next server; the last reason is reported.
    private func query(_ question: DNSQuestion, first: FirstReply?) async -> Step {
        guard !configuration.nameservers.isEmpty else {
            return Step(
                verdict: .tryNextServer(DNSFailure(.noNameservers, "no nameserver configured")), server: "",
                transport: "udp")
        }
        let queryBytes: [UInt8]
        do { queryBytes = try first?.query ?? encodedQuery(question) } catch {
            return Step(
                verdict: .tryNextServer(DNSFailure(.malformedAnswer, "cannot encode the query: \(error)")), server: "",
                transport: "udp")
        }
        let timeout = TimeAmount(configuration.timeout)
        var problems: [String] = []
        var lastKind: DNSFailure.Kind = .timeout
        for (index, (server, resolved)) in servers.enumerated() {
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
                if let first, first.server == index {
                    reply = try first.reply.get()
                } else {
                    reply = try await udp.exchange(
                        query: queryBytes, question: question, server: address, timeout: timeout, tries: tries
                    ).get()
                }
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
