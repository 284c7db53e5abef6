/// A DMARC result (RFC 8601 §2.7.4).
public enum DMARCResult: String, Sendable, Codable {
    case none, pass, fail, temperror, permerror
}

/// How the Organizational Domain is found: the DNS tree walk of RFC 9989 (default) or the Public
/// Suffix List of RFC 7489.
public enum DMARCMode: String, Sendable, Codable, CaseIterable {
    case rfc9989, rfc7489
}

/// What DMARC concludes for one message.
public struct DMARCVerdict: Sendable, Codable, Equatable {
    public var result: DMARCResult
    public var mode: DMARCMode
    /// The author domain evaluated (with several From domains, the one that decided the result).
    public var fromDomain: String?
    public var organizationalDomain: String?
    /// Where the policy record was found, and which it was: the From domain's own, the
    /// Organizational Domain's, or a public suffix domain's (RFC 9989 psd=y).
    public var policyDomain: String?
    public var recordUsed: String?
    public var record: String?
    /// The policy that applies to this author domain (p, sp or np), and which tag gave it.
    public var policy: DMARCRecord.Policy?
    public var policyTag: String?
    public var percent: Int?
    public var testing: Bool = false
    public var dkimAlignment: DMARCRecord.Alignment?
    public var spfAlignment: DMARCRecord.Alignment?
    public var spfAligned: Bool = false
    public var dkimAligned: Bool = false
    /// The identifiers that aligned, for the report.
    public var alignedIdentifiers: [String] = []
    public var reason: String

    public init(result: DMARCResult, mode: DMARCMode, reason: String) {
        self.result = result
        self.mode = mode
        self.reason = reason
    }
}
