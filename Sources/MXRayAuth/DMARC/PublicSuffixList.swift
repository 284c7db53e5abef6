import Foundation
import MXRayDNS

/// The Public Suffix List (publicsuffix.org), which RFC 7489 §3.2 uses to find Organizational
/// Domains. The list bundled with mxray is used unless another file is given.
public struct PublicSuffixList: Sendable {
    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []

    public var ruleCount: Int { rules.count + wildcards.count + exceptions.count }

    /// Parses the list's text format: one rule per line, `//` comments, `*.` wildcards, `!` exceptions.
    public init(text: String) {
        for raw in text.split(whereSeparator: \.isNewline) {
            let line =
                raw.split(separator: " ", maxSplits: 1).first.map(String.init)?.trimmingCharacters(in: .whitespaces)
                ?? ""
            if line.isEmpty || line.hasPrefix("//") { continue }
            if line.hasPrefix("!") {
                exceptions.insert(Self.normalized(String(line.dropFirst())))
            } else if line.hasPrefix("*.") {
                wildcards.insert(Self.normalized(String(line.dropFirst(2))))
            } else {
                rules.insert(Self.normalized(line))
            }
        }
    }

    public init(contentsOf path: String) throws {
        self.init(text: try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The copy bundled with mxray.
    public static let bundled: PublicSuffixList = {
        guard let url = Bundle.module.url(forResource: "public_suffix_list", withExtension: "dat"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return PublicSuffixList(text: "") }
        return PublicSuffixList(text: text)
    }()

    /// Lower-case, and `xn--` labels decoded, so that ASCII and Unicode forms compare equal.
    static func normalized(_ name: String) -> String {
        name.lowercased().split(separator: ".", omittingEmptySubsequences: false).map { label in
            label.hasPrefix("xn--") ? (Punycode.decode(String(label.dropFirst(4))) ?? String(label)) : String(label)
        }.joined(separator: ".")
    }

    /// How many labels, from the right, the public suffix of `labels` has.
    func suffixLength(_ labels: [String]) -> Int {
        var best = 1  // the implicit "*" rule
        for length in 1...labels.count {
            let candidate = labels.suffix(length).joined(separator: ".")
            if exceptions.contains(candidate) { return length - 1 }
            if rules.contains(candidate) { best = max(best, length) }
            if length >= 2 && wildcards.contains(labels.suffix(length - 1).joined(separator: ".")) {
                best = max(best, length)
            }
        }
        return best
    }

    /// The registrable domain (public suffix plus one label), in the form given but lower-case;
    /// nil when the name is itself a public suffix or is not a valid name.
    public func registrableDomain(_ name: String) -> String? {
        var name = name
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, !name.hasPrefix(".") else { return nil }
        let original = name.lowercased().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !original.contains(where: \.isEmpty) else { return nil }
        let labels = Self.normalized(name).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let suffix = suffixLength(labels)
        guard labels.count > suffix else { return nil }
        return original.suffix(suffix + 1).joined(separator: ".")
    }

    public func isPublicSuffix(_ name: String) -> Bool {
        let labels = Self.normalized(name).split(separator: ".").map(String.init)
        return !labels.isEmpty && suffixLength(labels) == labels.count
    }
}
