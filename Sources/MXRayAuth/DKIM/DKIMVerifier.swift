import MXRayDNS
import MXRayMessage

/// Verifies every DKIM-Signature of a message (RFC 6376 §6), with RFC 8301 (no rsa-sha1, RSA keys
/// of at least 1024 bits) and RFC 8463 (Ed25519).
public struct DKIMVerifier: Sendable {
    /// Signatures past this count are reported as not evaluated: a message cannot make the
    /// verifier do unbounded DNS lookups and hashing.
    public static let maxSignaturesEvaluated = 32

    public let keys: KeyFetcher
    /// Seconds since the epoch used for t= and x=; `--now` fixes it.
    public let now: Int64

    public init(keys: KeyFetcher, now: Int64) {
        self.keys = keys
        self.now = now
    }

    public init(resolver: any DNSResolver, now: Int64) {
        self.init(keys: KeyFetcher(resolver: resolver), now: now)
    }

    /// One verdict per DKIM-Signature, top to bottom; an empty list means none.
    public func verify(_ message: Message) async -> [DKIMVerdict] {
        var verdicts: [DKIMVerdict] = []
        var bodyHashes = SignedData.BodyHashes(message.body)
        for (index, field) in message.fields.enumerated() where field.is("DKIM-Signature") {
            if verdicts.count >= Self.maxSignaturesEvaluated {
                verdicts.append(
                    DKIMVerdict(
                        result: .permerror, reason: "not evaluated: more than \(Self.maxSignaturesEvaluated) signatures"
                    ))
                continue
            }
            verdicts.append(await verify(field, at: index, in: message, bodyHashes: &bodyHashes))
        }
        return verdicts
    }

    func verify(
        _ field: HeaderField, at index: Int, in message: Message,
        bodyHashes: inout SignedData.BodyHashes
    ) async -> DKIMVerdict {
        let sig: SignatureFields
        do { sig = try SignatureFields(value: field.value, kind: .dkim) } catch {
            var v = DKIMVerdict(result: .permerror, reason: "malformed signature: \(error)")
            // Best effort for the report: the domain and selector if they can be read.
            let tags = try? TagList(parsing: field.value)
            v.domain = tags?["d"]
            v.selector = tags?["s"]
            v.algorithm = tags?["a"]
            return v
        }
        var verdict = DKIMVerdict(result: .none, reason: "")
        verdict.domain = sig.domain
        verdict.selector = sig.selector
        verdict.algorithm = sig.algorithmName
        verdict.identity = sig.tags["i"]
        verdict.canonicalization = "\(sig.headerCanonicalization.rawValue)/\(sig.bodyCanonicalization.rawValue)"
        verdict.signedHeaders = sig.signedHeaders
        // Folding whitespace skipped byte-wise: Character.isWhitespace costs a Unicode lookup per character.
        verdict.signaturePrefix = String(
            decoding: Array((sig.tags["b"] ?? "").utf8.lazy.filter { !TagList.isFWS($0) }.prefix(8)), as: UTF8.self)
        func done(_ result: DKIMResult, _ reason: String) -> DKIMVerdict {
            verdict.result = result
            verdict.reason = reason
            return verdict
        }

        // RFC 6376 §3.5: the AUID must be the signing domain or below it.
        let d = sig.domain.lowercased()
        var auidDomain: String?
        if let i = sig.tags["i"] {
            guard let at = i.lastIndex(of: "@") else { return done(.permerror, "i=\(i) has no @") }
            let domain = i[i.index(after: at)...].lowercased()
            guard domain == d || domain.hasSuffix("." + d) else {
                return done(.permerror, "i= domain \(domain) is not d=\(d) or below it")
            }
            auidDomain = domain
        }
        if sig.algorithm == .rsaSha1 {
            return done(.fail, "rsa-sha1 signatures are not accepted (RFC 8301 §3.1)")
        }
        if let x = sig.expiration, x < now {
            return done(.fail, "signature expired at \(x) (x=), now is \(now)")
        }

        let key: KeyRecord
        switch await keys.fetch(domain: sig.domain, selector: sig.selector) {
        case .temporary(let reason): return done(.temperror, reason)
        case .permanent(let reason): return done(.permerror, reason)
        case .rejected(let reason): return done(.fail, reason)
        case .key(let k): key = k
        }
        verdict.testing = key.testing
        let publicKey: PublicKey
        switch key.key(for: sig.algorithm!, named: sig.algorithmName) {
        case .failure(let problem): return done(.permerror, problem.reason)
        case .success(let k): publicKey = k
        }
        if let hashes = key.hashAlgorithms, !hashes.contains(sig.algorithm!.hashName) {
            return done(
                .permerror, "key record h=\(hashes.joined(separator: ":")) does not allow \(sig.algorithm!.hashName)")
        }
        if key.strict, let auidDomain, auidDomain != d {
            return done(.permerror, "key record t=s requires i= to be in d=\(sig.domain) exactly")
        }
        verdict.keyBits = publicKey.bits
        if case .rsa = publicKey, publicKey.bits < 2048 { verdict.weakKey = true }

        let body = bodyHashes.hash(sig.bodyCanonicalization, limit: sig.bodyLength)
        if let l = sig.bodyLength {
            if l > body.length {
                return done(.fail, "l=\(l) is longer than the canonical body of \(body.length) octets")
            }
            verdict.unsignedBodyBytes = body.length - l
        }
        guard body.hash == sig.bodyHash else {
            return done(.fail, "body hash mismatch: the body changed after signing")
        }
        let data = SignedData.headerData(
            fields: message.fields, signedHeaders: sig.signedHeaders, canon: sig.headerCanonicalization,
            signatureField: field, signatureIndex: index)
        guard publicKey.isValid(signature: sig.signature, over: data) else {
            return done(
                .fail,
                "signature does not verify: a signed header field changed after signing, or the key does not match")
        }
        var notes: [String] = []
        if verdict.weakKey { notes.append("the \(publicKey.bits)-bit RSA key is weak; use 2048 bits") }
        if let unsigned = verdict.unsignedBodyBytes, unsigned > 0 {
            notes.append(
                "only the first \(sig.bodyLength!) body octets are signed (l=); \(unsigned) octets after them "
                    + "are not covered"
            )
        }
        if key.testing { notes.append("the key record says t=y (testing)") }
        return done(
            .pass, notes.isEmpty ? "signature verified" : "signature verified; " + notes.joined(separator: "; "))
    }
}
