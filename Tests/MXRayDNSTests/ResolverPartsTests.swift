import Foundation
import Testing

@testable import MXRayDNS

@Suite struct ResolverPartsTests {
    @Test func nameserverAddresses() throws {
        #expect(try Nameserver(parsing: "192.0.2.53").description == "192.0.2.53:53")
        #expect(try Nameserver(parsing: "127.0.0.1:5353").port == 5353)
        #expect(try Nameserver(parsing: "::1").description == "[::1]:53")
        #expect(try Nameserver(parsing: "[::1]:5353").description == "[::1]:5353")
        for bad in ["", "ns.example.com", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]x", "1.2.3"] {
            #expect(throws: NameserverError.self) { try Nameserver(parsing: bad) }
        }
    }

    @Test func resolvConf() {
        let conf = ResolvConf(
            parsing: """
                # comment
                search example.com
                nameserver 192.0.2.53
                nameserver fe80::1%eth0 ; link-local with scope
                nameserver not-an-ip
                options ndots:2 timeout:3 attempts:9
                """)
        #expect(conf.nameservers.map(\.description) == ["192.0.2.53:53", "[fe80::1]:53"])
        #expect(conf.timeoutSeconds == 3)
        #expect(conf.attempts == 5)
    }

    @Test func cacheCountsTTLsDownAndExpires() {
        let cache = DNSCache(capacity: 10)
        let key = DNSCache.Key(name: name("example.com"), type: .a)
        let record = ResourceRecord(name: name("example.com"), ttl: 30, data: .a(IPv4Address(192, 0, 2, 1)))
        let lookup = DNSLookup(
            question: DNSQuestion(name: name("example.com"), type: .a), outcome: .records([record]),
            source: "test", elapsed: 0.01, transport: "udp")
        let t0 = ContinuousClock.now
        cache.put(key, lookup, ttl: 30, now: t0)
        let later = cache.get(key, now: t0 + .seconds(10))
        #expect(later?.records.first?.ttl == 20)
        #expect(later?.fromCache == true)
        #expect(cache.get(key, now: t0 + .seconds(30)) == nil)
        #expect(cache.count == 0)
    }

    @Test func negativeAnswersAreCachedButZeroTTLIsNot() {
        let cache = DNSCache(capacity: 10)
        let key = DNSCache.Key(name: name("nope.example.com"), type: .a)
        let nx = DNSLookup(
            question: DNSQuestion(name: key.name, type: .a), outcome: .nxdomain, source: "t", elapsed: 0,
            transport: "udp")
        cache.put(key, nx, ttl: 0, now: .now)
        #expect(cache.count == 0)
        cache.put(key, nx, ttl: 60, now: .now)
        #expect(cache.get(key, now: .now)?.outcome == .nxdomain)
    }

    @Test func cacheStaysWithinItsCapacity() {
        let cache = DNSCache(capacity: 100)
        for i in 0..<1000 {
            let n = name("h\(i).example.com")
            cache.put(
                DNSCache.Key(name: n, type: .a),
                DNSLookup(
                    question: DNSQuestion(name: n, type: .a), outcome: .nodata, source: "t", elapsed: 0,
                    transport: "udp"),
                ttl: 60, now: .now)
        }
        #expect(cache.count <= 100)
    }

    @Test func replyMatcherChecksIDQuestionAndQR() throws {
        let q = DNSQuestion(name: name("example.com"), type: .mx)
        var reply = DNSMessage.query(q, id: 99)
        reply.isResponse = true
        let bytes = try reply.encoded()
        #expect(ReplyMatcher.matches(bytes, id: 99, question: q))
        #expect(ReplyMatcher.matches(bytes, id: 99, question: DNSQuestion(name: name("EXAMPLE.com"), type: .mx)))
        #expect(!ReplyMatcher.matches(bytes, id: 98, question: q))
        #expect(!ReplyMatcher.matches(bytes, id: 99, question: DNSQuestion(name: name("example.org"), type: .mx)))
        #expect(!ReplyMatcher.matches(bytes, id: 99, question: DNSQuestion(name: name("example.com"), type: .a)))
        // A query, not a reply.
        #expect(!ReplyMatcher.matches(try DNSMessage.query(q, id: 99).encoded(), id: 99, question: q))
        #expect(!ReplyMatcher.matches(Array(bytes.prefix(11)), id: 99, question: q))
    }

    @Test func classifierTurnsErrorCodesIntoFailures() {
        let q = DNSQuestion(name: name("example.com"), type: .a)
        for (code, kind) in [
            (ResponseCode.serverFailure, DNSFailure.Kind.serverFailure), (.refused, .refused),
            (.notImplemented, .serverFailure),
        ] {
            var m = DNSMessage()
            m.isResponse = true
            m.rcode = code
            guard
                case .tryNextServer(let failure) = ResponseClassifier.classify(m, question: q, server: "s", maxChain: 8)
            else {
                Issue.record("\(code) was not a failure")
                continue
            }
            #expect(failure.kind == kind)
        }
    }

    /// The resolver's old leniencies: a reply with another opcode, or with octets after its last
    /// record, is malformed; a CNAME naming itself is a loop even beside other records.
    @Test func malformedRepliesAndSelfLoopsAreFailures() throws {
        let q = DNSQuestion(name: name("example.com"), type: .a)
        var reply = DNSMessage.query(q, id: 7)
        reply.isResponse = true
        reply.answers = [ResourceRecord(name: name("example.com"), ttl: 60, data: .a(IPv4Address(192, 0, 2, 1)))]
        var opcode = reply
        opcode.opcode = 2
        var trailing = try DNSMessage(decoding: try reply.encoded() + [0, 0, 0])
        #expect(trailing.trailingOctets == 3)
        for m in [opcode, trailing] {
            guard case .tryNextServer(let f) = ResponseClassifier.classify(m, question: q, server: "s", maxChain: 8)
            else {
                Issue.record("accepted: \(m)")
                continue
            }
            #expect(f.kind == .malformedAnswer)
        }
        trailing.trailingOctets = 0
        #expect(
            ResponseClassifier.classify(trailing, question: q, server: "s", maxChain: 8)
                != .tryNextServer(
                    DNSFailure(.malformedAnswer, "")))
        var loop = reply
        loop.answers.append(ResourceRecord(name: name("example.com"), ttl: 60, data: .cname(name("example.com"))))
        guard
            case .final(.failure(let f), _, _) = ResponseClassifier.classify(
                loop, question: q, server: "s", maxChain: 8)
        else {
            Issue.record("a self-naming CNAME gave an answer")
            return
        }
        #expect(f.kind == .cnameChain)
    }

    @Test func lookupJSONKeepsTheFourOutcomesApart() throws {
        let q = DNSQuestion(name: name("example.com"), type: .mx)
        let outcomes: [DNSOutcome] = [
            .records([ResourceRecord(name: q.name, ttl: 5, data: .mx(preference: 0, exchange: name("mx.example.com")))]
            ),
            .nxdomain, .nodata, .failure(DNSFailure(.timeout, "no reply")),
        ]
        for outcome in outcomes {
            let lookup = DNSLookup(
                question: q, outcome: outcome, source: "127.0.0.1:53", elapsed: 0.0012, transport: "udp")
            let data = try JSONEncoder().encode(lookup)
            let back = try JSONDecoder().decode(DNSLookup.self, from: data)
            #expect(back.outcome == outcome)
            #expect(abs(back.elapsed - 0.0012) < 1e-9)
        }
    }
}

@Suite struct CacheEvictionTests {
    static func nodata(_ text: String) -> (DNSCache.Key, DNSLookup) {
        let n = try! DomainName(text)
        return (
            DNSCache.Key(name: n, type: .a),
            DNSLookup(
                question: DNSQuestion(name: n, type: .a), outcome: .nodata, source: "t", elapsed: 0, transport: "udp")
        )
    }

    /// CLOCK gives an entry read since the hand last passed a second chance: with the cache full of
    /// entries that are read again and again, new names evict the ones nobody read.
    @Test func entriesInUseSurviveEviction() {
        let cache = DNSCache(capacity: 64)
        let now = ContinuousClock.now
        let hot = (0..<16).map { Self.nodata("hot\($0).example.com") }
        for (k, l) in hot { cache.put(k, l, ttl: 600, now: now) }
        for i in 0..<2000 {
            for (k, _) in hot { _ = cache.get(k, now: now) }
            let (k, l) = Self.nodata("cold\(i).example.com")
            cache.put(k, l, ttl: 600, now: now)
        }
        #expect(cache.count <= 64)
        let kept = hot.filter { cache.get($0.0, now: now) != nil }.count
        #expect(kept >= 12, "\(kept) of 16 entries in use survived")
    }

    /// Expired entries leave a little at a time, and the bytes bound holds.
    @Test func expiredEntriesGoAndBytesStayBounded() {
        let cache = DNSCache(capacity: 10_000, maxBytes: 64 * 1024)
        let t0 = ContinuousClock.now
        for i in 0..<5000 {
            let (k, l) = Self.nodata("e\(i).example.com")
            cache.put(k, l, ttl: 1, now: t0)
        }
        #expect(cache.bytes <= 64 * 1024)
        let later = t0 + .seconds(5)
        for i in 0..<5000 {
            let (k, l) = Self.nodata("f\(i).example.com")
            cache.put(k, l, ttl: 600, now: later)
        }
        #expect(cache.bytes <= 64 * 1024 && cache.count > 0)
        #expect(cache.get(Self.nodata("e1.example.com").0, now: later) == nil)
    }
}
