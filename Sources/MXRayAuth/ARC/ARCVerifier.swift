import MXRayDNS
import MXRayMessage

/// Validates an ARC chain (RFC 8617 §5.2): structure, the newest ARC-Message-Signature, and
/// every ARC-Seal.
public struct ARCVerifier: Sendable {
    public let keys: KeyFetcher

    public init(keys: KeyFetcher) { self.keys = keys }
    public init(resolver: any DNSResolver) { self.init(keys: KeyFetcher(resolver: resolver)) }

    public func verify(_ message: Message) async -> ARCVerdict {
        guard ARCChain.hasARC(message) else { return ARCVerdict(result: .none, reason: "no ARC header fields") }
        let chain: ARCChain
        do { chain = try ARCChain(message) } catch {
            var failed: Int? = nil
            if case .structure(_, let i) = error { failed = i }
            return ARCVerdict(result: .fail, failedInstance: failed, reason: "\(error)")
        }
        let n = chain.sets.count
        var summaries = chain.sets.map(Self.summary)
        func fail(_ instance: Int, _ reason: String) -> ARCVerdict {
            ARCVerdict(result: .fail, instances: n, failedInstance: instance, reason: reason, sets: summaries)
        }

        // §5.2 step 2: a chain whose newest seal says cv=fail has failed for good.
        if chain.sets[n - 1].chainValidation == .fail {
            return fail(n, "ARC-Seal i=\(n) says cv=fail: an earlier hop found the chain broken")
        }
        // §5.2 step 3: cv=none on instance 1 and pass on every later one.
        for set in chain.sets {
            let expected: ARCResult = set.instance == 1 ? .none : .pass
            guard set.chainValidation == expected else {
                let cv = set.sealTags["cv"] ?? "(missing)"
                return fail(set.instance, "ARC-Seal i=\(set.instance) has cv=\(cv), expected cv=\(expected.rawValue)")
            }
        }

        // §5.2 step 4: the newest AMS must verify; older ones tell how far back the message is intact.
        var oldestPassing: Int? = nil
        var bodyHashes = SignedData.BodyHashes(message.body)
        for set in chain.sets.reversed() {
            let problem = await verifyMessageSignature(set, in: message, bodyHashes: &bodyHashes)
            summaries[set.instance - 1].messageSignatureVerifies = problem == nil
            if let problem {
                if set.instance == n { return fail(n, "ARC-Message-Signature i=\(n): \(problem)") }
                break
            }
            oldestPassing = set.instance
        }

        // §5.2 step 5: every seal, newest first.
        for set in chain.sets.reversed() {
            if let problem = await verifySeal(set.instance, chain: chain) {
                var verdict = fail(set.instance, "ARC-Seal i=\(set.instance): \(problem)")
                verdict.oldestPassingInstance = oldestPassing
                return verdict
            }
        }
        return ARCVerdict(
            result: .pass, instances: n, reason: "chain of \(n) set\(n == 1 ? "" : "s") verified",
            oldestPassingInstance: oldestPassing, sets: summaries)
    }

    static func summary(_ set: ARCChain.Set) -> ARCVerdict.SetSummary {
        var aarText = set.aar.value
        if let semi = aarText.firstIndex(of: ";") {
            aarText = String(aarText[aarText.index(after: semi)...]).trimmingFWS
        }
        let ar = try? AuthenticationResults(parsing: aarText)
        return ARCVerdict.SetSummary(
            instance: set.instance, sealDomain: set.sealTags["d"], signatureDomain: set.amsTags["d"],
            chainValidation: set.chainValidation, authservID: ar?.authservID,
            authenticationResults: aarText.collapsingWhitespace)
    }

    /// Nil when the AMS verifies, else the reason (RFC 8617 §4.1.2: DKIM rules, i= for v=).
    func verifyMessageSignature(_ set: ARCChain.Set, in message: Message, bodyHashes: inout SignedData.BodyHashes) async
        -> String?
    {
        let sig: SignatureFields
        do { sig = try SignatureFields(tags: set.amsTags, kind: .arcMessage) } catch { return "malformed: \(error)" }
        if sig.signedHeaders.contains(where: { $0.lowercased() == "arc-seal" }) {
            return "h= includes ARC-Seal, which RFC 8617 §4.1.2 forbids"
        }
        let body = bodyHashes.hash(sig.bodyCanonicalization, limit: sig.bodyLength)
        return await checkKeyAndSignature(sig) {
            guard body.hash == sig.bodyHash else {
                return .failure("body hash mismatch: the body changed after this hop signed it")
            }
            return .success(
                SignedData.headerData(
                    fields: message.fields, signedHeaders: sig.signedHeaders, canon: sig.headerCanonicalization,
                    signatureField: set.ams, signatureIndex: set.amsIndex))
        }
    }

    /// Nil when the seal of instance `i` verifies over sets 1...i (RFC 8617 §5.1.1).
    func verifySeal(_ i: Int, chain: ARCChain) async -> String? {
        let set = chain.sets[i - 1]
        let sig: SignatureFields
        do { sig = try SignatureFields(tags: set.sealTags, kind: .arcSeal) } catch { return "malformed: \(error)" }
        guard let cv = sig.tags["cv"], ["none", "pass", "fail"].contains(cv) else { return "cv= is missing or invalid" }
        return await checkKeyAndSignature(sig) { .success(ARCSealData.data(sets: Array(chain.sets[0..<i]))) }
    }

    enum Data { case success([UInt8]), failure(String) }

    /// Nil when the key verifies `signedData()` (which may itself report a problem first).
    func checkKeyAndSignature(_ sig: SignatureFields, signedData: () -> Data) async -> String? {
        guard let algorithm = sig.algorithm, algorithm != .rsaSha1 else {
            return "algorithm \(sig.algorithmName) is not accepted (RFC 8301 §3.1)"
        }
        let record: KeyRecord
        switch await keys.fetch(domain: sig.domain, selector: sig.selector) {
        case .temporary(let reason): return reason
        case .permanent(let reason), .rejected(let reason): return reason
        case .key(let k): record = k
        }
        let key: PublicKey
        switch record.key(for: algorithm, named: sig.algorithmName) {
        case .failure(let problem): return problem.reason
        case .success(let k): key = k
        }
        switch signedData() {
        case .failure(let reason): return reason
        case .success(let data):
            return key.isValid(signature: sig.signature, over: data) ? nil : "signature does not verify"
        }
    }
}

/// What an ARC-Seal signs (RFC 8617 §5.1.1): every set from 1 to its own, in instance order,
/// each as AAR, AMS, AS in relaxed canonical form; its own b= value is empty and it has no CRLF.
enum ARCSealData {
    static func data(sets: [ARCChain.Set]) -> [UInt8] {
        var out: [UInt8] = []
        for (k, set) in sets.enumerated() {
            Canonicalizer.header(set.aar.raw[...], .relaxed, into: &out)
            Canonicalizer.header(set.ams.raw[...], .relaxed, into: &out)
            if k == sets.count - 1 {
                let stripped = Canonicalizer.strippingSignatureValue(set.seal.raw, valueOffset: set.seal.valueOffset)
                Canonicalizer.header(stripped[...], .relaxed, terminate: false, into: &out)
            } else {
                Canonicalizer.header(set.seal.raw[...], .relaxed, into: &out)
            }
        }
        return out
    }
}
