import MXRayDNS
import MXRayInbound
import MXRaySMTP
import Testing

@testable import MXRayProbe

/// Parity and findings on probe results built in memory.
@Suite struct ProbeJudgeTests {
    static func host(
        _ name: String, tier: Int,
        tls: TLSProbe? = TLSProbe(
            handshake: true, version: "TLSv1.3", trusted: true, nameValid: true,
            subjectNames: ["x"], notAfter: 0, daysToExpiry: 90),
        starttls: Bool = true, rcpt: RecipientProbe.Status = .accepted, unknown: RecipientProbe.Status = .rejected,
        reachable: Bool = true
    ) -> HostProbe {
        HostProbe(
            host: name, address: IPAddress("192.0.2.1"), tier: tier, reachable: reachable,
            banner: reachable ? "220 hi" : nil, ehlo: true,
            extensions: starttls ? ["STARTTLS"] : [], sizeLimit: 1000, starttlsOffered: starttls,
            tls: starttls ? tls : nil,
            recipients: [RecipientProbe(address: "bob@example.com", status: rcpt, reply: "250")],
            unknownRecipient: RecipientProbe(address: "r@example.com", status: unknown, reply: "550"), transcript: [],
            elapsed: 0)
    }

    func ids(_ hosts: [HostProbe], policy: MTASTSPolicy? = nil) -> [String] {
        ProbeJudge.findings(hosts, policy: policy, now: 0).map(\.id.rawValue)
    }

    @Test func healthyTiersHaveNoFindings() {
        #expect(ids([Self.host("a", tier: 10), Self.host("b", tier: 20)]).isEmpty)
    }

    @Test func laterTierWeakerIsAMismatch() {
        let found = ProbeJudge.findings(
            [Self.host("a", tier: 10), Self.host("b", tier: 20, starttls: false)], policy: nil, now: 0)
        #expect(found.map(\.id.rawValue).contains("starttls-missing"))
        let mismatch = found.first { $0.id.rawValue == "tier-posture-mismatch" }
        #expect(mismatch?.title == "Tier 20 is weaker than tier 10 in \"STARTTLS\"")
        // The first tier being weaker is not a parity finding (nothing to fall back to).
        #expect(
            !ids([Self.host("a", tier: 10, starttls: false), Self.host("b", tier: 20)]).contains(
                "tier-posture-mismatch"))
    }

    @Test func recipientsAndCertificates() {
        let legacy = TLSProbe(
            handshake: true, version: "TLSv1.0", trusted: true, nameValid: false, subjectNames: ["other"], notAfter: 0,
            daysToExpiry: 5)
        let found = ids([
            Self.host("a", tier: 10, tls: legacy, rcpt: .rejected, unknown: .accepted),
            Self.host("b", tier: 10, rcpt: .deferred),
        ])
        for id in [
            "tls-legacy-version", "tls-certificate-name-mismatch", "tls-certificate-expiring", "rcpt-rejected",
            "rcpt-accept-all", "rcpt-deferred",
        ] {
            #expect(found.contains(id), "\(id)")
        }
        #expect(ids([Self.host("a", tier: 10, reachable: false)]) == ["smtp-unreachable"])
        let failed = TLSProbe(handshake: false, subjectNames: [], detail: "alert")
        #expect(ids([Self.host("a", tier: 10, tls: failed)]).contains("tls-handshake-failed"))
    }

    @Test func enforcedMTASTSNamesTheHostsSendersRefuse() throws {
        let policy = try MTASTSPolicy(parsing: "version: STSv1\nmode: enforce\nmx: a\nmax_age: 1\n")
        let found = ProbeJudge.findings([Self.host("a", tier: 10), Self.host("b", tier: 20)], policy: policy, now: 0)
        let would = found.filter { $0.id.rawValue == "mta-sts-host-would-fail" }
        #expect(would.count == 1 && would[0].severity == .critical && would[0].evidence[0].contains("not listed"))
    }
}
