import Foundation
import MXRayAudit
import MXRayDNS
import MXRayInbound
import MXRayProbe
import Testing

/// The probe against real SMTP servers (aiosmtpd) on 127.0.0.2-9, with nsd giving probe.test its
/// MX tiers and the HTTPS server its MTA-STS policy (Scripts/integration-test.sh starts them all).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["MXRAY_SMTP_PORT"] != nil,
        "needs the SMTP servers: run Scripts/integration-test.sh"))
struct ProbeIntegrationTests {
    static let env = ProcessInfo.processInfo.environment

    func probe(_ domain: String, rcpt: [String]) async -> ProbeReport {
        let r = resolver([IntegrationEnvironment.nsd!])
        let fetcher = HTTPSPolicyFetcher(
            resolver: r, port: Int(Self.env["MXRAY_MTA_STS_PORT"]!)!, caFile: Self.env["MXRAY_TEST_CA"],
            timeout: .seconds(3))
        let facts = await FactGatherer(resolver: r, policyFetcher: fetcher).gather(domain)
        let tiers = facts.inboundTiers
        var options = Prober.Options(
            recipients: rcpt, helo: "probe.mxray.test", now: Int64(Date().timeIntervalSince1970))
        options.port = Int(Self.env["MXRAY_SMTP_PORT"]!)!
        options.timeout = .seconds(1)
        options.caFile = Self.env["MXRAY_TEST_CA"]
        let report = await Prober(options: options).probe(tiers, policy: facts.mtaSTS.policy)
        await r.shutdown()
        return report
    }

    @Test func everyKindOfServer() async {
        let start = ContinuousClock.now
        let r = await probe("probe.test", rcpt: ["bob@probe.test"])
        let elapsed = ContinuousClock.now - start
        func host(_ prefix: String) -> HostProbe { r.hosts.first { $0.host.hasPrefix(prefix) }! }
        #expect(r.hosts.count == 8)
        #expect(r.mtaSTSMode == .enforce)

        let good = host("mx-good")
        #expect(good.reachable && good.starttlsOffered && good.tls?.trusted == true && good.tls?.nameValid == true)
        #expect(good.tls?.version == "TLSv1.3" || good.tls?.version == "TLSv1.2")
        #expect(good.recipients.first?.status == .accepted && good.unknownRecipient?.status == .rejected)
        #expect(good.transcript.contains { $0.direction == "C" && $0.text == "STARTTLS" })
        #expect(!good.transcript.contains { $0.text.hasPrefix("DATA") }, "never DATA")

        #expect(host("mx-reject").recipients.first?.status == .rejected)
        #expect(!host("mx-plain").starttlsOffered)
        let expired = host("mx-expired").tls
        #expect(expired?.trusted == false && (expired?.daysToExpiry ?? 0) < 0)
        #expect(host("mx-acceptall").unknownRecipient?.status == .accepted)
        let silent = host("mx-silent")
        #expect(silent.banner == nil && silent.error?.contains("banner") == true)
        #expect(host("mx-wrongname").tls?.nameValid == false && host("mx-wrongname").tls?.trusted == true)
        #expect(host("mx-greylist").recipients.first?.status == .deferred)

        let ids = Set(r.findings.map(\.id.rawValue))
        for id in [
            "rcpt-rejected", "starttls-missing", "tls-certificate-expiring", "rcpt-accept-all", "smtp-unreachable",
            "tls-certificate-name-mismatch", "rcpt-deferred", "tier-posture-mismatch", "mta-sts-host-would-fail",
        ] {
            #expect(ids.contains(id), "\(id) missing: \(ids)")
        }
        let wouldFail = r.findings.filter { $0.id.rawValue == "mta-sts-host-would-fail" }.flatMap(\.evidence)
        #expect(wouldFail.contains { $0.contains("mx-plain") } && wouldFail.contains { $0.contains("mx-wrongname") })
        #expect(!wouldFail.contains { $0.contains("mx-good") })
        // Concurrent: about the slowest host (the silent one, 1 s banner timeout), not the sum.
        #expect(elapsed < .seconds(4), "\(elapsed)")
    }

    @Test func garbageAndDroppedConnectionsAreFindingsNotCrashes() async {
        let r = await probe("probe3.probe.test", rcpt: ["bob@probe.test"])
        let garbage = r.hosts.first { $0.host.hasPrefix("mx-garbage") }!
        #expect(garbage.banner == nil && garbage.error?.contains("protocol error") == true, "\(garbage.error ?? "")")
        let drop = r.hosts.first { $0.host.hasPrefix("mx-drop") }!
        #expect(drop.banner != nil && drop.error?.contains("closed") == true, "\(drop.error ?? "")")
        #expect(r.hosts.first { $0.host.hasPrefix("mx-good") }?.recipients.first?.status == .accepted)
        #expect(
            r.findings.contains { $0.id.rawValue == "smtp-unreachable" && $0.evidence.joined().contains("mx-garbage") })
        #expect(
            r.findings.contains { $0.id.rawValue == "smtp-session-failed" && $0.evidence.joined().contains("mx-drop") })
    }

    @Test(.enabled(if: IntegrationEnvironment.nsd6 != nil, "needs IPv6 loopback"))
    func everyAddressIPv4AndIPv6() async {
        let r = await probe("probe6.probe.test", rcpt: ["bob@probe.test"])
        #expect(Set(r.hosts.compactMap { $0.address?.description }) == ["127.0.0.2", "::1"])
        for h in r.hosts {
            #expect(
                h.tls?.trusted == true && h.tls?.nameValid == true, "\(h.address?.description ?? "-"): \(h.error ?? "")"
            )
            #expect(h.recipients.first?.status == .accepted)
        }
        #expect(r.findings.isEmpty, "\(r.findings.map(\.id.rawValue))")
    }

    @Test func parityOfAFailoverWithoutTLS() async {
        let r = await probe("probe2.probe.test", rcpt: ["bob@probe2.test"])
        let mismatch = r.findings.first { $0.id.rawValue == "tier-posture-mismatch" }
        #expect(mismatch?.title == "Tier 20 is weaker than tier 10 in \"STARTTLS\"", "\(r.findings.map(\.title))")
    }

    /// `--direct`: the mailbox provider's endpoint, inferred from SPF and MS= records, is asked
    /// like a sender that ignores MX. One stand-in takes any recipient (the route is open), the
    /// other rejects at RCPT (the restriction is in place).
    @Test func directRouteToTheMailboxProvider() async {
        let r = resolver([IntegrationEnvironment.nsd!])
        var options = Prober.Options(recipients: [], helo: "probe.mxray.test", now: Int64(Date().timeIntervalSince1970))
        options.port = Int(Self.env["MXRAY_SMTP_PORT"]!)!
        options.timeout = .seconds(2)
        options.caFile = Self.env["MXRAY_TEST_CA"]
        for (domain, open) in [("directopen.probe.test", true), ("directclosed.probe.test", false)] {
            options.recipients = ["bob@\(domain)"]
            let tiers = await MXTierGatherer(resolver: r).gather(domain)
            let exposure = await FactGatherer(resolver: r, policyFetcher: nil).mailboxExposure(tiers)
            #expect(exposure.first?.provider == "Microsoft 365" && exposure.first?.confidence == .high, "\(exposure)")
            #expect(
                exposure.first?.endpoint == domain.replacingOccurrences(of: ".", with: "-")
                    + ".mail.protection.outlook.com")
            let probes = await Prober(options: options).probeDirect(exposure, domain: domain)
            #expect(probes.count == 1 && probes[0].acceptsDirect == open, "\(domain)")
            #expect(!probes[0].hosts.flatMap(\.transcript).contains { $0.text.hasPrefix("DATA") }, "never DATA")
            let ids = ProbeJudge.directFindings(probes).map(\.id)
            #expect(ids == (open ? [.mailboxEndpointAcceptsDirect] : []))
            // The audit sees the same route from DNS alone.
            let audit = await Auditor(gatherer: FactGatherer(resolver: r, policyFetcher: nil)).audit(domain)
            #expect(audit.findings.contains { $0.id == .mailboxEndpointReachable && $0.severity == .medium })
        }
        await r.shutdown()
    }
}
