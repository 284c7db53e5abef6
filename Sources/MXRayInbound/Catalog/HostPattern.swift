/// A host-name pattern of the operator catalog: an exact name, `*.SUFFIX` for exactly one more
/// leftmost label (as MTA-STS patterns, RFC 8461 §4.1), or `**.SUFFIX` for one or more labels.
public struct HostPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: Int, Sendable, Hashable, Comparable {
        /// `**.SUFFIX`: any number (at least one) of labels before the suffix.
        case anyLabels = 0
        /// `*.SUFFIX`: exactly one label before the suffix.
        case oneLabel = 1
        /// The name itself.
        case exact = 2

        public static func < (l: Kind, r: Kind) -> Bool { l.rawValue < r.rawValue }
    }

    public var kind: Kind
    /// The name, or the suffix after `*.` or `**.`, lower case without a trailing dot.
    public var name: String

    public init(parsing text: String) throws(CatalogError) {
        var t = text.lowercased()
        if t.hasSuffix(".") { t.removeLast() }
        if t.hasPrefix("**.") {
            kind = .anyLabels
            t.removeFirst(3)
        } else if t.hasPrefix("*.") {
            kind = .oneLabel
            t.removeFirst(2)
        } else {
            kind = .exact
        }
        let labels = t.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.contains("*") }) else {
            throw CatalogError("pattern \"\(text)\" must be a host name, *.SUFFIX or **.SUFFIX with two labels or more")
        }
        name = t
    }

    public func matches(_ host: String) -> Bool {
        var h = host.lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        return matches(normalized: h)
    }

    /// `matches` for a name already lower-cased and without its trailing dot.
    func matches(normalized h: String) -> Bool {
        switch kind {
        case .exact:
            return h == name
        case .oneLabel, .anyLabels:
            guard h.hasSuffix("." + name) else { return false }
            let prefix = h.dropLast(name.count + 1)
            return !prefix.isEmpty && (kind == .anyLabels || !prefix.contains("."))
        }
    }

    /// Which of two matching patterns is more specific: an exact name, then the longer suffix,
    /// then one label over any number.
    var specificity: (Int, Int, Int) {
        (kind == .exact ? 1 : 0, name.split(separator: ".").count, kind.rawValue)
    }

    public var description: String {
        switch kind {
        case .exact: name
        case .oneLabel: "*." + name
        case .anyLabels: "**." + name
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try HostPattern(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
