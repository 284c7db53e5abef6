import MXRayDNS
import MXRayMessage

/// Everything a receiving server would conclude about one message.
public struct MessageVerification: Sendable, Codable {
    public var connection: ConnectionFacts?
    public var spf: SPFVerdict?
    public var dkim: [DKIMVerdict]
    public var arc: ARCVerdict
    public var dmarc: DMARCVerdict
    /// The Authentication-Results field a receiver would add (RFC 8601), value only.
    public var authenticationResults: AuthenticationResults
    public var lineEndings: LineEndings
}

/// Runs SPF, DKIM, ARC and DMARC on a message and writes the Authentication-Results a receiver
/// would add.
public struct MessageVerifier: Sendable {
    public var resolver: any DNSResolver
    public var now: Int64
    public var authservID: String
    public var dmarc: DMARCEvaluator
    /// The key cache every check of this verifier (and of its copies) shares.
    public let keys: KeyFetcher

    public init(
        resolver: any DNSResolver, now: Int64, authservID: String, dmarcMode: DMARCMode = .rfc9989,
        publicSuffixList: PublicSuffixList = .bundled
    ) {
        self.resolver = resolver
        self.now = now
        self.authservID = authservID
        self.dmarc = DMARCEvaluator(resolver: resolver, mode: dmarcMode, publicSuffixList: publicSuffixList)
        self.keys = KeyFetcher(resolver: resolver)
    }

    public func verify(_ message: Message, connection: ConnectionFacts?) async -> MessageVerification {
        var spf: SPFVerdict?
        if let c = connection {
            spf = await SPFEvaluator(resolver: resolver, now: now).check(ip: c.ip, mailFrom: c.mailFrom, helo: c.helo)
        }
        let dkim = await DKIMVerifier(keys: keys, now: now).verify(message)
        let arc = await ARCVerifier(keys: keys).verify(message)
        var identifiers: [DMARCEvaluator.Identifier] = dkim.compactMap { v in
            v.domain.map { .init(method: "dkim", domain: $0, passed: v.result == .pass) }
        }
        if let spf { identifiers.append(.init(method: "spf", domain: spf.domain, passed: spf.result == .pass)) }
        let dmarcVerdict = await dmarc.evaluate(
            fromFieldValues: message.fields(named: "From").map(\.value), identifiers: identifiers)
        let ar = Self.authenticationResults(
            authservID: authservID, spf: spf, dkim: dkim, arc: arc, dmarc: dmarcVerdict,
            inferred: connection?.inferred ?? false)
        return MessageVerification(
            connection: connection, spf: spf, dkim: dkim, arc: arc, dmarc: dmarcVerdict,
            authenticationResults: ar, lineEndings: message.lineEndings)
    }

    /// RFC 8601 §2.7: one resinfo per method, with the properties a reader needs.
    static func authenticationResults(
        authservID: String, spf: SPFVerdict?, dkim: [DKIMVerdict], arc: ARCVerdict,
        dmarc: DMARCVerdict, inferred: Bool
    ) -> AuthenticationResults {
        typealias R = AuthenticationResults.Result
        typealias P = AuthenticationResults.Property
        var results: [R] = []
        if let spf {
            var r = R(
                method: "spf", result: spf.result.rawValue,
                properties: [
                    P(type: "smtp", name: spf.identity, value: spf.identity == "helo" ? spf.domain : spf.sender)
                ])
            if inferred { r.comments = ["connection facts inferred from the Received field"] }
            if ![.pass, .none].contains(spf.result) { r.reason = spf.reason }
            r.text = r.rendered
            results.append(r)
        }
        if dkim.isEmpty { results.append(R(method: "dkim", result: "none")) }
        for v in dkim {
            var props: [P] = []
            if let d = v.domain { props.append(P(type: "header", name: "d", value: d)) }
            if let s = v.selector { props.append(P(type: "header", name: "s", value: s)) }
            if let a = v.algorithm { props.append(P(type: "header", name: "a", value: a)) }
            if let b = v.signaturePrefix, !b.isEmpty { props.append(P(type: "header", name: "b", value: b)) }
            var r = R(
                method: "dkim", result: v.result.rawValue, properties: props,
                comments: v.keyBits.map { ["\($0)-bit key"] } ?? [])
            if v.result != .pass { r.reason = v.reason }
            r.text = r.rendered
            results.append(r)
        }
        var arcResult = R(method: "arc", result: arc.result.rawValue)
        if arc.instances > 0 { arcResult.comments = ["i=\(arc.instances)"] }
        if arc.result == .fail { arcResult.reason = arc.reason }
        arcResult.text = arcResult.rendered
        results.append(arcResult)
        var props: [P] = []
        if let from = dmarc.fromDomain { props.append(P(type: "header", name: "from", value: from)) }
        if let policy = dmarc.policy { props.append(P(type: "policy", name: "dmarc", value: policy.rawValue)) }
        var d = R(method: "dmarc", result: dmarc.result.rawValue, properties: props)
        if let tag = dmarc.policyTag, let p = dmarc.policy {
            d.comments = ["\(tag.split(separator: " ").first ?? "p")=\(p.rawValue)"]
        }
        if [.fail, .temperror, .permerror].contains(dmarc.result) { d.reason = dmarc.reason }
        d.text = d.rendered
        results.append(d)
        return AuthenticationResults(authservID: authservID, results: results)
    }
}
