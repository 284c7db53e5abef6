import MXRayDNS

/// Which of the four DNS outcomes a lookup had (RFC 2308 §2 defines NXDOMAIN and NODATA). Reports keep them apart: a
/// failure says nothing about whether records exist.
public enum LookupOutcome: String, Sendable, Codable, Equatable, CustomStringConvertible {
    case records, nxdomain, nodata, failure

    public var description: String { rawValue }

    public init(_ outcome: DNSOutcome) {
        switch outcome {
        case .records: self = .records
        case .nxdomain: self = .nxdomain
        case .nodata: self = .nodata
        case .failure: self = .failure
        }
    }

    /// NXDOMAIN or NODATA: DNS answered that there is nothing.
    public var isAbsent: Bool { self == .nxdomain || self == .nodata }
}

/// One DNS lookup as a report shows it: the outcome, and the detail of a failure.
public struct LookupSummary: Sendable, Codable, Equatable {
    public var outcome: LookupOutcome
    public var detail: String?

    public init(_ lookup: DNSLookup) {
        outcome = LookupOutcome(lookup.outcome)
        detail = lookup.failure?.detail
    }

    public init(outcome: LookupOutcome, detail: String? = nil) {
        self.outcome = outcome
        self.detail = detail
    }

    public var failed: Bool { outcome == .failure }
}
