import MXRayDNS
import MXRayInbound
import Synchronization
import Testing

@testable import MXRayAudit

/// Answers from a zone, counts the lookups that reach it, and answers `cachedLookup` for the names
/// it has already been asked about, as a stub resolver's cache would. With `holding`, each lookup
/// waits that long before it answers, and the most lookups waiting at once are counted.
final class CountingResolver: DNSResolver {
    let zone: ZoneResolver
    let asked = Mutex<[String]>([])
    let remembered = Mutex<[String: DNSLookup]>([:])
    let remembers: Bool
    let holding: Duration?
    /// Lookups waiting now, and the most that ever waited at once.
    let waiting = Mutex<(now: Int, most: Int)>((0, 0))
    /// The questions of each `lookupAll`.
    let batches = Mutex<[[String]]>([])

    init(zone: ZoneResolver, remembers: Bool, holding: Duration? = nil) {
        self.zone = zone
        self.remembers = remembers
        self.holding = holding
    }

    func lookup(_ name: DomainName, _ type: RRType) async -> DNSLookup {
        asked.withLock { $0.append("\(type) \(name.text)") }
        if let holding {
            waiting.withLock { $0 = ($0.now + 1, max($0.most, $0.now + 1)) }
            try? await Task.sleep(for: holding)
            waiting.withLock { $0.now -= 1 }
        }
        let answer = await zone.lookup(name, type)
        remembered.withLock { $0["\(type) \(name.text)"] = answer }
        return answer
    }

    func lookupAll(_ questions: [DNSQuestion]) async -> [DNSLookup] {
        batches.withLock { $0.append(questions.map { "\($0.type) \($0.name.text)" }) }
        var answers: [DNSLookup] = []
        for question in questions { answers.append(await lookup(question.name, question.type)) }
        return answers
    }

    func cachedLookup(_ name: DomainName, _ type: RRType) -> DNSLookup? {
        remembers ? remembered.withLock { $0["\(type) \(name.text)"] } : nil
    }
}

@Suite struct PrimedLookupTests {
    static let zone = """
        $ORIGIN primed.test.
        @ 3600 IN SOA ns.primed.test. h.primed.test. 1 7200 3600 1209600 60
        @ IN NS ns
        @ IN MX 10 mx1.shared.test.
        @ IN MX 20 mx2.shared.test.
        @ IN TXT "v=spf1 -all"
        _dmarc IN TXT "v=DMARC1; p=reject"
        other IN MX 10 mx1.shared.test.
        $ORIGIN shared.test.
        @ 3600 IN SOA ns.shared.test. h.shared.test. 1 7200 3600 1209600 60
        mx1 IN A 192.0.2.1
        mx2 IN A 192.0.2.2
        """

    func resolver(remembers: Bool, holding: Duration? = nil) throws -> CountingResolver {
        CountingResolver(
            zone: ZoneResolver(zones: [try ZoneFile(parsing: Array(Self.zone.utf8))]), remembers: remembers,
            holding: holding)
    }

    /// The questions an audit starts with are asked once, in one batch, and the gatherers that use
    /// them ask nothing again: each is asked exactly once in the whole audit.
    @Test func everyFirstQuestionIsAskedOnce() async throws {
        let counting = try resolver(remembers: false)
        let facts = await FactGatherer(resolver: counting, policyFetcher: nil, overlapping: false)
            .gather("primed.test")
        let asked = counting.asked.withLock { $0 }
        #expect(facts.dmarc.policy == .reject)
        #expect(facts.tiers.count == 2)
        for question in FactGatherer.firstQuestions(try DomainName("primed.test")) {
            #expect(asked.filter { $0 == "\(question.type) \(question.name.text)" }.count == 1, "\(asked)")
        }
    }

    /// Hosts whose answers the resolver already holds come out of the cache path with the same facts
    /// as looked up afresh, and without a lookup.
    @Test func cachedHostsHaveTheSameFacts() async throws {
        let fresh = await MXTierGatherer(resolver: try resolver(remembers: false)).gather("other.primed.test")
        let remembering = try resolver(remembers: true)
        _ = await MXTierGatherer(resolver: remembering).gather("primed.test")
        let before = remembering.asked.withLock { $0.count }
        let cached = await MXTierGatherer(resolver: remembering).gather("other.primed.test")
        let asked = remembering.asked.withLock { Array($0[before...]) }
        #expect(cached == fresh)
        #expect(asked == ["MX other.primed.test"], "\(asked)")
    }
}

extension PrimedLookupTests {
    /// A batch through the primed resolver answers its primed questions itself and asks the rest, in
    /// the order asked.
    @Test func aBatchAsksOnlyWhatIsNotPrimed() async throws {
        let counting = try resolver(remembers: false)
        let apex = try DomainName("primed.test"), host = try DomainName("mx1.shared.test")
        let primed = await PrimedResolver.priming(counting, with: [DNSQuestion(name: apex, type: .mx)])
        let answers = await primed.lookupAll([
            DNSQuestion(name: host, type: .a), DNSQuestion(name: apex, type: .mx), DNSQuestion(name: apex, type: .txt),
        ])
        #expect(answers.map(\.question.type) == [.a, .mx, .txt])
        #expect(answers[0].addresses.count == 1 && answers[1].records.count == 2 && answers[2].texts.count == 1)
        #expect(counting.asked.withLock { $0 } == ["MX primed.test", "A mx1.shared.test", "TXT primed.test"])
    }

    /// Overlapping, several lookups wait at once and no first batch goes out; in turn, the first
    /// questions go out as one batch and one lookup waits at a time. The facts are the same.
    @Test func overlappingGatherersFindTheSameFacts() async throws {
        let wait = Duration.milliseconds(20)
        let overlapping = try resolver(remembers: false, holding: wait)
        let inTurn = try resolver(remembers: false, holding: wait)
        var encoded: [String] = []
        for (counting, overlaps) in [(overlapping, true), (inTurn, false)] {
            let facts = await FactGatherer(resolver: counting, policyFetcher: nil, overlapping: overlaps)
                .gather("primed.test")
            encoded.append(try FastJSONEncoder().encode(facts))
        }
        #expect(encoded[0] == encoded[1])
        let first = FactGatherer.firstQuestions(try DomainName("primed.test")).map { "\($0.type) \($0.name.text)" }
        #expect(!overlapping.batches.withLock { $0.contains(first) })
        #expect(overlapping.waiting.withLock { $0.most } >= 3)
        #expect(inTurn.batches.withLock { $0.first } == first)
        #expect(inTurn.waiting.withLock { $0.most } == 1)
    }
}
