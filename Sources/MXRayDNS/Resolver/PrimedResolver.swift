/// A resolver that already holds the answers to some questions, asked together beforehand with
/// `lookupAll`, and passes every other question to the resolver it wraps. An audit asks a domain's
/// first questions in one batch, then runs its fact gatherers on this: the lookups they start with
/// are answered at once, without a task or a wait each.
public struct PrimedResolver: DNSResolver {
    public let base: any DNSResolver
    private let answers: [(question: DNSQuestion, lookup: DNSLookup)]

    /// Asks `questions` through `base` together and keeps the answers.
    public static func priming(_ base: any DNSResolver, with questions: [DNSQuestion]) async -> PrimedResolver {
        let lookups = await base.lookupAll(questions)
        return PrimedResolver(base: base, answers: Array(zip(questions, lookups)))
    }

    init(base: any DNSResolver, answers: [(question: DNSQuestion, lookup: DNSLookup)]) {
        self.base = base
        self.answers = answers
    }

    public func lookup(_ name: DomainName, _ type: RRType) async -> DNSLookup {
        if let primed = primed(name, type) { return primed }
        return await base.lookup(name, type)
    }

    public func cachedLookup(_ name: DomainName, _ type: RRType) -> DNSLookup? {
        primed(name, type) ?? base.cachedLookup(name, type)
    }

    public func lookupAll(_ questions: [DNSQuestion]) async -> [DNSLookup] {
        let held = questions.map { primed($0.name, $0.type) }
        let unprimed = questions.indices.filter { held[$0] == nil }.map { questions[$0] }
        var asked = (unprimed.isEmpty ? [] : await base.lookupAll(unprimed)).makeIterator()
        return questions.indices.map { held[$0] ?? asked.next() ?? .unanswered(questions[$0]) }
    }

    /// A handful of questions: a scan is cheaper than hashing names.
    private func primed(_ name: DomainName, _ type: RRType) -> DNSLookup? {
        guard var lookup = answers.first(where: { $0.question.type == type && $0.question.name == name })?.lookup
        else { return nil }
        lookup.question = DNSQuestion(name: name, type: type)
        return lookup
    }
}
