import MXRayAuth

/// Text reports of the DKIM and ARC commands.
enum AuthText {
    static func dkim(_ reports: [DKIMReport]) -> String {
        var lines: [String] = []
        for r in reports {
            var head = "== \(r.source)"
            if r.lineEndings == .lf || r.lineEndings == .mixed {
                head += " (\(r.lineEndings!.rawValue) line endings, read as CRLF)"
            }
            lines.append(head)
            if let error = r.error {
                lines.append("error: \(error)")
                continue
            }
            if r.dkim.isEmpty { lines.append("dkim=none (no DKIM-Signature)") }
            for v in r.dkim {
                var line = v.summary
                if let bits = v.keyBits { line += " (\(bits)-bit key)" }
                lines.append(line + ": " + v.reason)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func arc(_ reports: [ARCReport]) -> String {
        var lines: [String] = []
        for r in reports {
            lines.append("== \(r.source)")
            guard let v = r.arc else {
                lines.append("error: \(r.error ?? "")")
                continue
            }
            var line = "arc=\(v.result.rawValue)"
            if v.instances > 0 { line += " (\(v.instances) set\(v.instances == 1 ? "" : "s"))" }
            lines.append(line + ": " + v.reason)
            for s in v.sets {
                let ams =
                    s.messageSignatureVerifies.map { $0 ? "AMS verifies" : "AMS does not verify" } ?? "AMS not checked"
                lines.append(
                    "  i=\(s.instance) d=\(s.sealDomain ?? "?") cv=\(s.chainValidation?.rawValue ?? "?"); "
                        + "\(ams); \(s.authservID ?? "?") said: \(s.authenticationResults)"
                )
            }
            if let oldest = v.oldestPassingInstance, v.instances > 0 {
                lines.append("  the message is unchanged since instance \(oldest) signed it")
            }
        }
        return lines.joined(separator: "\n")
    }
}
