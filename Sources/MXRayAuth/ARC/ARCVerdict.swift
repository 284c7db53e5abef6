/// An ARC chain validation result (RFC 8617 §4.4); the same three values are an ARC-Seal's cv=
/// tag (RFC 8617 §4.1.3, §5.1.1).
public enum ARCResult: String, Sendable, Codable {
    case none, pass, fail
}

/// What the ARC chain of a message came to.
public struct ARCVerdict: Sendable, Codable, Equatable {
    public struct SetSummary: Sendable, Codable, Equatable {
        public var instance: Int
        public var sealDomain: String?
        public var signatureDomain: String?
        /// The seal's cv= tag; nil when it is missing or not one of none, fail, pass.
        public var chainValidation: ARCResult?
        public var authservID: String?
        /// The Authentication-Results this hop recorded, as written in its AAR.
        public var authenticationResults: String
        /// Whether this set's AMS still verifies against the message as received.
        public var messageSignatureVerifies: Bool?
    }

    public var result: ARCResult
    public var instances: Int
    /// The set whose check failed, when one did.
    public var failedInstance: Int?
    public var reason: String
    /// The oldest instance from which every AMS up to the newest still verifies: the earliest hop
    /// whose view of the message is intact.
    public var oldestPassingInstance: Int?
    public var sets: [SetSummary]

    public init(
        result: ARCResult, instances: Int = 0, failedInstance: Int? = nil, reason: String,
        oldestPassingInstance: Int? = nil, sets: [SetSummary] = []
    ) {
        self.result = result
        self.instances = instances
        self.failedInstance = failedInstance
        self.reason = reason
        self.oldestPassingInstance = oldestPassingInstance
        self.sets = sets
    }
}
