import Foundation
import MXRayAudit
import MXRayAuth
import MXRayDNS
import MXRayInbound
import Testing

/// The audit against nsd and real HTTPS policy servers on loopback (Scripts/integration-test.sh).
@Suite(
    .enabled(
        if: IntegrationEnvironment.available && ProcessInfo.processInfo.environment["MXRAY_MTA_STS_PORT"] != nil,
        "needs nsd and the MTA-STS servers: run Scripts/integration-test.sh"))
struct AuditIntegrationTests {
    static let port = Int(ProcessInfo.processInfo.environment["MXRAY_MTA_STS_PORT"] ?? "") ?? 0
    static let ca = ProcessInfo.processInfo.environment["MXRAY_TEST_CA"]

    func fetcher(_ r: StubResolver, timeout: Duration = .seconds(3)) -> HTTPSPolicyFetcher {
        HTTPSPolicyFetcher(resolver: r, port: Self.port, caFile: Self.ca, timeout: timeout)
    }

    func audit(_ domain: String) async -> AuditReport {
        let r = resolver([IntegrationEnvironment.nsd!])
        defer { Task { await r.shutdown() } }
        return await Auditor(gatherer: FactGatherer(resolver: r, policyFetcher: fetcher(r))).audit(domain)
    }

    @Test func goodPolicyFetchedAndCoveringEveryTier() async {
        let r = await audit("good.audit.test")
        #expect(r.facts.mtaSTS.fetch?.outcome == .fetched, "\(r.facts.mtaSTS.fetch?.detail ?? "")")
        #expect(r.facts.mtaSTS.fetch?.address == IPAddress("127.0.0.1"))
        #expect(r.facts.mtaSTS.policy?.mode == .enforce)
        #expect(r.facts.hosts.count == 2 && r.facts.hosts.allSatisfy { $0.coveredByMTASTS == true })
        #expect(r.facts.pattern == .dualVendorFailover)
        let ids = Set(r.findings.map(\.id.rawValue))
        #expect(ids.isSubset(of: ["mx-target-documentation-address"]), "\(ids)")
    }

    @Test func partialPolicyNamesTheUncoveredTier() async {
        let r = await audit("partial.audit.test")
        let finding = r.findings.first { $0.id.rawValue == "mta-sts-mx-not-covered" }
        #expect(finding?.severity == .critical)
        #expect(finding?.evidence == ["tier 20: eu-1.mimecast.com is not matched by mx: *.pphosted.com"])
    }

    @Test func coldBackup() async {
        let r = await audit("coldbackup.audit.test")
        #expect(r.findings.first?.id.rawValue == "backup-mx-bypasses-gateway")
        #expect(
            Set(r.findings.map(\.id.rawValue)).isSuperset(of: [
                "mta-sts-missing", "tls-rpt-missing", "dmarc-policy-none",
            ]))
    }

    @Test func misbehavingPolicyServers() async {
        let r = resolver([IntegrationEnvironment.nsd!])
        let f = fetcher(r, timeout: .milliseconds(1500))
        let redirect = await f.fetch(domain: "redirect.audit.test")
        #expect(redirect.outcome == .rejected && redirect.status == 301 && redirect.detail.contains("not followed"))
        let media = await f.fetch(domain: "mediatype.audit.test")
        #expect(media.outcome == .rejected && media.detail.contains("text/html"))
        let big = await f.fetch(domain: "big.audit.test")
        #expect(big.outcome == .rejected && big.detail.contains("larger than"))
        let start = ContinuousClock.now
        let stall = await f.fetch(domain: "stall.audit.test")
        #expect(stall.outcome == .unreachable && stall.detail.contains("in time"), "\(stall.detail)")
        #expect(ContinuousClock.now - start < .seconds(5))
        let wrongName = await f.fetch(domain: "wrongname.audit.test")
        #expect(wrongName.outcome == .unreachable, "\(wrongName.detail)")
        // Without the test CA, the certificate is not trusted.
        let untrusted = await HTTPSPolicyFetcher(resolver: r, port: Self.port, caFile: nil, timeout: .seconds(3)).fetch(
            domain: "good.audit.test")
        #expect(untrusted.outcome == .unreachable)
        let none = await f.fetch(domain: "nothing.audit.test")
        #expect(none.outcome == .unreachable && none.detail.contains("no address"))
        await r.shutdown()
    }

    @Test func findingsForTheMisbehavingServers() async {
        #expect(await audit("redirect.audit.test").findings.contains { $0.id.rawValue == "mta-sts-policy-invalid" })
        #expect(await audit("big.audit.test").findings.contains { $0.id.rawValue == "mta-sts-policy-invalid" })
        #expect(
            await audit("wrongname.audit.test").findings.contains { $0.id.rawValue == "mta-sts-policy-unreachable" })
    }
}
