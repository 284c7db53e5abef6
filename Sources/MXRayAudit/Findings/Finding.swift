/// How much a finding matters. Ordered: critical is the highest.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, low, medium, high, critical

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (l: Severity, r: Severity) -> Bool { l.rank < r.rank }
}

/// One thing the audit found (design guide §3): a stable id that never changes meaning, a
/// severity, a one-line title, the evidence, what to do, and the RFC section where one applies.
public struct Finding: Sendable, Codable, Equatable {
    public var id: String
    public var severity: Severity
    public var title: String
    public var evidence: [String]
    public var remediation: String
    public var rfc: String?

    public init(_ id: String, _ severity: Severity, _ title: String, evidence: [String], remediation: String, rfc: String? = nil) {
        self.id = id; self.severity = severity; self.title = title; self.evidence = evidence
        self.remediation = remediation; self.rfc = rfc
    }
}
