import MXRayDNS

/// check_host() of RFC 7208 §4 over any `DNSResolver`, with the processing limits of §4.6.4 and a
/// trace of every term and query.
public struct SPFEvaluator: Sendable {
    /// RFC 7208 §4.6.4: DNS-querying terms per check.
    public static let maxDNSTerms = 10

    /// RFC 7208 §4.6.4: every include, a, mx, ptr, exists and redirect counts, each time it is
    /// met, even when it names a domain already visited. The one limit check, shared by the
    /// evaluator and the audit's worst-case counter.
    public static func exceedsDNSTermLimit(_ terms: Int) -> Bool { terms > maxDNSTerms }
    /// RFC 7208 §4.6.4: lookups returning no records.
    public static let maxVoidLookups = 2
    /// RFC 7208 §4.6.4: address lookups per mx, names per ptr.
    public static let maxMXNames = 10
    public static let maxPTRNames = 10
    /// Explanations longer than this are cut (RFC 7208 §6.2 puts them in an SMTP reply).
    public static let maxExplanationLength = 512

    public let resolver: any DNSResolver
    public var now: Int64
    /// Records every term and query in the verdict's trace. Off, evaluation skips building the
    /// trace's text (the verdict is otherwise the same).
    public var recordsTrace = true
    /// Parsed records by text, at most 10,000.
    private let records = ParseCache<SPFRecord, SPFError>(capacity: 10_000) { text throws(SPFError) in
        try SPFRecord(parsing: text)
    }

    public init(resolver: any DNSResolver, now: Int64 = 0) {
        self.resolver = resolver
        self.now = now
    }

    /// Checks `ip` for the MAIL FROM identity, or the HELO identity when `mailFrom` is empty
    /// (RFC 7208 §2.4: an empty reverse path is checked as postmaster@HELO).
    public func check(ip: IPAddress, mailFrom: String, helo: String) async -> SPFVerdict {
        let useHELO = mailFrom.isEmpty
        let sender = useHELO ? "postmaster@\(helo)" : mailFrom
        return await check(ip: ip, sender: sender, helo: helo, identity: useHELO ? "helo" : "mailfrom")
    }

    /// Checks the HELO identity on its own (RFC 7208 §2.3).
    public func checkHELO(ip: IPAddress, helo: String) async -> SPFVerdict {
        await check(ip: ip, sender: "postmaster@\(helo)", helo: helo, identity: "helo")
    }

    func check(ip: IPAddress, sender: String, helo: String, identity: String) async -> SPFVerdict {
        // RFC 7208 §4.3: no local-part means "postmaster".
        var local = "postmaster", domain = sender
        if let at = sender.lastIndex(of: "@") {
            let l = String(sender[..<at])
            if !l.isEmpty { local = l }
            domain = String(sender[sender.index(after: at)...])
        }
        let session = Session(
            ip: ip.unmapped, helo: helo, sender: "\(local)@\(domain)", localPart: local, senderDomain: domain, now: now)
        session.tracing = recordsTrace
        let (result, explanation, reason) = await checkHost(domain, session: session, depth: 0)
        return SPFVerdict(
            result: result, identity: identity, domain: domain, sender: session.sender, ip: ip.description,
            record: session.topRecord, explanation: explanation, reason: reason, lookups: session.lookups,
            voidLookups: session.voidLookups, trace: session.trace)
    }

    /// State shared by one check across includes and redirects.
    final class Session {
        let ip: IPAddress
        let helo: String
        let sender: String
        let localPart: String
        let senderDomain: String
        let now: Int64
        var lookups = 0
        var voidLookups = 0
        var trace: [SPFTraceStep] = []
        var tracing = true
        var topRecord: String?

        init(ip: IPAddress, helo: String, sender: String, localPart: String, senderDomain: String, now: Int64) {
            self.ip = ip
            self.helo = helo
            self.sender = sender
            self.localPart = localPart
            self.senderDomain = senderDomain
            self.now = now
        }

        /// `event` is only built when the trace is recorded.
        func note(_ depth: Int, _ domain: String, _ term: String, _ event: @autoclosure () -> String) {
            guard tracing else { return }
            trace.append(SPFTraceStep(depth: depth, domain: domain, term: term, event: event(), lookups: lookups))
        }

        func context(_ domain: String) -> SPFMacro.Context {
            SPFMacro.Context(
                sender: sender, localPart: localPart, senderDomain: senderDomain, domain: domain, ip: ip, helo: helo,
                now: now)
        }
    }

    typealias Outcome = (SPFResult, String?, String)

    /// check_host(ip, domain, sender) (RFC 7208 §4).
    func checkHost(_ domainText: String, session: Session, depth: Int) async -> Outcome {
        // §4.3: a malformed or single-label domain gives "none".
        guard let domain = Self.validDomain(domainText) else {
            session.note(depth, domainText, "", "not a valid multi-label domain name")
            return (.none, nil, "\(domainText) is not a valid domain name")
        }
        // The name as written (valid, so it needs no escaping), without a trailing dot.
        let d = domainText.utf8.last == UInt8(ascii: ".") ? String(domainText.dropLast()) : domainText
        let lookup = await resolver.lookup(domain, .txt)
        let spfRecords: [String]
        switch lookup.outcome {
        case .failure(let f):
            session.note(depth, domainText, "", "TXT \(d) → failure: \(f.detail)")
            return (.temperror, nil, "DNS lookup of the SPF record of \(d) failed: \(f.detail)")
        case .nxdomain, .nodata:
            session.note(depth, domainText, "", "TXT \(d) → \(lookup.outcome.label)")
            return (.none, nil, "\(d) has no SPF record (\(lookup.outcome.label))")
        case .records:
            spfRecords = lookup.texts.filter(SPFRecord.isSPF)
            session.note(
                depth, domainText, "", "TXT \(d) → \(spfRecords.count) SPF record\(spfRecords.count == 1 ? "" : "s")")
        }
        guard !spfRecords.isEmpty else { return (.none, nil, "\(d) has no SPF record") }
        // §4.5: more than one record is a permerror.
        guard spfRecords.count == 1 else { return (.permerror, nil, "\(d) publishes \(spfRecords.count) SPF records") }
        if depth == 0 { session.topRecord = spfRecords[0] }
        let record: SPFRecord
        switch records(spfRecords[0]) {
        case .success(let r): record = r
        case .failure(let e):
            session.note(depth, domainText, "", "syntax error: \(e)")
            return (.permerror, nil, "SPF record of \(d) is invalid: \(e)")
        }
        let ctx = session.context(d)

        for directive in record.directives {
            if directive.mechanism.queriesDNS, let over = countDNSTerm(session, depth, domainText, directive.text) {
                return over
            }
            let matched: Bool
            switch await evaluate(directive.mechanism, ctx: ctx, session: session, depth: depth, term: directive.text) {
            case .match: matched = true
            case .noMatch: matched = false
            case .error(let result, let reason): return (result, nil, reason)
            }
            session.note(depth, domainText, directive.text, matched ? "match" : "no match")
            guard matched else { continue }
            let result: SPFResult =
                switch directive.qualifier {
                case .pass: .pass
                case .fail: .fail
                case .softfail: .softfail
                case .neutral: .neutral
                }
            var explanation: String?
            if result == .fail {
                if let exp = record.explanation {
                    explanation = await self.explanation(exp, ctx: ctx, session: session, depth: depth)
                }
                // RFC 7208 §6.2: without a usable exp=, a default explanation is given.
                explanation = explanation ?? "\(session.ip) is not one of \(ctx.domain)'s designated mail servers."
            }
            return (result, explanation, "\(directive.text) matched in the record of \(d)")
        }

        if let redirect = record.redirect {
            if let over = countDNSTerm(session, depth, domainText, "redirect=\(redirect)") { return over }
            let target: String
            do { target = try await expandDomain(redirect, ctx: ctx, session: session) } catch {
                return (.permerror, nil, "redirect=\(redirect): \(error)")
            }
            session.note(depth, domainText, "redirect=\(redirect)", "to \(target)")
            let (result, explanation, reason) = await checkHost(target, session: session, depth: depth + 1)
            // §6.1: a redirect to a domain without a record is a permerror.
            if result == .none { return (.permerror, nil, "redirect=\(target) has no SPF record") }
            return (result, explanation, reason)
        }
        return (.neutral, nil, "no mechanism matched in the record of \(d) (default ?all)")
    }

    /// Counts a DNS-querying term; past the limit, the check ends in a permerror (RFC 7208 §4.6.4).
    func countDNSTerm(_ session: Session, _ depth: Int, _ domain: String, _ term: String) -> Outcome? {
        session.lookups += 1
        guard Self.exceedsDNSTermLimit(session.lookups) else { return nil }
        session.note(depth, domain, term, "over the limit of \(Self.maxDNSTerms) DNS-querying terms")
        return (.permerror, nil, "more than \(Self.maxDNSTerms) DNS-querying terms (RFC 7208 §4.6.4)")
    }

    enum MechanismOutcome { case match, noMatch, error(SPFResult, String) }

    func evaluate(_ mechanism: SPFRecord.Mechanism, ctx: SPFMacro.Context, session: Session, depth: Int, term: String)
        async -> MechanismOutcome
    {
        func target(_ spec: String?) async throws(SPFError) -> String {
            guard let spec else { return ctx.domain }
            return try await expandDomain(spec, ctx: ctx, session: session)
        }
        do {
            switch mechanism {
            case .all:
                return .match
            case .ip4(let net):
                if case .v4(let a) = session.ip { return net.contains(a) ? .match : .noMatch }
                return .noMatch
            case .ip6(let net):
                switch (session.ip, IPAddress.v6(net.address).unmapped) {
                case (.v6(let a), _): return net.contains(a) ? .match : .noMatch
                case (.v4(let a), .v4(let mapped)):
                    // An IPv4-mapped network (ip6:::ffff:192.0.2.0/120) covers those IPv4 clients.
                    return IPv4Network.matches(a, mapped, max(0, net.prefixLength - 96)) ? .match : .noMatch
                default: return .noMatch
                }
            case .include(let spec):
                let name = try await target(spec)
                let (result, _, reason) = await checkHost(name, session: session, depth: depth + 1)
                switch result {
                case .pass: return .match
                case .fail, .softfail, .neutral: return .noMatch
                case .temperror: return .error(.temperror, "include:\(name): \(reason)")
                case .permerror: return .error(.permerror, "include:\(name): \(reason)")
                case .none: return .error(.permerror, "include:\(name) has no SPF record (RFC 7208 §5.2)")
                }
            case .a(let spec, let v4, let v6):
                let name = try await target(spec)
                switch await addresses(of: name, session: session, depth: depth, term: term, countVoid: true) {
                case .failure(let e): return e.outcome
                case .success(let ips): return ips.contains { Self.matches(session.ip, $0, v4, v6) } ? .match : .noMatch
                }
            case .mx(let spec, let v4, let v6):
                let name = try await target(spec)
                guard let domain = Self.validDomain(name) else { return .noMatch }
                let hosts: [DomainName]
                switch await query(
                    domain, .mx, for: "MX", traceDomain: ctx.domain, session: session, depth: depth, term: term,
                    countVoid: true)
                {
                case .failure(let e): return e.outcome
                case .success(let rrs): hosts = rrs.compactMap { $0.data.target }.filter { !$0.isRoot }
                }
                for (index, host) in hosts.enumerated() {
                    // §4.6.4: querying an 11th address record is a permerror; a match before it is not.
                    guard index < Self.maxMXNames else {
                        return .error(
                            .permerror,
                            "mx:\(domain.text) has \(hosts.count) MX names, over the limit of \(Self.maxMXNames)")
                    }
                    switch await addresses(of: host.text, session: session, depth: depth, term: term, countVoid: false)
                    {
                    case .failure(let e): return e.outcome
                    case .success(let ips):
                        if ips.contains(where: { Self.matches(session.ip, $0, v4, v6) }) { return .match }
                    }
                }
                return .noMatch
            case .ptr(let spec):
                let name = try await target(spec)
                let validated = await validatedNames(session: session, depth: depth, term: term)
                let lower = name.lowercased()
                return validated.contains { $0 == lower || $0.hasSuffix("." + lower) } ? .match : .noMatch
            case .exists(let spec):
                let name = try await target(spec)
                guard let domain = Self.validDomain(name) else { return .noMatch }
                switch await query(
                    domain, .a, for: "exists", traceDomain: ctx.domain, session: session, depth: depth, term: term,
                    countVoid: true)
                {
                case .failure(let e): return e.outcome
                case .success(let rrs): return rrs.isEmpty ? .noMatch : .match
                }
            }
        } catch {
            return .error(.permerror, "\(term): \(error)")
        }
    }

    /// Counts a lookup that found nothing; past the limit it is a permerror (RFC 7208 §4.6.4).
    func void(_ session: Session) -> MechanismOutcome? {
        session.voidLookups += 1
        if session.voidLookups > Self.maxVoidLookups {
            return .error(.permerror, "more than \(Self.maxVoidLookups) lookups found nothing (RFC 7208 §4.6.4)")
        }
        return nil
    }

    /// A or AAAA records of `name`, by the family of the client address.
    func addresses(of name: String, session: Session, depth: Int, term: String, countVoid: Bool) async -> Result<
        [IPAddress], MechanismOutcomeError
    > {
        guard let domain = Self.validDomain(name) else { return .success([]) }
        let type: RRType = { if case .v4 = session.ip { return .a } else { return .aaaa } }()
        return await query(
            domain, type, for: "\(type)", traceDomain: name, session: session, depth: depth, term: term,
            countVoid: countVoid
        )
        .map { DNSLookup.addresses(of: $0) }
    }

    /// One query made for a term, noted in the trace: the records, none when the name has none
    /// (a void lookup when `countVoid`, RFC 7208 §4.6.4), or the term's error when DNS failed.
    func query(
        _ domain: DomainName, _ type: RRType, for purpose: String, traceDomain: String, session: Session, depth: Int,
        term: String, countVoid: Bool
    ) async -> Result<[ResourceRecord], MechanismOutcomeError> {
        let lookup = await resolver.lookup(domain, type)
        session.note(depth, traceDomain, term, "\(type) \(domain.text) → \(Self.describe(lookup))")
        switch lookup.outcome {
        case .failure(let f):
            return .failure(
                MechanismOutcomeError(.error(.temperror, "\(purpose) lookup of \(domain.text) failed: \(f.detail)")))
        case .nxdomain, .nodata:
            if countVoid, let e = void(session) { return .failure(MechanismOutcomeError(e)) }
            return .success([])
        case .records(let rrs): return .success(rrs)
        }
    }

    struct MechanismOutcomeError: Error {
        let outcome: MechanismOutcome
        init(_ o: MechanismOutcome) { outcome = o }
    }

    /// Names of the client address confirmed by a forward lookup (RFC 7208 §5.5), lower-cased.
    func validatedNames(session: Session, depth: Int, term: String) async -> [String] {
        let reverse = session.ip.reverseName
        let lookup = await resolver.lookup(reverse, .ptr)
        session.note(depth, "", term, "PTR \(reverse.text) → \(Self.describe(lookup))")
        guard case .records(let rrs) = lookup.outcome else { return [] }
        var validated: [String] = []
        for name in rrs.compactMap({ $0.data.target }).prefix(Self.maxPTRNames) {
            if case .success(let ips) = await addresses(
                of: name.text, session: session, depth: depth, term: term, countVoid: false),
                ips.contains(session.ip)
            {
                validated.append(name.text.lowercased())
            }
        }
        return validated
    }

    /// Expands a domain-spec and shortens it to 253 characters (RFC 7208 §7.3).
    func expandDomain(_ spec: String, ctx: SPFMacro.Context, session: Session) async throws(SPFError) -> String {
        let expanded = try await SPFMacro.expand(spec, ctx, explanation: false) {
            await validatedName(ctx: ctx, session: session)
        }
        return SPFMacro.truncated(expanded)
    }

    /// %{p} (RFC 7208 §7.3): a validated name of the client, preferring the current domain or one
    /// below it; "unknown" when there is none.
    func validatedName(ctx: SPFMacro.Context, session: Session) async -> String {
        let names = await validatedNames(session: session, depth: 0, term: "%{p}")
        let d = ctx.domain.lowercased()
        return names.first { $0 == d } ?? names.first { $0.hasSuffix("." + d) } ?? names.first ?? "unknown"
    }

    /// The exp= text (RFC 7208 §6.2); any problem means no explanation, never a different result.
    func explanation(_ spec: String, ctx: SPFMacro.Context, session: Session, depth: Int) async -> String? {
        guard let name = try? await expandDomain(spec, ctx: ctx, session: session), let domain = Self.validDomain(name)
        else { return nil }
        let lookup = await resolver.lookup(domain, .txt)
        session.note(depth, ctx.domain, "exp=\(spec)", "TXT \(domain.text) → \(Self.describe(lookup))")
        guard case .records(let rrs) = lookup.outcome, rrs.count == 1, let text = rrs[0].data.joinedText else {
            return nil
        }
        guard
            let expanded = try? await SPFMacro.expand(
                text, ctx, explanation: true,
                validatedName: {
                    await self.validatedName(ctx: ctx, session: session)
                })
        else { return nil }
        return String(expanded.prefix(Self.maxExplanationLength))
    }

    static func matches(_ client: IPAddress, _ candidate: IPAddress, _ v4: Int, _ v6: Int) -> Bool {
        switch (client, candidate.unmapped) {
        case (.v4(let a), .v4(let b)): IPv4Network.matches(a, b, v4)
        case (.v6(let a), .v6(let b)): IPv6Network.matches(a, b, v6)
        default: false
        }
    }

    /// RFC 7208 §4.3: labels of 1-63 octets, at least two of them, 253 octets at most.
    public static func validDomain(_ text: String) -> DomainName? {
        var t = Substring(text)
        if t.utf8.last == UInt8(ascii: ".") { t = t.dropLast() }
        guard !t.isEmpty, t.utf8.count <= 253, t.utf8.contains(UInt8(ascii: ".")), let name = try? DomainName(String(t))
        else { return nil }
        return name
    }

    static func describe(_ lookup: DNSLookup) -> String {
        switch lookup.outcome {
        case .records(let r): "\(r.count) record\(r.count == 1 ? "" : "s")"
        case .nxdomain: "NXDOMAIN"
        case .nodata: "NODATA"
        case .failure(let f): "failure (\(f.kind.rawValue))"
        }
    }
}
