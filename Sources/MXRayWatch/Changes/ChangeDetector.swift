/// One change between two complete runs of a domain, with the before and after and, where the
/// change is itself a risk, the finding it raises.
public struct WatchChange: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case mxHostAdded = "mx-host-added"
        case mxHostRemoved = "mx-host-removed"
        case mxHostReweighted = "mx-host-reweighted"
        case operatorChanged = "operator-changed"
        case findingRaised = "finding-raised"
        case findingCleared = "finding-cleared"
        case mtaSTSModeChanged = "mta-sts-mode-changed"
        /// The policy text changed and the record's id did not (RFC 8461 §3.1: senders keep the
        /// cached policy until max_age runs out).
        case mtaSTSIDNotUpdated = "mta-sts-id-not-updated"
        /// The id changed and the policy did not: harmless, but senders fetch again for nothing.
        case mtaSTSIDChangedAlone = "mta-sts-id-changed-alone"
    }

    public var domain: String
    public var kind: Kind
    /// What changed: a host name, a finding id, `policy`.
    public var subject: String
    public var before: String?
    public var after: String?
    /// The finding id the change raises, when it is a risk in itself.
    public var finding: String?
}

/// Compares two snapshots. An incomplete run (a DNS or policy-fetch failure) is never compared:
/// a lookup that failed says nothing about whether records exist.
public enum ChangeDetector {
    public static func changes(from before: AuditSnapshot, to after: AuditSnapshot) -> [WatchChange] {
        guard before.isComplete, after.isComplete else { return [] }
        let domain = after.domain
        var out: [WatchChange] = []
        func add(_ kind: WatchChange.Kind, _ subject: String, _ b: String?, _ a: String?, finding: String? = nil) {
            out.append(WatchChange(domain: domain, kind: kind, subject: subject, before: b, after: a, finding: finding))
        }
        for name in Set(before.hosts.keys).union(after.hosts.keys).sorted() {
            switch (before.hosts[name], after.hosts[name]) {
            case (nil, let new?):
                add(.mxHostAdded, name, nil, "MX \(new.preference) \(name) (\(new.vendor), \(new.role))")
            case (let old?, nil):
                add(.mxHostRemoved, name, "MX \(old.preference) \(name) (\(old.vendor), \(old.role))", nil)
            case (let old?, let new?):
                if old.preference != new.preference {
                    add(.mxHostReweighted, name, "MX \(old.preference)", "MX \(new.preference)")
                }
                if old.vendor != new.vendor || old.role != new.role {
                    add(.operatorChanged, name, "\(old.vendor), \(old.role)", "\(new.vendor), \(new.role)")
                }
            case (nil, nil): break
            }
        }
        for id in Set(before.findings.keys).union(after.findings.keys).sorted() {
            switch (before.findings[id], after.findings[id]) {
            case (nil, let severity?): add(.findingRaised, id, nil, severity, finding: id)
            case (let severity?, nil): add(.findingCleared, id, severity, nil)
            default: break
            }
        }
        if before.mtaSTSMode != after.mtaSTSMode, before.mtaSTSMode != nil || after.mtaSTSMode != nil {
            add(.mtaSTSModeChanged, "policy", before.mtaSTSMode ?? "none", after.mtaSTSMode ?? "none")
        }
        if let oldDigest = before.mtaSTSPolicyDigest, let newDigest = after.mtaSTSPolicyDigest {
            let sameID = before.mtaSTSRecordID == after.mtaSTSRecordID
            if oldDigest != newDigest && sameID {
                add(
                    .mtaSTSIDNotUpdated, "policy",
                    "id=\(before.mtaSTSRecordID ?? "-"), mx \(before.mtaSTSPolicyMX.joined(separator: " "))",
                    "id=\(after.mtaSTSRecordID ?? "-"), mx \(after.mtaSTSPolicyMX.joined(separator: " "))",
                    finding: WatchChange.Kind.mtaSTSIDNotUpdated.rawValue)
            } else if oldDigest == newDigest && !sameID {
                add(.mtaSTSIDChangedAlone, "policy", before.mtaSTSRecordID, after.mtaSTSRecordID)
            }
        }
        return out
    }
}
