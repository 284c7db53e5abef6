import MXRayAuth
import MXRayDNS
import MXRayMessage

/// What one listener does with a complete message: verify (RFC 8601 Authentication-Results over
/// SPF, DKIM, ARC and DMARC, replacing any field that claims this authserv-id, §5), enforce the
/// DMARC policy with trusted ARC sealers as the local-policy exception (RFC 8617 §7.2), seal the
/// results into an ARC set (RFC 8617 §5.1; alone, over the results an earlier stage of this hop
/// wrote), and sign outbound mail (RFC 6376 §5).
public struct MilterFilter: Sendable {
    public let listener: MilterConfig.Listener
    /// Built once, so its key cache (decoded public keys) serves every message, not one.
    let verifier: MessageVerifier
    let sealer: ARCSealer?
    let signer: DKIMSigner?
    let signClients: ClientNetworks

    /// The verdict, for the logs and the metrics.
    public struct Outcome: Sendable {
        public var responses: [MilterResponse]
        /// `pass`, `fail`, ... of DMARC, or `-` when the filter did not verify.
        public var dmarc: String
        /// `none`, `quarantine`, `reject` or `override` (a trusted sealer's chain stood in).
        public var action: String
        public var signed: Bool
        public var sealed: Bool
        public var dnsFailure: Bool
        public var note: String?
    }

    public init(listener: MilterConfig.Listener, resolver: any DNSResolver) throws {
        self.listener = listener
        verifier = MessageVerifier(
            resolver: resolver, now: 0, authservID: listener.authservID, dmarcMode: listener.dmarcMode)
        func key(_ path: String) throws -> PrivateKey {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw MilterConfigError("cannot read the key \(path)")
            }
            do { return try PrivateKey(pem: text) } catch { throw MilterConfigError("\(path): \(error)") }
        }
        if listener.roles.contains(.seal), let s = listener.seal {
            sealer = ARCSealer(
                domain: s.domain, selector: s.selector, key: try key(s.key), authservID: listener.authservID)
        } else {
            sealer = nil
        }
        if listener.roles.contains(.sign), let s = listener.sign {
            signer = DKIMSigner(domain: s.domain, selector: s.selector, key: try key(s.key))
            signClients = ClientNetworks(s.clients) ?? ClientNetworks([])!
        } else {
            signer = nil
            signClients = ClientNetworks([])!
        }
    }

    /// The responses for one message, modifications first, the verdict last.
    public func process(_ envelope: MilterEnvelope, now: Int64) async -> Outcome {
        var outcome = Outcome(
            responses: [], dmarc: "-", action: "none", signed: false, sealed: false, dnsFailure: false)
        guard !envelope.oversized else {
            outcome.note = "over the size limit: passed through unjudged"
            outcome.responses = [.continue]
            return outcome
        }
        let original = Self.message(envelope)
        var message = original
        var inserted: [HeaderField] = []

        if listener.roles.contains(.verify) {
            var connection: ConnectionFacts?
            if let ip = envelope.clientAddress {
                connection = ConnectionFacts(ip: ip, helo: envelope.helo, mailFrom: envelope.mailFrom)
            }
            var verifier = self.verifier
            verifier.now = now
            let verification = await verifier.verify(original, connection: connection)
            outcome.dmarc = verification.dmarc.result.rawValue
            outcome.dnsFailure =
                verification.dmarc.result == .temperror || verification.spf?.result == .temperror
                || verification.dkim.contains { $0.result == .temperror }
            var results = verification.authenticationResults
            let decision = enforcement(verification)
            outcome.action = decision.action
            if decision.action == "reject" {
                outcome.responses = [.reply(decision.reply)]
                return outcome
            }
            if let i = results.results.firstIndex(where: { $0.method == "dmarc" }), let applied = decision.applied {
                var dmarc = results.results[i]
                dmarc.properties.removeAll { $0.type == "policy" && $0.name == "dmarc" }
                dmarc.properties.append(.init(type: "policy", name: "dmarc", value: applied))
                if let reason = decision.reason { dmarc.reason = reason }
                dmarc.text = dmarc.rendered
                results.results[i] = dmarc
            }
            // RFC 8601 §5: a field that claims our authserv-id was not written by us; remove it,
            // from the bottom up so the indexes of the ones above stay right.
            let (ours, remaining) = Self.claims(of: listener.authservID, in: original)
            for index in ours.reversed() {
                outcome.responses.append(.changeHeader(index: UInt32(index), name: "Authentication-Results", value: ""))
            }
            let ar = HeaderField(name: "Authentication-Results", value: results.rendered)
            message = remaining.prepending([ar])
            inserted.insert(ar, at: 0)
            if decision.action == "quarantine" { outcome.responses.append(.quarantine(decision.reply)) }

            if let sealer {
                do {
                    let entries = results.results.map(\.text)
                    let sealed = try sealer.seal(message, results: entries, incoming: verification.arc)
                    let added = Array(sealed.fields.prefix(sealed.fields.count - message.fields.count))
                    message = sealed
                    inserted.insert(contentsOf: added, at: 0)
                    outcome.sealed = true
                } catch {
                    outcome.note = "not sealed: \(error)"
                }
            }
        }

        // Seal without verify: a later stage of the same hop (after a content filter changed the
        // message) seals over the Authentication-Results its verify stage wrote under this authserv-id.
        if !listener.roles.contains(.verify), let sealer {
            let incoming = await ARCVerifier(keys: verifier.keys).verify(original)
            do {
                let sealed = try sealer.seal(original, results: nil, incoming: incoming)
                inserted.insert(
                    contentsOf: sealed.fields.prefix(sealed.fields.count - original.fields.count), at: 0)
                message = sealed
                outcome.sealed = true
            } catch {
                outcome.note = "not sealed: \(error)"
            }
        }

        if let signer, shouldSign(envelope) {
            do {
                let field = try signer.signatureField(for: message)
                inserted.insert(field, at: 0)
                outcome.signed = true
            } catch {
                outcome.note = "not signed: \(error)"
            }
        }

        // Inserted at the top one by one, bottom-most first, so they end in `inserted` order.
        for field in inserted.reversed() {
            outcome.responses.append(
                .insertHeader(
                    index: 0, name: field.name, value: Self.milterValue(field, leadingSpace: envelope.leadingSpace)))
        }
        outcome.responses.append(.continue)
        return outcome
    }

    struct Decision {
        var action = "none"
        /// The disposition written as policy.dmarc, when enforcement changed or confirmed it.
        var applied: String?
        var reason: String?
        var reply = ""
    }

    /// RFC 7489 §6.7 / RFC 9989: the receiver applies the policy; RFC 8617 §7.2: a local policy may
    /// accept a DMARC failure when an intact ARC chain was sealed by a sealer it trusts.
    func enforcement(_ v: MessageVerification) -> Decision {
        var d = Decision()
        guard listener.enforce != .none, v.dmarc.result == .fail, let policy = v.dmarc.policy, policy != .none else {
            return d
        }
        let from = v.dmarc.fromDomain ?? "the From domain"
        let trusted = Set(listener.trustedSealers.map { $0.lowercased() })
        if v.arc.result == .pass,
            let sealer = v.arc.sets.compactMap({ $0.sealDomain?.lowercased() }).first(where: trusted.contains)
        {
            d.action = "override"
            d.applied = "none"
            d.reason = "local policy: ARC chain intact and sealed by trusted \(sealer)"
            return d
        }
        if policy == .reject && listener.enforce == .reject {
            d.action = "reject"
            d.reply = "550 5.7.1 DMARC policy of \(from) is reject and this message fails it"
            return d
        }
        d.action = "quarantine"
        d.applied = "quarantine"
        d.reason = "DMARC policy of \(from) is \(policy.rawValue)"
        d.reply = "DMARC \(policy.rawValue) for \(from)"
        return d
    }

    func shouldSign(_ envelope: MilterEnvelope) -> Bool {
        guard let settings = listener.sign else { return false }
        if settings.authenticated && envelope.authenticatedUser != nil { return true }
        if let ip = envelope.clientAddress, signClients.contains(ip) { return true }
        return false
    }

    /// The message as the MTA holds it: each field `name:value` with CRLF folds, then the body.
    static func message(_ envelope: MilterEnvelope) -> Message {
        let fields = envelope.headers.map { header -> HeaderField in
            var value = Array(header.value.utf8)
            value = crlf(value)
            var raw = Array(header.name.utf8) + [UInt8(ascii: ":")]
            let offset = raw.count
            if !envelope.leadingSpace { raw.append(UInt8(ascii: " ")) }
            raw += value
            return HeaderField(name: header.name, raw: raw, valueOffset: offset)
        }
        return Message(fields: fields, body: envelope.body, hasBody: true, lineEndings: .crlf)
    }

    /// Bare LF (as milters receive folds) made CRLF; existing CRLF kept.
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var previous: UInt8 = 0
        for b in bytes {
            if b == 0x0A && previous != 0x0D { out.append(0x0D) }
            out.append(b)
            previous = b
        }
        return out
    }

    /// A field's value as the milter protocol carries it: LF folds, and the leading space only
    /// when the MTA agreed to keep it (SMFIP_HDR_LEADSPC).
    static func milterValue(_ field: HeaderField, leadingSpace: Bool) -> String {
        var value = String(decoding: field.rawValue, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        if !leadingSpace, value.hasPrefix(" ") { value.removeFirst() }
        return value
    }

    /// The 1-based positions, among the Authentication-Results fields, of those that claim
    /// `authservID`, and the message without them; each field is read once.
    static func claims(of authservID: String, in message: Message) -> (positions: [Int], rest: Message) {
        var positions: [Int] = []
        var rest = message
        rest.fields = []
        var position = 0
        for field in message.fields {
            if field.is("Authentication-Results") {
                position += 1
                if claims(field, authservID) {
                    positions.append(position)
                    continue
                }
            }
            rest.fields.append(field)
        }
        return (positions, rest)
    }

    static func claims(_ field: HeaderField, _ authservID: String) -> Bool {
        let id =
            (try? AuthenticationResults(parsing: field.value))?.authservID
            ?? String(field.value.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
        return id.caseInsensitiveCompare(authservID) == .orderedSame
    }
}
