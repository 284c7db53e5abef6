/// The architecture a domain's MX tiers form, named from the operators' roles.
public enum ArchitecturePattern: String, Sendable, Codable {
    case singleHost = "single-host"
    case singleProvider = "single-provider"
    case gatewayWithColdBackup = "gateway-with-cold-backup"
    case dualVendorActive = "dual-vendor-active"
    case dualVendorFailover = "dual-vendor-failover"
    case mixed
    case noMail = "no-mail"
    case unknown

    /// Names the architecture the tiers form.
    public init(kind: MXKind, tiers: [Tier]) {
        self = Self.classify(kind: kind, tiers: tiers)
    }

    static func classify(kind: MXKind, tiers: [Tier]) -> ArchitecturePattern {
        switch kind {
        case .null, .none: return .noMail
        case .unknown: return .unknown
        case .explicit, .implicit: break
        }
        let hosts = tiers.flatMap(\.hosts)
        if hosts.count <= 1 { return .singleHost }
        let vendors = Set(hosts.map(\.operator.vendor))
        if vendors.count == 1 && hosts[0].operator.role != .unknown { return .singleProvider }
        guard let first = tiers.first else { return .unknown }
        let firstGateways = first.hosts.filter { $0.operator.role == .gateway }
        let later = tiers.dropFirst().flatMap(\.hosts)
        if !firstGateways.isEmpty && first.hosts.allSatisfy({ $0.operator.role == .gateway }) {
            if later.contains(where: { $0.operator.role != .gateway }) { return .gatewayWithColdBackup }
            let firstVendors = Set(firstGateways.map(\.operator.vendor))
            if firstVendors.count >= 2 { return .dualVendorActive }
            if !later.isEmpty && !Set(later.map(\.operator.vendor)).subtracting(firstVendors).isEmpty {
                return .dualVendorFailover
            }
            return .singleProvider
        }
        if vendors.count == 1 { return .singleProvider }
        return .mixed
    }
}

/// Words for the architecture patterns, as the audit's text and HTML pages print them.
extension ArchitecturePattern {
    public var summary: String {
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
