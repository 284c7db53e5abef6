import MXRayInbound

/// Words for the architecture patterns, as the audit's text prints them.
extension ArchitecturePattern {
    var description: String {
        switch self {
        case .singleHost: "one host"
        case .singleProvider: "one provider, several hosts (geographic redundancy at best)"
        case .gatewayWithColdBackup: "a gateway with a cold backup that bypasses it"
        case .dualVendorActive: "two active gateways from different vendors (hot-hot)"
        case .dualVendorFailover: "gateways from different vendors, one as failover"
        case .mixed: "a mix that fits no common pattern"
        case .noMail: "no mail accepted"
        case .unknown: "unknown (DNS failed)"
        }
    }
}

extension Severity {
    /// The accepted spellings, for help texts and error messages ("info, low, ... or critical").
    static var spelledOut: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
