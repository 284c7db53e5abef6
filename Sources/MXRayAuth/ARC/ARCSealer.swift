import MXRayDNS
import MXRayMessage

/// Adds an ARC set to a message as an intermediary (RFC 8617 §5.1): the ARC-Authentication-Results
/// this hop computed, an ARC-Message-Signature over the message, and an ARC-Seal over the chain.
public struct ARCSealer: Sendable {
    /// Header fields signed by the AMS when none are chosen: those RFC 6376 §5.4.1 recommends,
    /// plus the DKIM signatures and MIME fields a later hop needs intact.
    public static let defaultHeaders =
        DKIMSigner.recommendedHeaders
        + ["message-id", "mime-version", "content-type", "content-transfer-encoding", "dkim-signature"]

    public var domain: String
    public var selector: String
    public var key: PrivateKey
    public var authservID: String
    public var timestamp: Int64?
    /// The h= list; nil signs the default headers present in the message.
    public var headers: [String]?
    /// Where `i=` goes in the seal and the message signature (first, unless asked otherwise).
    public var tagOrder: ARCTagOrder = .instanceFirst

    public init(domain: String, selector: String, key: PrivateKey, authservID: String) {
        self.domain = domain
        self.selector = selector
        self.key = key
        self.authservID = authservID
    }

    /// The sealed message, or an error when the chain must not be extended.
    /// - Parameters:
    ///   - results: the resinfo entries this hop computed (`spf=pass smtp.mailfrom=...`); nil takes
    ///     them from the message's Authentication-Results fields with this authserv-id, in order.
    ///   - incoming: the validation of the chain as received (from `ARCVerifier`).
    public func seal(_ message: Message, results: [String]?, incoming: ARCVerdict) throws(ARCError) -> Message {
        let last = lastSeal(message)
        if incoming.result == .fail, last.cv == .fail { throw .chainFailed(incoming.instances) }
        let instance = last.instance + 1
        guard instance <= ARCChain.maxInstances else { throw .tooManySets }
        // RFC 8617 §5.1.1: cv= is the result of validating the chain as received.
        let cv = incoming.result

        let entries = results ?? consolidatedResults(message)
        let aarValue = (["i=\(instance); \(authservID)"] + (entries.isEmpty ? ["none"] : entries)).joined(
            separator: ";\r\n\t")
        let aar = HeaderField(name: "ARC-Authentication-Results", value: aarValue)
        let withAAR = message.prepending([aar])

        // AMS: DKIM rules, i= instead of v= (RFC 8617 §4.1.2). Tags alphabetical (the ValiMail
        // suite's layout), then ordered as `tagOrder` says; folding only between tags.
        let names = headers ?? Self.defaultHeaders.filter { name in message.fields.contains { $0.is(name) } }
        let bodyHash = Base64.encode(SignedData.bodyHash(message.body, .relaxed, limit: nil).hash)
        let t = timestamp.map { [("t", String($0))] } ?? []
        let amsTags: [(String, String)] =
            ([
                ("a", key.algorithm.rawValue), ("b", ""), ("bh", bodyHash), ("c", "relaxed/relaxed"),
                ("d", domain), ("h", names.joined(separator: ":")), ("i", String(instance)), ("s", selector),
            ] + t).ordered(tagOrder)
        let unsignedAMS = Self.field("ARC-Message-Signature", amsTags)
        let amsData = SignedData.headerData(
            fields: withAAR.fields, signedHeaders: names, canon: .relaxed,
            signatureField: unsignedAMS, signatureIndex: nil)
        let amsSignature: String
        do { amsSignature = Base64.encode(try key.sign(amsData)) } catch { throw .key(error) }
        let ams = Self.field("ARC-Message-Signature", amsTags.map { $0.0 == "b" ? ("b", amsSignature) : $0 })

        // AS: over every set in order, or only the new one when the chain failed (RFC 8617 §5.1.2).
        let sealTags: [(String, String)] =
            ([
                ("a", key.algorithm.rawValue), ("b", ""), ("cv", cv.rawValue), ("d", domain),
                ("i", String(instance)), ("s", selector),
            ] + t).ordered(tagOrder)
        let unsignedSeal = Self.field("ARC-Seal", sealTags)
        let newSet = ARCChain.Set(
            instance: instance, aar: aar, ams: ams, amsIndex: -1, seal: unsignedSeal,
            amsTags: TagList(amsTags), sealTags: TagList(sealTags))
        var sets = [newSet]
        if cv != .fail, let chain = try? ARCChain(message) { sets = chain.sets + [newSet] }
        let sealSignature: String
        do { sealSignature = Base64.encode(try key.sign(ARCSealData.data(sets: sets))) } catch { throw .key(error) }
        let seal = Self.field("ARC-Seal", sealTags.map { $0.0 == "b" ? ("b", sealSignature) : $0 })
        return message.prepending([seal, ams, aar])
    }

    /// The highest ARC-Seal instance in the message and its cv= (0 and nil when there is none).
    func lastSeal(_ message: Message) -> (instance: Int, cv: ARCResult?) {
        var last: (instance: Int, cv: ARCResult?) = (0, nil)
        for f in message.fields where f.is("ARC-Seal") {
            guard let tags = try? TagList(parsing: f.value), let i = tags["i"].flatMap({ Int($0) }), i > last.instance
            else { continue }
            last = (i, tags["cv"].flatMap(ARCResult.init(rawValue:)))
        }
        return last
    }

    /// Every resinfo from the Authentication-Results fields written by this authserv-id, in the
    /// order they appear (the ValiMail signing suite's AR consolidation).
    func consolidatedResults(_ message: Message) -> [String] {
        var entries: [String] = []
        for f in message.fields where f.is("Authentication-Results") {
            guard let ar = try? AuthenticationResults(parsing: f.value),
                ar.authservID.lowercased() == authservID.lowercased()
            else { continue }
            entries += ar.results.map(\.text)
        }
        return entries
    }

    /// `Name: tag=value; tag=value` folded after semicolons only, so that relaxed canonicalization
    /// gives exactly one space between tags and no value is split.
    static func field(_ name: String, _ tags: [(String, String)]) -> HeaderField {
        var lines: [String] = []
        var line = "\(name):"
        for (index, (tag, value)) in tags.enumerated() {
            let piece = "\(tag)=\(value)" + (index == tags.count - 1 ? "" : ";")
            if line.utf8.count + 1 + piece.utf8.count > 78 && line != "\(name):" {
                lines.append(line)
                line = "\t" + piece
            } else {
                line += " " + piece
            }
        }
        lines.append(line)
        return HeaderField(
            name: name, raw: Array(lines.joined(separator: "\r\n").utf8), valueOffset: name.utf8.count + 1)
    }
}

/// The order of the tags in the ARC-Seal and ARC-Message-Signature a sealer writes. RFC 8617
/// permits any; verifiers in use (dkimpy among them) find a set's fields by an `i=` at the start,
/// where the major sealers put it.
public enum ARCTagOrder: Sendable {
    /// `i=` first, then the rest alphabetically: what Google, Microsoft and dkimpy write.
    case instanceFirst
    /// Alphabetical, as the ValiMail conformance suite lays its expected fields out.
    case alphabetical
}

extension Array where Element == (String, String) {
    func ordered(_ order: ARCTagOrder) -> [(String, String)] {
        let sorted = self.sorted { $0.0 < $1.0 }
        guard order == .instanceFirst else { return sorted }
        return sorted.filter { $0.0 == "i" } + sorted.filter { $0.0 != "i" }
    }
}
