import Crypto
import MXRayMessage

/// The tags DKIM-Signature (RFC 6376 §3.5) and ARC-Message-Signature (RFC 8617 §4.1.2) share,
/// parsed and checked. ARC-Seal uses a subset (RFC 8617 §4.1.3).
public struct SignatureFields: Sendable {
    public var tags: TagList
    public var algorithmName: String
    public var algorithm: SigningAlgorithm?
    public var signature: [UInt8]
    public var bodyHash: [UInt8]
    public var headerCanonicalization: Canonicalization
    public var bodyCanonicalization: Canonicalization
    public var domain: String
    public var selector: String
    public var signedHeaders: [String]
    public var bodyLength: Int?
    public var timestamp: Int64?
    public var expiration: Int64?

    public enum Kind { case dkim, arcMessage, arcSeal }

    /// Parses and checks the tags. A missing required tag, a bad value or a duplicate throws.
    public init(value: String, kind: Kind) throws(SignatureError) {
        let tags: TagList
        do { tags = try TagList(parsing: value) } catch { throw .syntax("\(error)") }
        try self.init(tags: tags, kind: kind)
    }

    /// Checks tags already parsed.
    public init(tags t: TagList, kind: Kind) throws(SignatureError) {
        tags = t
        func required(_ name: String) throws(SignatureError) -> String {
            guard let v = t[name] else { throw .missingTag(name) }
            guard !v.isEmpty else { throw .emptyTag(name) }
            return v
        }
        if kind == .dkim {
            guard let v = t["v"] else { throw .missingTag("v") }
            guard v == "1" else { throw .syntax("v=\(v) is not version 1") }
        }
        algorithmName = try required("a")
        algorithm = SigningAlgorithm(rawValue: algorithmName)
        guard algorithm != nil else { throw .unknownAlgorithm(algorithmName) }
        guard let b = Base64.decode(try required("b")), !b.isEmpty else { throw .syntax("b= is not base64") }
        signature = b
        domain = try required("d")
        guard Self.isDomainName(domain) else { throw .syntax("d=\(domain) is not a domain name") }
        selector = try required("s")
        guard Self.isDomainName(selector) else { throw .syntax("s=\(selector) is not a valid selector") }
        if let ts = t["t"] {
            guard let v = Self.timestamp(ts) else { throw .syntax("t=\(ts) is not a timestamp") }
            timestamp = v
        }
        if kind == .arcSeal {
            // RFC 8617 §4.1.3: the seal covers header fields only; h= is not allowed.
            guard t["h"] == nil else { throw .syntax("ARC-Seal must not have h=") }
            bodyHash = []
            headerCanonicalization = .relaxed
            bodyCanonicalization = .relaxed
            signedHeaders = []
            return
        }
        guard let bh = Base64.decode(try required("bh")), !bh.isEmpty else { throw .syntax("bh= is not base64") }
        bodyHash = bh
        guard let h = t["h"] else { throw .missingTag("h") }
        signedHeaders = Self.headerNames(h)
        if kind == .dkim && !signedHeaders.contains(where: Self.isFrom) {
            throw .syntax("h= does not include From (RFC 6376 §5.4)")
        }
        // DKIM defaults to simple/simple (RFC 6376 §3.5). For an AMS without c= the ValiMail ARC
        // suite (ams_fields_c_na) expects relaxed header canonicalization, as ARC signers use.
        let c = t["c"] ?? (kind == .dkim ? "simple/simple" : "relaxed/relaxed")
        let parts = c.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard (1...2).contains(parts.count), let hc = Canonicalization(rawValue: parts[0]),
            let bc = Canonicalization(rawValue: parts.count == 2 ? parts[1] : "simple")
        else {
            throw .syntax("c=\(c) is not a canonicalization")
        }
        headerCanonicalization = hc
        bodyCanonicalization = bc
        if let l = t["l"] {
            guard l.utf8.count <= 76, Self.isDigits(l), let n = Int(l) else {
                throw .syntax("l=\(l) is not a length")
            }
            bodyLength = n
        }
        if let x = t["x"] {
            guard let v = Self.timestamp(x) else { throw .syntax("x=\(x) is not a timestamp") }
            expiration = v
            if let ts = timestamp, v < ts { throw .syntax("x= is before t= (RFC 6376 §3.5)") }
        }
        if let q = t["q"], !q.split(separator: ":").contains(where: { $0.trimmingFWS == "dns/txt" }) {
            throw .syntax("q=\(q) names no supported query method")
        }
    }

    static func timestamp(_ s: String) -> Int64? {
        guard !s.isEmpty, s.utf8.count <= 12, isDigits(s) else { return nil }
        return Int64(s)
    }

    // The checks below read UTF-8 bytes: every signature is parsed once per message, and splitting
    // Strings into Characters cost as much as the rest of the parse.

    static func isDigits(_ s: String) -> Bool { s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    /// The names of h=, split at colons, without folding white space, empty names dropped.
    static func headerNames(_ h: String) -> [String] {
        var h = h
        return h.withUTF8 { bytes in
            var names: [String] = []
            var start = 0
            for end in 0...bytes.count where end == bytes.count || bytes[end] == UInt8(ascii: ":") {
                var a = start, b = end
                while a < b && TagList.isFWS(bytes[a]) { a += 1 }
                while b > a && TagList.isFWS(bytes[b - 1]) { b -= 1 }
                if a < b { names.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self)) }
                start = end + 1
            }
            return names
        }
    }

    /// "From" in any case.
    static func isFrom(_ name: String) -> Bool {
        name.utf8.count == 4 && zip(name.utf8, "from".utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    /// Labels of letters, digits, hyphens and underscores, separated by single dots.
    static func isDomainName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        var label = 0
        for byte in s.utf8 {
            if byte == UInt8(ascii: ".") {
                guard label > 0 else { return false }
                label = 0
                continue
            }
            guard
                TagList.isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            else { return false }
            label += 1
            guard label <= 63 else { return false }
        }
        return label > 0
    }
}

public enum SignatureError: Error, Sendable, CustomStringConvertible {
    case syntax(String)
    case missingTag(String)
    case emptyTag(String)
    case unknownAlgorithm(String)

    public var description: String {
        switch self {
        case .syntax(let s): s
        case .missingTag(let t): "required tag \(t)= is missing"
        case .emptyTag(let t): "required tag \(t)= is empty"
        case .unknownAlgorithm(let a): "unknown algorithm a=\(a)"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// What DKIM and ARC hash (RFC 6376 §3.7): the body hash and the header data.
enum SignedData {
    /// The canonical body, cut to `limit` octets when `l=` is given.
    static func bodyHash(_ body: [UInt8], _ canon: Canonicalization, limit: Int?) -> BodyHash {
        var hasher = SHA256()
        let length: Int
        if let prefix = Canonicalizer.prefix(body, canon) {
            // Hashed where it lies: most bodies need no copy.
            length = prefix.count
            let used = limit.map { min($0, length) } ?? length
            hasher.update(data: body[..<min(used, prefix.end)])
            if used > prefix.end { hasher.update(data: [0x0D, 0x0A][..<(used - prefix.end)]) }
        } else {
            // Only a relaxed body can need rewriting, and the check above has said it does.
            let canonical = Canonicalizer.relaxedRewritten(body)
            length = canonical.count
            hasher.update(data: canonical[..<(limit.map { min($0, length) } ?? length)])
        }
        return BodyHash(hash: Array(hasher.finalize()), length: length)
    }

    /// A body hash and the canonical body's length (for l=).
    struct BodyHash {
        var hash: [UInt8]
        var length: Int
    }

    /// Body hashes of one message by canonicalization and length: several signatures (DKIM or
    /// ARC) over the same body hash it once.
    struct BodyHashes {
        let body: [UInt8]
        private var cache: [Key: BodyHash] = [:]
        init(_ body: [UInt8]) { self.body = body }

        /// What a body hash depends on besides the body (a string of the two cost an allocation per signature).
        private struct Key: Hashable {
            var canon: Canonicalization
            var limit: Int?
        }

        mutating func hash(_ canon: Canonicalization, limit: Int?) -> BodyHash {
            let key = Key(canon: canon, limit: limit)
            if let hit = cache[key] { return hit }
            let computed = SignedData.bodyHash(body, canon, limit: limit)
            cache[key] = computed
            return computed
        }
    }

    /// The selected header fields (RFC 6376 §5.4.2: for each name in h=, the last unused
    /// instance, bottom up; a name with no instance left adds nothing), then the signature field
    /// itself with its b= value removed and no final CRLF.
    static func headerData(
        fields: [HeaderField], signedHeaders: [String], canon: Canonicalization,
        signatureField: HeaderField, signatureIndex: Int?
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        var used: [String: Int] = [:]
        for name in signedHeaders {
            let lower = name.lowercased()
            let skip = used[lower, default: 0]
            var seen = 0
            var index = fields.count - 1
            while index >= 0 {
                if index != signatureIndex && fields[index].is(name) {
                    if seen == skip { break }
                    seen += 1
                }
                index -= 1
            }
            used[lower] = skip + 1
            if index >= 0 { Canonicalizer.header(fields[index].raw[...], canon, into: &out) }
        }
        let stripped = Canonicalizer.strippingSignatureValue(
            signatureField.raw, valueOffset: signatureField.valueOffset)
        Canonicalizer.header(stripped[...], canon, terminate: false, into: &out)
        return out
    }
}
