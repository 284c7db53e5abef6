/// One DMARC aggregate report (RFC 7489 Appendix C; DMARCbis aggregate reporting §2.1), typed.
/// Every field a reporter may leave out is optional; the parser fills only what the report carried.
public struct DMARCAggregateReport: Sendable, Equatable, Codable {
    /// `version` (DMARCbis); nil in RFC 7489 reports.
    public var version: String?
    public var orgName: String
    public var email: String?
    public var reportID: String
    /// The reporting period in seconds since the epoch, UTC.
    public var begin: Int64
    public var end: Int64
    public var errors: [String]
    public var published: PublishedPolicy
    public var records: [Record]

    public init(
        version: String? = nil, orgName: String, email: String?, reportID: String, begin: Int64, end: Int64,
        errors: [String] = [], published: PublishedPolicy, records: [Record]
    ) {
        self.version = version
        self.orgName = orgName
        self.email = email
        self.reportID = reportID
        self.begin = begin
        self.end = end
        self.errors = errors
        self.published = published
        self.records = records
    }

    /// The duplicate key: the same reporter and report id are stored once.
    public var key: String { "dmarc:" + orgName.lowercased() + "!" + reportID }

    /// Messages the report covers.
    public var messageCount: Int64 { records.reduce(0) { $0 + $1.count } }

    /// `policy_published`: the DMARC record the reporter found.
    public struct PublishedPolicy: Sendable, Equatable, Codable {
        public var domain: String
        public var adkim: String?
        public var aspf: String?
        public var p: String?
        public var sp: String?
        public var np: String?
        public var pct: Int?
        public var fo: String?
        public var testing: String?

        public init(
            domain: String, adkim: String? = nil, aspf: String? = nil, p: String? = nil, sp: String? = nil,
            np: String? = nil, pct: Int? = nil, fo: String? = nil, testing: String? = nil
        ) {
            self.domain = domain
            self.adkim = adkim
            self.aspf = aspf
            self.p = p
            self.sp = sp
            self.np = np
            self.pct = pct
            self.fo = fo
            self.testing = testing
        }
    }

    /// One `record`: a source address, a message count, the policy evaluation and the raw results.
    public struct Record: Sendable, Equatable, Codable {
        public var sourceIP: String
        public var count: Int64
        public var disposition: String
        /// DMARC-aligned DKIM and SPF verdicts (`pass` or `fail`) from `policy_evaluated`.
        public var dkimAligned: String
        public var spfAligned: String
        public var reasons: [Reason]
        public var headerFrom: String
        public var envelopeFrom: String?
        public var envelopeTo: String?
        public var dkim: [DKIMResult]
        public var spf: [SPFResult]

        public init(
            sourceIP: String, count: Int64, disposition: String, dkimAligned: String, spfAligned: String,
            reasons: [Reason] = [], headerFrom: String, envelopeFrom: String? = nil, envelopeTo: String? = nil,
            dkim: [DKIMResult] = [], spf: [SPFResult] = []
        ) {
            self.sourceIP = sourceIP
            self.count = count
            self.disposition = disposition
            self.dkimAligned = dkimAligned
            self.spfAligned = spfAligned
            self.reasons = reasons
            self.headerFrom = headerFrom
            self.envelopeFrom = envelopeFrom
            self.envelopeTo = envelopeTo
            self.dkim = dkim
            self.spf = spf
        }

        /// DMARC passes when either aligned identifier passes (RFC 7489 §4.2).
        public var dmarcPass: Bool { dkimAligned == "pass" || spfAligned == "pass" }
    }

    /// A `reason` for a disposition other than the policy's (RFC 7489 Appendix C, `PolicyOverrideType`).
    public struct Reason: Sendable, Equatable, Codable {
        public var type: String
        public var comment: String?
        public init(type: String, comment: String? = nil) {
            self.type = type
            self.comment = comment
        }
    }

    public struct DKIMResult: Sendable, Equatable, Codable {
        public var domain: String
        public var selector: String?
        public var result: String
        public init(domain: String, selector: String? = nil, result: String) {
            self.domain = domain
            self.selector = selector
            self.result = result
        }
    }

    public struct SPFResult: Sendable, Equatable, Codable {
        public var domain: String
        public var scope: String?
        public var result: String
        public init(domain: String, scope: String? = nil, result: String) {
            self.domain = domain
            self.scope = scope
            self.result = result
        }
    }
}
