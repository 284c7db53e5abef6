import Foundation
import MXRayDNS

/// What an MX host is: a secure email gateway, a mailbox provider, or unknown.
public enum OperatorRole: String, Sendable, Codable {
    case gateway, mailbox, unknown
}

/// The operator of an MX host, as the catalog names it.
public struct Operator: Sendable, Codable, Equatable, Hashable {
    public var vendor: String
    public var role: OperatorRole
    /// The catalog pattern that matched; nil for unknown hosts.
    public var pattern: String?

    public static let unknown = Operator(vendor: "unknown", role: .unknown, pattern: nil)
}

/// Host-name patterns → operator and role, from the bundled `vendors.txt` and any user catalog
/// (which takes precedence). The longest matching pattern wins.
public struct VendorCatalog: Sendable {
    struct Rule: Sendable {
        var pattern: String
        var suffix: Bool
        var op: Operator
        var priority: Int
    }
    private var rules: [Rule] = []

    public init(text: String, priority: Int = 0) throws(CatalogError) {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(
                in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3 else {
                throw CatalogError(line: index + 1, message: "expected PATTERN ROLE VENDOR")
            }
            guard let role = OperatorRole(rawValue: String(fields[1])), role != .unknown else {
                throw CatalogError(line: index + 1, message: "role \"\(fields[1])\" is not gateway or mailbox")
            }
            var pattern = fields[0].lowercased()
            if pattern.hasSuffix(".") { pattern.removeLast() }
            let suffix = pattern.hasPrefix("*.")
            if suffix { pattern.removeFirst(2) }
            guard !pattern.isEmpty, !pattern.contains("*") else {
                throw CatalogError(line: index + 1, message: "pattern must be a host name or *.suffix")
            }
            let vendor = fields[2...].joined(separator: " ")
            rules.append(
                Rule(
                    pattern: pattern, suffix: suffix,
                    op: Operator(vendor: vendor, role: role, pattern: String(fields[0])), priority: priority))
        }
    }

    /// The bundled catalog.
    public static let bundled: VendorCatalog = {
        guard let url = Bundle.module.url(forResource: "vendors", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8), let catalog = try? VendorCatalog(text: text)
        else {
            return VendorCatalog(rules: [])
        }
        return catalog
    }()

    init(rules: [Rule]) { self.rules = rules }

    /// This catalog with a user's rules added on top.
    public func adding(_ other: VendorCatalog) -> VendorCatalog {
        VendorCatalog(
            rules: other.rules.map {
                var r = $0
                r.priority = 1
                return r
            } + rules)
    }

    public func `operator`(of host: String) -> Operator {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        var best: Rule?
        for rule in rules {
            let matches = rule.suffix ? name.hasSuffix("." + rule.pattern) : name == rule.pattern
            guard matches else { continue }
            if let b = best, (b.priority, b.pattern.count) >= (rule.priority, rule.pattern.count) { continue }
            best = rule
        }
        return best?.op ?? .unknown
    }

    public var count: Int { rules.count }
}

public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "catalog line \(line): \(message)" }
}
