import Foundation

/// Internationalised domain names (RFC 5891 §5 with the UTS #46 mapping, nontransitional: `ß` and
/// final sigma stay as written): a name typed in Unicode becomes the A-labels DNS is asked for.
public enum IDNA {
    /// Full stops that UTS #46 maps to the ASCII dot (ideographic, fullwidth, halfwidth).
    static let dots: Set<Character> = ["\u{3002}", "\u{FF0E}", "\u{FF61}"]
    /// RFC 5890 §2.3.2.1: the ACE prefix of an A-label.
    public static let acePrefix = "xn--"

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case label(String, String)
        public var description: String {
            switch self {
            case .label(let label, let why): "label \"\(label)\" \(why)"
            }
        }
    }

    /// The A-label form of `name`: ASCII names come back lower-cased and otherwise unchanged;
    /// labels with other characters are mapped (lower case, NFC) and Punycode-encoded with `xn--`.
    public static func toASCII(_ name: String) throws(Failure) -> String {
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return name.lowercased() }
        let mapped = String(name.map { dots.contains($0) ? "." : $0 })
            .lowercased().precomposedStringWithCanonicalMapping
        var labels: [String] = []
        for label in mapped.split(separator: ".", omittingEmptySubsequences: false) {
            let text = String(label)
            if text.utf8.allSatisfy({ $0 < 0x80 }) {
                labels.append(text)
                continue
            }
            // RFC 5891 §4.2.3.1: no hyphen first or last; §4.2.3.2: no leading combining mark.
            if text.hasPrefix("-") || text.hasSuffix("-") { throw .label(text, "starts or ends with a hyphen") }
            if let first = text.unicodeScalars.first,
                first.properties.generalCategory == .nonspacingMark
                    || first.properties.generalCategory == .spacingMark
                    || first.properties.generalCategory == .enclosingMark
            {
                throw .label(text, "starts with a combining mark")
            }
            if text.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            }) {
                throw .label(text, "contains white space or a control character")
            }
            guard let encoded = Punycode.encode(text) else { throw .label(text, "is too long to encode") }
            labels.append(acePrefix + encoded)
        }
        return labels.joined(separator: ".")
    }

    /// The Unicode form of `name` for display: each `xn--` label decoded when it decodes.
    public static func toUnicode(_ name: String) -> String {
        name.split(separator: ".", omittingEmptySubsequences: false).map { label -> String in
            guard label.lowercased().hasPrefix(acePrefix) else { return String(label) }
            return Punycode.decode(String(label.dropFirst(acePrefix.count))) ?? String(label)
        }.joined(separator: ".")
    }

    /// True when any label is an A-label, so the name has a Unicode form worth showing.
    public static func hasALabel(_ name: String) -> Bool {
        name.lowercased().split(separator: ".").contains { $0.hasPrefix(acePrefix) }
    }
}
