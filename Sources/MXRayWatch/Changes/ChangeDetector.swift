import MXRayInbound

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
        /// A host's certificate came closer to expiry than one of the configured thresholds.
        case certificateExpiryThreshold = "certificate-expiry-threshold"
        /// A host's certificate moved back above a threshold: it was renewed.
        case certificateRenewed = "certificate-renewed"
        /// TLS-RPT reporters name a host with failures where they named none, or twice as many.
        case tlsFailuresRising = "tls-failures-rising"
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
    /// Days before a certificate's expiry at which a change is raised, unless configured.
    public static let standardExpiryDays = [30, 14, 7, 3, 1, 0]

    public static func changes(
        from before: AuditSnapshot, to after: AuditSnapshot, expiryDays: [Int] = standardExpiryDays
    ) -> [WatchChange] {
        guard before.isComplete, after.isComplete else { return [] }
        let domain = after.domain
        var out: [WatchChange] = []
        func add(_ kind: WatchChange.Kind, _ subject: String, _ b: String?, _ a: String?, _ finding: String? = nil) {
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
        let (oldFindings, newFindings) = (before.allFindings, after.allFindings)
        for id in Set(oldFindings.keys).union(newFindings.keys).sorted() {
            switch (oldFindings[id], newFindings[id]) {
            case (nil, let severity?): add(.findingRaised, id, nil, severity, id)
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
                    WatchChange.Kind.mtaSTSIDNotUpdated.rawValue)
            } else if oldDigest == newDigest && !sameID {
                add(.mtaSTSIDChangedAlone, "policy", before.mtaSTSRecordID, after.mtaSTSRecordID)
            }
        }
        certificateChanges(before, after, expiryDays: expiryDays, add: add)
        tlsReportChanges(before, after, add: add)
        return out
    }

    /// A threshold crossed by a host's certificate, in either direction; days are counted from each
    /// run's own time, so a certificate nobody renewed crosses thresholds between probes too.
    static func certificateChanges(
        _ before: AuditSnapshot, _ after: AuditSnapshot, expiryDays: [Int],
        add: (WatchChange.Kind, String, String?, String?, _ finding: String?) -> Void
    ) {
        func band(_ days: Int) -> Int { expiryDays.filter { days < $0 }.count }
        func words(_ days: Int) -> String { days < 0 ? "expired \(-days) days ago" : "expires in \(days) days" }
        for host in after.certificateNotAfter.keys.sorted() {
            guard let old = before.certificateDaysLeft(host), let new = after.certificateDaysLeft(host) else {
                continue
            }
            if band(new) > band(old) {
                add(
                    .certificateExpiryThreshold, host, words(old), words(new), FindingID.tlsCertificateExpiring.rawValue
                )
            } else if band(new) < band(old) {
                add(.certificateRenewed, host, words(old), words(new), nil)
            }
        }
    }

    /// Failure sessions for a host in the reports window: from none to some, or doubled.
    static func tlsReportChanges(
        _ before: AuditSnapshot, _ after: AuditSnapshot,
        add: (WatchChange.Kind, String, String?, String?, _ finding: String?) -> Void
    ) {
        guard let old = before.tlsFailureSessions, let new = after.tlsFailureSessions else { return }
        for host in new.keys.sorted() {
            let (was, now) = (old[host] ?? 0, new[host] ?? 0)
            if now > 0 && (was == 0 || now >= 2 * was) {
                let placed = after.hosts[host].map { " (MX \($0.preference))" } ?? " (not in MX)"
                add(
                    .tlsFailuresRising, host, "\(was) failed sessions", "\(now) failed sessions" + placed,
                    FindingID.reportsTLSFailures.rawValue)
            }
        }
    }
}
