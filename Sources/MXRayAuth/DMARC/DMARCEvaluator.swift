import MXRayDNS

/// DMARC evaluation (RFC 7489 §6.6, RFC 9989 §4.10-4.11): policy discovery, the Organizational
/// Domain, identifier alignment against SPF and DKIM results, and the policy that applies.
public struct DMARCEvaluator: Sendable {
    /// RFC 9989 §4.10: a tree walk makes at most this many queries.
    public static let maxTreeWalkQueries = 8

    public let resolver: any DNSResolver
    public var mode: DMARCMode
    public var publicSuffixList: PublicSuffixList

    public init(resolver: any DNSResolver, mode: DMARCMode = .rfc9989, publicSuffixList: PublicSuffixList = .bundled) {
        self.resolver = resolver
        self.mode = mode
        self.publicSuffixList = publicSuffixList
    }

    /// An authenticated identifier: SPF's MAIL FROM (or HELO) domain, or a DKIM signature's d=.
    public struct Identifier: Sendable, Equatable {
        public var method: String
        public var domain: String
        public var passed: Bool
        public init(method: String, domain: String, passed: Bool) {
            self.method = method
            self.domain = domain.lowercased()
            self.passed = passed
        }
    }

    /// Evaluates the message's From field against the identifiers.
    public func evaluate(fromFieldValues: [String], identifiers: [Identifier]) async -> DMARCVerdict {
        guard !fromFieldValues.isEmpty else {
            return DMARCVerdict(
                result: .permerror, mode: mode, reason: "the message has no From field (RFC 5322 §3.6 requires one)")
        }
        // RFC 7489 §6.6.1: several From fields (or addresses) are all evaluated.
        let domains = fromFieldValues.flatMap(AuthorDomain.domains(inFromValue:))
        guard !domains.isEmpty else {
            return DMARCVerdict(
                result: .permerror, mode: mode,
                reason: "the From field \"\(fromFieldValues[0].prefix(60))\" has no address")
        }
        // Several author domains (RFC 9989 §4.11): each is evaluated; the worst result decides.
        var verdicts: [DMARCVerdict] = []
        for domain in domains { verdicts.append(await evaluate(authorDomain: domain, identifiers: identifiers)) }
        let rank: [DMARCResult: Int] = [.pass: 0, .none: 1, .fail: 2, .temperror: 3, .permerror: 4]
        return verdicts.max {
            (rank[$0.result]!, $0.policy.map(Self.strictness) ?? 0) < (
                rank[$1.result]!, $1.policy.map(Self.strictness) ?? 0
            )
        }!
    }

    static func strictness(_ p: DMARCRecord.Policy) -> Int { p == .reject ? 2 : p == .quarantine ? 1 : 0 }

    /// The records found while walking up from a domain: (domain, record) pairs, longest first.
    enum Found { case record(DMARCRecord), invalid(String), missing, failure(String) }

    func query(_ domain: String) async -> Found {
        guard let name = try? DomainName("_dmarc." + domain) else { return .missing }
        let lookup = await resolver.lookup(name, .txt)
        switch lookup.outcome {
        case .failure(let f): return .failure("TXT \(name.text): \(f.detail)")
        case .nxdomain, .nodata: return .missing
        case .records:
            let texts = lookup.texts.filter(DMARCRecord.isDMARC)
            // RFC 7489 §6.6.3: no record or several records: none found.
            guard texts.count == 1 else { return .missing }
            do { return .record(try DMARCRecord(parsing: texts[0])) } catch { return .invalid("\(error)") }
        }
    }

    /// RFC 9989 §4.10: the names a tree walk queries, longest first, at most 8.
    static func treeWalk(_ domain: String) -> [String] {
        var labels = domain.split(separator: ".").map(String.init)
        var names = [labels.joined(separator: ".")]
        if labels.count > maxTreeWalkQueries - 1 {
            labels = Array(labels.suffix(maxTreeWalkQueries - 1))
        } else {
            labels.removeFirst()
        }
        while !labels.isEmpty && names.count < maxTreeWalkQueries {
            names.append(labels.joined(separator: "."))
            labels.removeFirst()
        }
        return names
    }

    /// The Organizational Domain of `domain` (RFC 9989 §4.10.2 by tree walk, or RFC 7489 §3.2 by PSL).
    func organizationalDomain(_ domain: String, cache: inout [String: Found]) async -> Result<String, DMARCFailure> {
        if mode == .rfc7489 { return .success(publicSuffixList.registrableDomain(domain) ?? domain) }
        var shortestWithRecord: String?
        for (index, name) in Self.treeWalk(domain).enumerated() {
            let found: Found
            if let hit = cache[name] {
                found = hit
            } else {
                found = await query(name)
                cache[name] = found
            }
            switch found {
            case .failure(let why): return .failure(.temporary(why))
            case .missing, .invalid: continue
            case .record(let record):
                if record.psd == "n" { return .success(name) }
                if record.psd == "y" && index > 0 {
                    // The Organizational Domain is the name one label below the public suffix domain.
                    let labels = domain.split(separator: ".")
                    let psdLabels = name.split(separator: ".").count
                    return .success(labels.suffix(psdLabels + 1).joined(separator: "."))
                }
                shortestWithRecord = name
            }
        }
        return .success(shortestWithRecord ?? domain)
    }

    enum DMARCFailure: Error { case temporary(String) }

    /// Policy discovery for one author domain, without a message (RFC 7489 §6.6.3, RFC 9989
    /// §4.10): which record applies, from where, and which of its policies. The result is none
    /// (no record), temperror, permerror (invalid record), or pass meaning "a policy was found".
    public func discover(_ domain: String) async -> DMARCVerdict {
        var cache: [String: Found] = [:]
        return await discover(domain.lowercased(), cache: &cache)
    }

    func discover(_ domain: String, cache: inout [String: Found]) async -> DMARCVerdict {
        var verdict = DMARCVerdict(result: .none, mode: mode, reason: "")
        verdict.fromDomain = domain
        func done(_ result: DMARCResult, _ reason: String) -> DMARCVerdict {
            verdict.result = result
            verdict.reason = reason
            return verdict
        }
        let orgDomain: String
        switch await organizationalDomain(domain, cache: &cache) {
        case .failure(.temporary(let why)): return done(.temperror, "DMARC record lookup failed: \(why)")
        case .success(let org): orgDomain = org
        }
        verdict.organizationalDomain = orgDomain
        let candidates: [String] =
            mode == .rfc7489 ? (orgDomain == domain ? [domain] : [domain, orgDomain]) : Self.treeWalk(domain)
        var policyRecord: (String, DMARCRecord)?
        for name in candidates {
            let found: Found
            if let hit = cache[name] {
                found = hit
            } else {
                found = await query(name)
                cache[name] = found
            }
            switch found {
            case .failure(let why): return done(.temperror, "DMARC record lookup failed: \(why)")
            case .invalid(let why):
                verdict.policyDomain = name
                return done(.permerror, "_dmarc.\(name): \(why)")
            case .missing: continue
            case .record(let r): policyRecord = (name, r)
            }
            if policyRecord != nil { break }
        }
        guard let (policyDomain, record) = policyRecord else {
            return done(.none, "no DMARC record for \(domain) or above it")
        }
        verdict.policyDomain = policyDomain
        verdict.record = record.text
        // RFC 9989 makes pct historic: only RFC 7489 mode reports it.
        verdict.percent = mode == .rfc7489 ? record.percent : nil
        verdict.testing = record.testing
        verdict.dkimAlignment = record.dkimAlignment
        verdict.spfAlignment = record.spfAlignment
        verdict.recordUsed =
            policyDomain == domain
            ? "from-domain" : (record.psd == "y" ? "public-suffix-domain" : "organizational-domain")

        // Which policy applies (RFC 7489 §6.6.3, RFC 9091 §4, RFC 9989 §4.10).
        if record.policy == nil && mode == .rfc7489 && record.aggregateReportURIs.isEmpty {
            return done(
                .none,
                "the record at _dmarc.\(policyDomain) has no p= and no rua=; RFC 7489 §6.6.3 applies no DMARC "
                    + "processing"
            )
        }
        if domain == policyDomain || domain == orgDomain {
            verdict.policy = record.policy ?? DMARCRecord.Policy.none
            verdict.policyTag = record.policy == nil ? "p (absent: none)" : "p"
        } else {
            let exists = await domainExists(domain)
            if case .failure(.temporary(let why)) = exists {
                return done(.temperror, "existence check of \(domain) failed: \(why)")
            }
            if case .success(false) = exists, let np = record.nonexistentPolicy {
                verdict.policy = np
                verdict.policyTag = "np"
            } else if let sp = record.subdomainPolicy {
                verdict.policy = sp
                verdict.policyTag = "sp"
            } else {
                verdict.policy = record.policy ?? DMARCRecord.Policy.none
                verdict.policyTag = "p"
            }
        }
        return done(
            .pass,
            "policy \(verdict.policyTag ?? "p")=\(verdict.policy?.rawValue ?? "none") from _dmarc.\(policyDomain)")
    }

    func evaluate(authorDomain domain: String, identifiers: [Identifier]) async -> DMARCVerdict {
        var cache: [String: Found] = [:]
        var verdict = await discover(domain, cache: &cache)
        guard verdict.result == .pass, let orgDomain = verdict.organizationalDomain,
            let policyDomain = verdict.policyDomain
        else { return verdict }
        // Identifier alignment (RFC 7489 §3.1, RFC 9989 §4.4).
        for id in identifiers where id.passed {
            let strict = (id.method == "spf" ? verdict.spfAlignment : verdict.dkimAlignment) == .strict
            var aligned = id.domain == domain
            if !aligned && !strict {
                if case .success(let org) = await organizationalDomain(id.domain, cache: &cache) {
                    aligned = org == orgDomain
                }
            }
            guard aligned else { continue }
            if id.method == "spf" { verdict.spfAligned = true } else { verdict.dkimAligned = true }
            verdict.alignedIdentifiers.append("\(id.method):\(id.domain)")
        }
        if verdict.spfAligned || verdict.dkimAligned {
            verdict.reason = "aligned \(verdict.alignedIdentifiers.joined(separator: ", ")) with From domain \(domain)"
            return verdict
        }
        let passing = identifiers.filter(\.passed).map { "\($0.method):\($0.domain)" }
        let why =
            passing.isEmpty
            ? "neither SPF nor DKIM passed" : "\(passing.joined(separator: ", ")) passed but not aligned with \(domain)"
        verdict.result = .fail
        verdict.reason =
            "\(why); policy \(verdict.policyTag ?? "p")=\(verdict.policy?.rawValue ?? "none") from "
            + "_dmarc.\(policyDomain)"
        return verdict
    }

    /// RFC 9091 §2.1: a domain does not exist when A, AAAA and MX all give NXDOMAIN.
    func domainExists(_ domain: String) async -> Result<Bool, DMARCFailure> {
        guard let name = try? DomainName(domain) else { return .success(false) }
        for type in [RRType.a, .aaaa, .mx] {
            let lookup = await resolver.lookup(name, type)
            switch lookup.outcome {
            case .nxdomain: continue
            case .failure(let f): return .failure(.temporary(f.detail))
            case .records, .nodata: return .success(true)
            }
        }
        return .success(false)
    }
}
