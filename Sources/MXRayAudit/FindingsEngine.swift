import MXRayAuth
import MXRayDNS
import MXRayInbound

/// Turns facts into findings. Pure: tested on facts built in memory.
public enum FindingsEngine {
    public static func findings(_ f: AuditFacts) -> [Finding] {
        var out: [Finding] = []
        out += mx(f)
        out += hosts(f)
        out += mailboxExposure(f)
        out += mtaSTS(f)
        out += tlsRPT(f)
        out += spf(f)
        out += dmarc(f)
        if !f.dnsFailures.isEmpty {
            out.append(
                Finding(
                    .dnsFailure, .high, "DNS lookups failed: the facts they would have given are unknown, not absent",
                    evidence: f.dnsFailures,
                    remediation:
                        "Check the domain's nameservers (or the resolver given with --nameserver) and run the "
                        + "audit again.",
                    rfc: "RFC 2308 §7"))
        }
        return out.ordered()
    }

    static func describe(_ h: HostFacts) -> String {
        let addresses = h.addresses.isEmpty ? "no address" : h.addresses.map(\.description).joined(separator: ", ")
        return "MX \(h.preference) \(h.name) (\(h.operator.vendor), \(h.operator.role.rawValue); \(addresses))"
    }

    static func mx(_ f: AuditFacts) -> [Finding] {
        var out: [Finding] = []
        switch f.mxKind {
        case .null:
            out.append(
                Finding(
                    .nullMX, .info, "The domain publishes a null MX: it accepts no mail",
                    evidence: ["\(f.domain) MX 0 ."],
                    remediation: "Nothing to do if the domain sends and receives no mail.", rfc: "RFC 7505 §3"))
            return out
        case .none:
            out.append(
                Finding(
                    .mxMissing, .high, "No MX record and no address: mail to the domain cannot be delivered",
                    evidence: ["MX \(f.domain): \(f.mx.outcome)", "no A or AAAA for \(f.domain)"],
                    remediation:
                        "Publish MX records for the domain's mail gateways, or a null MX (RFC 7505) if it takes "
                        + "no mail.",
                    rfc: "RFC 5321 §5.1"))
            return out
        case .implicit:
            out.append(
                Finding(
                    .mxMissing, .medium, "No MX record: senders fall back to the domain's own address (implicit MX)",
                    evidence: ["MX \(f.domain): \(f.mx.outcome)"] + f.hosts.map(describe),
                    remediation: "Publish MX records naming the gateways that should receive the domain's mail.",
                    rfc: "RFC 5321 §5.1"))
        case .unknown:
            return out
        case .explicit:
            break
        }
        let hosts = f.hosts
        if hosts.count == 1 {
            out.append(
                Finding(
                    .mxSingleHost, .medium, "One MX host: its outage stops the domain's inbound mail",
                    evidence: hosts.map(describe),
                    remediation:
                        "Add a second host, ideally a second gateway in another location or from another vendor.",
                    rfc: "RFC 5321 §5.1"))
        }
        let vendors = Set(hosts.map(\.operator.vendor))
        if hosts.count > 1 && vendors.count == 1 && hosts[0].operator.role != .unknown {
            out.append(
                Finding(
                    .singleVendor, .medium,
                    "Every MX tier is run by \(hosts[0].operator.vendor): no protection from that operator's "
                        + "global outage",
                    evidence: hosts.map(describe),
                    remediation:
                        "Add a tier (or active hosts) from a second gateway vendor, configured for the domain "
                        + "like the first."
                ))
        }
        // The classic cold backup: a tier after a gateway tier that delivers around it.
        if let firstGatewayTier = f.tiers.firstIndex(where: { $0.hosts.contains { $0.operator.role == .gateway } }) {
            let gatewayTier = f.tiers[firstGatewayTier]
            var bypass: [String] = []
            for (index, tier) in f.tiers.enumerated() where index >= firstGatewayTier {
                for h in tier.hosts where h.operator.role != .gateway {
                    let when =
                        index == firstGatewayTier
                        ? "in the same tier, tried at random alongside the gateway"
                        : "tried when tier \(gatewayTier.preference) is unreachable, or chosen directly by an attacker"
                    bypass.append("\(describe(h)): \(when)")
                }
            }
            if !bypass.isEmpty {
                out.append(
                    Finding(
                        .backupMXBypassesGateway, .critical,
                        "A later MX tier delivers around the gateway at preference \(gatewayTier.preference)",
                        evidence: [
                            "gateway tier: "
                                + gatewayTier.hosts.filter { $0.operator.role == .gateway }.map(describe).joined(
                                    separator: "; ")
                        ] + bypass,
                        remediation:
                            "Make every tier a gateway configured for the domain (ideally a second vendor, "
                            + "active), remove the mailbox provider from MX, and have the mailbox provider "
                            + "accept mail only from the gateways (a connector restriction).",
                        rfc: "RFC 5321 §5.1"))
            }
        }
        return out
    }

    static func hosts(_ f: AuditFacts) -> [Finding] {
        var out: [Finding] = []
        var documentation: [String] = []
        for h in f.hosts {
            if !h.cnameChain.isEmpty {
                out.append(
                    Finding(
                        .mxTargetCNAME, .high, "MX target \(h.name) is an alias (CNAME)",
                        evidence: [describe(h), "CNAME chain: " + h.cnameChain.joined(separator: " → ")],
                        remediation: "Point the MX record at the canonical host name.", rfc: "RFC 2181 §10.3"))
            }
            if h.isIPLiteral {
                out.append(
                    Finding(
                        .mxTargetIPLiteral, .high, "MX target \(h.name) is an address, not a host name",
                        evidence: [describe(h)],
                        remediation: "Give the host a name with A/AAAA records and point the MX record at that name.",
                        rfc: "RFC 5321 §5.1"))
            }
            let aMissing = h.a.map(\.outcome.isAbsent) ?? true
            let aaaaMissing = h.aaaa.map(\.outcome.isAbsent) ?? true
            if h.addresses.isEmpty && aMissing && aaaaMissing && !h.isIPLiteral {
                out.append(
                    Finding(
                        .mxTargetUnresolvable, .high, "MX target \(h.name) has no address",
                        evidence: [
                            describe(h),
                            "A: \(h.a?.outcome.rawValue ?? "not asked"), AAAA: "
                                + "\(h.aaaa?.outcome.rawValue ?? "not asked")",
                        ],
                        remediation: "Fix the host's A/AAAA records or remove the MX record.", rfc: "RFC 5321 §5.1"))
            }
            let docs = h.nonPublicAddresses.filter(AddressClass.isDocumentation)
            let reserved = h.nonPublicAddresses.filter { !docs.contains($0) }
            if !reserved.isEmpty {
                out.append(
                    Finding(
                        .mxTargetPrivateAddress, .high,
                        "MX target \(h.name) resolves to private, loopback or reserved addresses",
                        evidence: [
                            describe(h),
                            "not reachable from the Internet: " + reserved.map(\.description).joined(separator: ", "),
                        ],
                        remediation: "Publish the host's public addresses in public DNS.", rfc: "RFC 6890"))
            }
            if !docs.isEmpty { documentation.append("\(h.name): \(docs.map(\.description).joined(separator: ", "))") }
        }
        let unknown = f.hosts.filter { $0.operator.role == .unknown && !$0.isIPLiteral }
        if !unknown.isEmpty {
            out.append(
                Finding(
                    .mxOperatorUnknown, .info,
                    "No catalog entry names the operator of \(unknown.count) MX host\(unknown.count == 1 ? "" : "s"): "
                        + "whether those tiers bypass a gateway cannot be judged",
                    evidence: unknown.map(describe),
                    remediation:
                        "If the host belongs to a known gateway or mailbox provider, add an entry to a catalog "
                        + "file given with --catalog (see `mxray catalog`) and share it upstream; a host you run "
                        + "yourself can be entered with its role too."))
        }
        if !documentation.isEmpty {
            out.append(
                Finding(
                    .mxTargetDocumentationAddress, .low,
                    "MX targets resolve to documentation addresses: example data, or placeholders never replaced",
                    evidence: documentation, remediation: "Replace the placeholders with the hosts' real addresses.",
                    rfc: "RFC 5737, RFC 3849"))
        }
        return out
    }

    /// The route around the gateway that MX records do not show: the mailbox provider takes the
    /// domain's mail at its own endpoint (Microsoft 365's per-domain host, Google's shared one).
    static func mailboxExposure(_ f: AuditFacts) -> [Finding] {
        guard f.mxKind.receivesMail else { return [] }
        let firstTier = f.tiers.first?.hosts ?? []
        let gatewayInFront = !firstTier.isEmpty && firstTier.allSatisfy { $0.operator.role == .gateway }
        return f.mailboxExposure.filter(\.isReachableAroundMX).map { e in
            let addresses = e.endpointAddresses.map(\.description).joined(separator: ", ")
            let front =
                gatewayInFront
                ? "the MX records put \(firstTier.map(\.name).joined(separator: ", ")) in front of it"
                : "no gateway is in front of it in the MX records either"
            return Finding(
                .mailboxEndpointReachable, gatewayInFront ? .high : .medium,
                "\(e.provider) takes mail for the domain at \(e.endpoint ?? "its endpoint"), which no MX record names",
                evidence: e.evidence.map { "evidence (\(e.confidence.rawValue) confidence): \($0)" }
                    + [
                        "\(e.endpoint ?? "?") resolves to \(addresses): a sender that ignores MX delivers there; "
                            + front
                    ],
                remediation: (e.restriction ?? "Make the provider accept the domain's mail only from the gateway.")
                    + " Then check with `mxray probe DOMAIN --direct --rcpt ADDR`.",
                rfc: "RFC 5321 §5.1")
        }
    }

    static func mtaSTS(_ f: AuditFacts) -> [Finding] {
        guard f.mxKind == .explicit || f.mxKind == .implicit else { return [] }
        let m = f.mtaSTS
        if m.lookup.failed { return [] }  // reported as dns-failure
        if m.records.isEmpty {
            return [
                Finding(
                    .mtaSTSMissing, .medium, "No MTA-STS: senders cannot require TLS to the MX hosts",
                    evidence: ["_mta-sts.\(f.domain) TXT: \(m.lookup.outcome)"],
                    remediation:
                        "Publish _mta-sts TXT \"v=STSv1; id=...\" and a policy at "
                        + "https://mta-sts.\(f.domain)/.well-known/mta-sts.txt listing the MX hosts of every tier.",
                    rfc: "RFC 8461 §3")
            ]
        }
        if let error = m.recordError {
            return [
                Finding(
                    .mtaSTSRecordInvalid, .high,
                    "The _mta-sts record is invalid: senders ignore MTA-STS for the domain",
                    evidence: m.records.map { "_mta-sts.\(f.domain) TXT \"\($0)\"" } + [error],
                    remediation: "Publish exactly one record: v=STSv1; id=<1-32 letters and digits>.",
                    rfc: "RFC 8461 §3.1")
            ]
        }
        guard let fetch = m.fetch else { return [] }  // offline audit
        if fetch.outcome == .unreachable {
            return [
                Finding(
                    .mtaSTSPolicyUnreachable, .high, "The MTA-STS policy cannot be fetched",
                    evidence: ["\(fetch.url): \(fetch.detail)"],
                    remediation:
                        "Serve the policy over HTTPS at mta-sts.\(f.domain) with a certificate valid for that name.",
                    rfc: "RFC 8461 §3.3")
            ]
        }
        if fetch.outcome == .rejected || m.policyError != nil {
            return [
                Finding(
                    .mtaSTSPolicyInvalid, .high, "The MTA-STS policy is not usable",
                    evidence: ["\(fetch.url): \(m.policyError ?? fetch.detail)"],
                    remediation:
                        "Serve a 200 text/plain policy of at most 64 KB with version, mode, max_age and an mx "
                        + "line per host pattern; do not redirect.",
                    rfc: "RFC 8461 §3.2, §3.3")
            ]
        }
        guard let policy = m.policy else { return [] }
        var out: [Finding] = []
        let uncovered = f.tiers.flatMap { tier in
            tier.hosts.filter { $0.coveredByMTASTS == false }.map { (tier.preference, $0) }
        }
        if !uncovered.isEmpty {
            let enforce = policy.mode == .enforce
            out.append(
                Finding(
                    .mtaSTSMXNotCovered, enforce ? .critical : .medium,
                    enforce
                        ? "MTA-STS in enforce mode omits MX hosts: compliant senders refuse to deliver to them, "
                            + "even during a failover"
                        : "The MTA-STS policy omits MX hosts (testing mode: senders only report)",
                    evidence: uncovered.map {
                        "tier \($0.0): \($0.1.name) is not matched by mx: \(policy.mx.joined(separator: ", "))"
                    },
                    remediation:
                        "Add an mx line for every host of every tier (a *. pattern covers one label), then "
                        + "change the id in the _mta-sts record.",
                    rfc: "RFC 8461 §4.1"))
        }
        if policy.mode == .testing {
            out.append(
                Finding(
                    .mtaSTSTestingMode, .low,
                    "The MTA-STS policy is in testing mode: senders deliver even when TLS fails",
                    evidence: ["mode: testing, max_age: \(policy.maxAge)"],
                    remediation: "Once TLS reports show every host passing, switch to mode: enforce.",
                    rfc: "RFC 8461 §5"))
        }
        return out
    }

    static func tlsRPT(_ f: AuditFacts) -> [Finding] {
        guard f.mxKind == .explicit || f.mxKind == .implicit, !f.tlsRPT.lookup.failed, f.tlsRPT.records.isEmpty else {
            return []
        }
        return [
            Finding(
                .tlsRPTMissing, .low, "No TLS reporting: failures of senders' TLS to the MX hosts go unseen",
                evidence: ["_smtp._tls.\(f.domain) TXT: \(f.tlsRPT.lookup.outcome)"],
                remediation: "Publish _smtp._tls TXT \"v=TLSRPTv1; rua=mailto:...\".", rfc: "RFC 8460 §3")
        ]
    }

    static func spf(_ f: AuditFacts) -> [Finding] { spfRecord(f) + spfTierVendors(f) }

    /// A gateway tier whose vendor relays outbound mail for its customers: mail from the domain's
    /// own users that passes that tier (outbound, or internal mail routed out and back in, or a
    /// failover relaying on) is checked downstream against the domain's SPF, so the vendor's
    /// include belongs there. Gateways without an outbound service need no entry.
    static func spfTierVendors(_ f: AuditFacts) -> [Finding] {
        guard let count = f.spf.lookupCount, !count.exceedsLimit, f.spf.error == nil else { return [] }
        let published = Set(count.targets.map { $0.lowercased() })
        var out: [Finding] = []
        var seen: Set<String> = []
        for tier in f.tiers {
            for h in tier.hosts where h.operator.role == .gateway && !seen.contains(h.operator.vendor) {
                seen.insert(h.operator.vendor)
                let includes = f.vendorSPFIncludes[h.operator.vendor] ?? []
                guard !includes.isEmpty, !includes.contains(where: { published.contains($0.lowercased()) }) else {
                    continue
                }
                out.append(
                    Finding(
                        .spfMissingTierVendor, .low,
                        "Tier \(tier.preference) is \(h.operator.vendor), whose outbound include is not in SPF",
                        evidence: [
                            "tier \(tier.preference): \(h.name) (\(h.operator.vendor))",
                            "\(h.operator.vendor) asks customers that relay outbound through it to publish "
                                + includes.map { "include:\($0)" }.joined(separator: " or "),
                            "the SPF record includes: "
                                + (count.targets.isEmpty ? "nothing" : count.targets.joined(separator: ", ")),
                            "mail of the domain's own users that passes this tier is judged against SPF downstream; "
                                + "an inbound-only gateway needs no entry",
                        ],
                        remediation: "If the domain's mail leaves (or loops back) through \(h.operator.vendor), add "
                            + "its include to the SPF record; otherwise nothing to do.",
                        rfc: "RFC 7208 §5.2"))
            }
        }
        return out
    }

    static func spfRecord(_ f: AuditFacts) -> [Finding] {
        let s = f.spf
        if s.lookup.failed { return [] }
        if s.records.isEmpty {
            return [
                Finding(
                    .spfMissing, .medium, "No SPF record: receivers cannot tell which hosts may send as the domain",
                    evidence: ["TXT \(f.domain): no v=spf1 record"],
                    remediation: "Publish an SPF record; a domain that sends no mail publishes \"v=spf1 -all\".",
                    rfc: "RFC 7208 §3")
            ]
        }
        if let error = s.error {
            return [
                Finding(
                    .spfInvalid, .high, "The SPF record is invalid: every check of it is a permerror",
                    evidence: s.records.map { "TXT \(f.domain) \"\($0)\"" } + [error],
                    remediation: "Fix the record's syntax; publish exactly one.",
                    rfc: "RFC 7208 §4.5, §4.6")
            ]
        }
        if let count = s.lookupCount, count.exceedsLimit {
            let limit = SPFEvaluator.maxDNSTerms
            return [
                Finding(
                    .spfTooManyLookups, .high,
                    "The SPF record needs more than \(limit) DNS lookups: checks end in permerror",
                    evidence: [
                        "more than \(limit) DNS-querying terms across the include tree, each repeat counted (the "
                            + "count stops at \(count.terms))",
                        "record: \(s.records[0])",
                    ],
                    remediation:
                        "Replace includes with ip4/ip6 ranges, or drop includes of services that no longer send.",
                    rfc: "RFC 7208 §4.6.4")
            ]
        }
        return []
    }

    static func dmarc(_ f: AuditFacts) -> [Finding] {
        let d = f.dmarc
        switch d.result {
        case .none:
            return [
                Finding(
                    .dmarcMissing, .high, "No DMARC policy applies to the domain: spoofed mail from it is not rejected",
                    evidence: [d.reason],
                    remediation: "Publish _dmarc TXT \"v=DMARC1; p=quarantine; rua=mailto:...\" and move to p=reject.",
                    rfc: "RFC 9989 §4.7")
            ]
        case .permerror:
            return [
                Finding(
                    .dmarcInvalid, .high, "The DMARC record is invalid",
                    evidence: [d.reason, d.record.map { "record: \($0)" } ?? ""].filter { !$0.isEmpty },
                    remediation: "Fix the record: v=DMARC1 first, then p=none|quarantine|reject and valid tags.",
                    rfc: "RFC 9989 §4.7")
            ]
        case .pass where d.policy == DMARCRecord.Policy.none:
            return [
                Finding(
                    .dmarcPolicyNone, .medium, "The DMARC policy is none: failing mail is delivered as if it passed",
                    evidence: ["_dmarc.\(d.policyDomain ?? f.domain): \(d.record ?? "")"],
                    remediation: "After checking the aggregate reports, move to p=quarantine and then p=reject.",
                    rfc: "RFC 9989 §4.7")
            ]
        default:
            return []
        }
    }
}
