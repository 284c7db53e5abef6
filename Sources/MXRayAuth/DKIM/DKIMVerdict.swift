/// A DKIM result (RFC 8601 §2.7.1).
public enum DKIMResult: String, Sendable, Codable {
    case pass, fail, neutral, policy, temperror, permerror, none
}

/// What one DKIM-Signature came to, with the facts a report needs and the reason in words.
public struct DKIMVerdict: Sendable, Codable, Equatable {
    public var result: DKIMResult
    public var domain: String?
    public var selector: String?
    public var algorithm: String?
    public var identity: String?
    public var keyBits: Int?
    /// RSA keys of 1024 bits verify but are weak (RFC 8301 §3.2 asks for 2048).
    public var weakKey: Bool = false
    /// `t=y` in the key record: the domain is testing DKIM.
    public var testing: Bool = false
    public var canonicalization: String?
    public var signedHeaders: [String] = []
    /// With `l=`: body octets after the signed length, which anyone could have added.
    public var unsignedBodyBytes: Int?
    /// The first 8 characters of b=, which tell signatures of one domain apart (RFC 6008).
    public var signaturePrefix: String?
    public var reason: String

    public init(result: DKIMResult, reason: String) {
        self.result = result
        self.reason = reason
    }

    /// The `header.d` / `header.s` shorthand a report line uses.
    public var summary: String {
        var s = "dkim=\(result.rawValue)"
        if let domain { s += " header.d=\(domain)" }
        if let selector { s += " header.s=\(selector)" }
        if let algorithm { s += " header.a=\(algorithm)" }
        return s
    }
}
