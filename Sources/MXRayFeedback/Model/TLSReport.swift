/// One SMTP TLS report (RFC 8460 §4), typed: per policy, its success and failure counts and the
/// failure details with the receiving MX host they name.
public struct TLSReport: Sendable, Equatable, Codable {
    public var orgName: String
    public var reportID: String
    public var contact: String?
    /// The reporting period in seconds since the epoch, UTC.
    public var begin: Int64
    public var end: Int64
    public var policies: [Policy]

    public init(orgName: String, reportID: String, contact: String?, begin: Int64, end: Int64, policies: [Policy]) {
        self.orgName = orgName
        self.reportID = reportID
        self.contact = contact
        self.begin = begin
        self.end = end
        self.policies = policies
    }

    /// The duplicate key: the same reporter and report id are stored once.
    public var key: String { "tlsrpt:" + orgName.lowercased() + "!" + reportID }

    /// One `policies` entry (RFC 8460 §4.4).
    public struct Policy: Sendable, Equatable, Codable {
        /// `sts`, `tlsa` or `no-policy-found`.
        public var type: String
        public var domain: String
        public var mxHosts: [String]
        public var successCount: Int64
        public var failureCount: Int64
        public var failures: [Failure]

        public init(
            type: String, domain: String, mxHosts: [String], successCount: Int64, failureCount: Int64,
            failures: [Failure]
        ) {
            self.type = type
            self.domain = domain
            self.mxHosts = mxHosts
            self.successCount = successCount
            self.failureCount = failureCount
            self.failures = failures
        }
    }

    /// One `failure-details` entry (RFC 8460 §4.3 result types).
    public struct Failure: Sendable, Equatable, Codable {
        public var resultType: String
        public var sendingMTAIP: String?
        public var receivingMXHostname: String?
        public var receivingMXHelo: String?
        public var receivingIP: String?
        public var sessionCount: Int64
        public var additionalInformation: String?
        public var failureReasonCode: String?

        public init(
            resultType: String, sendingMTAIP: String? = nil, receivingMXHostname: String? = nil,
            receivingMXHelo: String? = nil, receivingIP: String? = nil, sessionCount: Int64,
            additionalInformation: String? = nil, failureReasonCode: String? = nil
        ) {
            self.resultType = resultType
            self.sendingMTAIP = sendingMTAIP
            self.receivingMXHostname = receivingMXHostname
            self.receivingMXHelo = receivingMXHelo
            self.receivingIP = receivingIP
            self.sessionCount = sessionCount
            self.additionalInformation = additionalInformation
            self.failureReasonCode = failureReasonCode
        }
    }
}

/// A report of either kind, as the ingester hands it to the store.
public enum FeedbackReport: Sendable, Equatable {
    case dmarc(DMARCAggregateReport)
    case tls(TLSReport)

    public var key: String {
        switch self {
        case .dmarc(let r): r.key
        case .tls(let r): r.key
        }
    }
}

/// Why a document could not be read as a report. The text goes into the kept-aside table.
public struct FeedbackError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Bounds on hostile input: how far a report may expand, how many records it may hold.
public struct FeedbackLimits: Sendable {
    /// A compressed or attached document may not expand past this many bytes.
    public var maxDocumentBytes: Int
    /// Nor by more than this factor over its compressed size (once past `ratioFloorBytes`).
    public var maxExpansionRatio: Int
    public var ratioFloorBytes: Int
    /// Records (DMARC) or failure details (TLS-RPT) per report.
    public var maxRecords: Int
    /// Attachments or zip entries read from one input.
    public var maxParts: Int

    public init(
        maxDocumentBytes: Int = 64 * 1024 * 1024, maxExpansionRatio: Int = 200, ratioFloorBytes: Int = 1024 * 1024,
        maxRecords: Int = 200_000, maxParts: Int = 32
    ) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxExpansionRatio = maxExpansionRatio
        self.ratioFloorBytes = ratioFloorBytes
        self.maxRecords = maxRecords
        self.maxParts = maxParts
    }

    public static let standard = FeedbackLimits()
}
