import MXRayInbound

/// The catalog as tables, and lookups as one line each with the reason.
enum CatalogText {
    static func list(_ entries: [CatalogEntry]) -> String {
        var rows = [["OPERATOR", "ROLE", "SOURCE", "MX PATTERNS", "SPF INCLUDES"]]
        for e in entries.sorted(by: { ($0.role.rawValue, $0.name) < ($1.role.rawValue, $1.name) }) {
            let spf = e.spfIncludes.isEmpty ? "-" : e.spfIncludes.joined(separator: " ")
            rows.append([
                e.name, e.role.rawValue, e.confidence?.rawValue ?? "-", e.mx.map(\.description).joined(separator: " "),
                spf,
            ])
        }
        let counts = SourceConfidence.allCases.map { c in
            "\(entries.filter { $0.confidence == c }.count) \(c.rawValue)"
        }
        let footer = "\(entries.count) operators; source: " + counts.joined(separator: ", ")
        return (AuditText.table(rows) + ["", footer]).joined(separator: "\n")
    }

    static func lookups(_ results: [CatalogLookup]) -> String {
        results.map { r -> String in
            guard !r.operators.isEmpty else {
                return r.kind == "host"
                    ? "\(r.query): unknown (no catalog pattern matches; add one with --catalog FILE)"
                    : "include:\(r.query): no operator in the catalog asks for it"
            }
            if r.kind == "spf-include" {
                return "include:\(r.query): "
                    + r.operators.map { "\($0.name) (\($0.role.rawValue))" }.joined(separator: ", ")
            }
            let e = r.operators[0]
            var line = "\(r.query): \(e.name) (\(e.role.rawValue)), pattern \(r.pattern ?? "?")"
            if r.userCatalog == true { line += " from your catalog" }
            var details: [String] = []
            if let product = e.product { details.append("product: \(product)") }
            if let endpoint = e.inboundEndpoint { details.append("per-domain inbound host: \(endpoint)") }
            details.append("source: \(e.source)" + (e.checked.map { " (checked \($0))" } ?? ""))
            if let confidence = e.confidence { details.append("confidence: \(confidence.words)") }
            return ([line] + details.map { "    " + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension SourceConfidence {
    var words: String {
        switch self {
        case .operator: "the operator's own documentation"
        case .partial: "partly the operator's documentation, partly third-party"
        case .thirdParty: "third-party or observed in public DNS (unconfirmed: re-check before relying on it)"
        }
    }
}
