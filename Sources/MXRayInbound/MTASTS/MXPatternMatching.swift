/// RFC 8461 §4.1: which MX hosts a policy's `mx` patterns cover. A pattern matches a host name
/// exactly, or `*.` stands for exactly one leftmost label (`*.example.com` covers
/// `mx1.example.com`, not `a.b.example.com` and not `example.com`).
extension MTASTSPolicy {
    /// True when one of the policy's patterns covers `host`.
    public func covers(_ host: String) -> Bool { mx.contains { Self.pattern($0, matches: host) } }

    public static func pattern(_ pattern: String, matches host: String) -> Bool {
        var h = host.lowercased(), p = pattern.lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        if p.hasSuffix(".") { p.removeLast() }
        if p.hasPrefix("*.") {
            let suffix = p.dropFirst(1)  // ".example.com"
            guard h.hasSuffix(suffix) else { return false }
            let label = h.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
        return h == p
    }
}
