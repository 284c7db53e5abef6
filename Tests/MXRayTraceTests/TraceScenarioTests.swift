import Crypto
import MXRayAuth
import MXRayDNS
import MXRayInbound
import MXRayMessage
import Testing

@testable import MXRayTrace

/// A message for each verdict, signed with real DKIM and ARC keys, and the recipient's tiers
/// answered by the zone resolver.
@Suite struct TraceScenarioTests {
    static let senderKey = PrivateKey.ed25519(Curve25519.Signing.PrivateKey())
    static let gatewayKey = PrivateKey.ed25519(Curve25519.Signing.PrivateKey())
    static let now: Int64 = 1_795_943_000

    static var zone: ZoneResolver {
        let text = """
            $ORIGIN example.com.
            $TTL 300
            @ SOA ns hm 1 1 1 1 60
            @ MX 10 mx0a-001.pphosted.com.
            @ MX 20 eu-1.mimecast.com.
            @ MX 100 example-com.mail.protection.outlook.com.
            mx0a-001.pphosted.com. A 198.51.100.21
            eu-1.mimecast.com. A 198.51.100.31
            example-com.mail.protection.outlook.com. A 203.0.113.25
            sender.example. TXT "v=spf1 ip4:192.0.2.10 -all"
            _dmarc.sender.example. TXT "v=DMARC1; p=reject; psd=n"
            s1._domainkey.sender.example. TXT "v=DKIM1; k=ed25519; p=\(senderKey.publicKeyRecordValue)"
            gw._domainkey.pphosted.com. TXT "v=DKIM1; k=ed25519; p=\(gatewayKey.publicKeyRecordValue)"
            """
        return ZoneResolver(zones: [try! ZoneFile(parsing: Array(text.utf8))])
    }

    static let original =
        "From: Alice <alice@sender.example>\r\nTo: Bob <bob@example.com>\r\nSubject: Invoice\r\n"
        + "Date: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <1@sender.example>\r\n\r\nPlease find the "
        + "invoice attached.\r\n"

    static func signed() throws -> Message {
        try DKIMSigner(domain: "sender.example", selector: "s1", key: senderKey).sign(
            try Message(bytes: Array(original.utf8)))
    }

    static func received(_ text: String) -> HeaderField { HeaderField(name: "Received", value: text) }

    func trace(_ m: Message, domain: String? = nil) async -> TraceReport {
        await PathTracer(resolver: Self.zone, now: Self.now).trace(m, recipientDomain: domain)
    }

    @Test func viaPrimaryTier() async throws {
        let m = try Self.signed().prepending([
            Self.received(
                "from mx0a-001.pphosted.com (198.51.100.21) by BN8NAM11FT012.mail.protection.outlook.com "
                    + "(10.13.177.100) with Microsoft SMTP Server (version=TLS1_3, "
                    + "cipher=TLS_AES_256_GCM_SHA384) id 15.20.7000.8 via Frontend Transport; Sun, 29 Nov "
                    + "2026 09:00:03 +0000"
            ),
            HeaderField(
                name: "Authentication-Results",
                value:
                    "mx0a-001.pphosted.com; spf=pass smtp.mailfrom=alice@sender.example; dkim=pass "
                    + "header.d=sender.example"
            ),
            Self.received(
                "from mail.sender.example (mail.sender.example [192.0.2.10]) by mx0a-001.pphosted.com (PPS) with "
                    + "ESMTPS id 4abc-1 (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384) for <bob@example.com>; "
                    + "Sun, 29 Nov 2026 09:00:02 +0000"
            ),
            HeaderField(name: "Return-Path", value: "<alice@sender.example>"),
        ])
        let r = await trace(m)
        #expect(r.recipientDomain == "example.com")
        #expect(r.hops.count == 2 && r.entryHop == 1)
        #expect(r.verdict == .viaPrimaryTier, "\(r.verdictReason)")
        #expect(r.hops[0].tier == 10 && r.hops[0].operator.vendor == "Proofpoint")
        #expect(r.hops[1].operator.vendor == "Microsoft 365" && r.hops[1].delay == 1)
        #expect(r.hops[0].conclusions.first?.authservID == "mx0a-001.pphosted.com")
        #expect(r.now.spf?.result == .pass && r.now.spf?.ip == "192.0.2.10")
        #expect(r.now.dkim.first?.result == .pass && r.now.dmarc.result == .pass)
    }

    @Test func viaFailoverTier() async throws {
        let m = try Self.signed().prepending([
            Self.received(
                "from eu-1.mimecast.com (198.51.100.31) by BN8NAM11FT012.mail.protection.outlook.com "
                    + "(10.13.177.100) with Microsoft SMTP Server (version=TLS1_3, "
                    + "cipher=TLS_AES_256_GCM_SHA384) id 15.20.7000.8; Sun, 29 Nov 2026 09:00:05 +0000"
            ),
            Self.received(
                "from mail.sender.example (mail.sender.example [192.0.2.10]) by relay.mimecast.com with ESMTPS "
                    + "(version=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384) id eu-mta-1-x; Sun, 29 Nov 2026 09:00:02 +0000"
            ),
        ])
        let r = await trace(m, domain: "example.com")
        #expect(r.verdict == .viaFailoverTier, "\(r.verdictReason)")
        #expect(r.entryHop == 1 && r.hops[0].tier == 20)
    }

    @Test func bypassedGateway() async throws {
        let m = try Self.signed().prepending([
            Self.received(
                "from mail.attacker.example (203.0.113.66) by AM0PR01MB1234.eurprd01.prod.outlook.com "
                    + "(2603:10a6:208:1::11) with Microsoft SMTP Server (version=TLS1_2, "
                    + "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7000.8; Sun, 29 Nov 2026 "
                    + "09:00:03 +0000"
            ),
            Self.received(
                "from mail.attacker.example (203.0.113.66) by DB5EUR01FT044.mail.protection.outlook.com "
                    + "(10.152.4.1) with Microsoft SMTP Server (version=TLS1_2, "
                    + "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7000.8 via Frontend Transport; "
                    + "Sun, 29 Nov 2026 09:00:02 +0000"
            ),
            HeaderField(name: "Return-Path", value: "<alice@sender.example>"),
        ])
        let r = await trace(m, domain: "example.com")
        #expect(r.verdict == .bypassedGateway, "\(r.verdictReason)")
        #expect(r.entryHop == 1 && r.verdictReason.contains("mx0a-001.pphosted.com"))
        #expect(r.explanations.first?.contains("without passing the gateway") == true)
        // SPF, evaluated now for the attacker's address, fails: the explanation says so.
        #expect(r.now.spf?.result == .fail)
        #expect(r.explanations.contains { $0.hasPrefix("SPF, evaluated now") })
    }

    @Test func unknownPath() async throws {
        let m = try Self.signed().prepending([
            Self.received(
                "from mail.sender.example (mail.sender.example [192.0.2.10]) by mx.unrelated.example (Postfix) "
                    + "with ESMTPS id 1; Sun, 29 Nov 2026 09:00:02 +0000"
            )
        ])
        let r = await trace(m, domain: "example.com")
        #expect(r.verdict == .unknown && r.verdictReason.contains("no Received field names a host"))
        let noDomain = await trace(try Message(bytes: Array("Subject: x\r\n\r\nbody\r\n".utf8)))
        #expect(noDomain.verdict == .unknown && noDomain.recipientDomain == nil)
    }

    /// The gateway checks DKIM, adds a footer, then seals with ARC: DKIM now fails with a body
    /// hash mismatch, while ARC instance 1 vouches for the pass it saw.
    @Test func footerBreaksDKIMButARCVouches() async throws {
        let signed = try Self.signed()
        var modified = signed
        modified.body += Array("--\r\nThis message was scanned by the gateway.\r\n".utf8)
        var sealer = ARCSealer(
            domain: "pphosted.com", selector: "gw", key: Self.gatewayKey, authservID: "mx0a-001.pphosted.com")
        sealer.timestamp = Self.now - 100
        let sealed = try sealer.seal(
            modified, results: ["dkim=pass header.d=sender.example", "spf=pass smtp.mailfrom=alice@sender.example"],
            incoming: ARCVerdict(result: .none, reason: ""))
        let m = sealed.prepending([
            Self.received(
                "from mx0a-001.pphosted.com (198.51.100.21) by BN8NAM11FT012.mail.protection.outlook.com "
                    + "(10.13.177.100) with Microsoft SMTP Server (version=TLS1_3, "
                    + "cipher=TLS_AES_256_GCM_SHA384) id 15.20.7000.8; Sun, 29 Nov 2026 09:00:04 +0000"
            ),
            Self.received(
                "from mail.sender.example (mail.sender.example [192.0.2.10]) by mx0a-001.pphosted.com (PPS) with "
                    + "ESMTPS id 4abc-1; Sun, 29 Nov 2026 09:00:02 +0000"
            ),
        ])
        let r = await trace(m, domain: "example.com")
        #expect(r.verdict == .viaPrimaryTier)
        #expect(r.now.dkim.first?.result == .fail && r.now.arc.result == .pass)
        let line = r.explanations.first { $0.hasPrefix("DKIM d=sender.example") } ?? ""
        #expect(line.contains("body hash mismatch"), "\(r.explanations)")
        #expect(
            line.contains(
                "ARC instance 1, sealed by pphosted.com (mx0a-001.pphosted.com), is intact and vouches for "
                    + "dkim=pass header.d=sender.example"
            ), "\(line)")
        #expect(r.hops[0].conclusions.contains { $0.instance == 1 && $0.authservID == "mx0a-001.pphosted.com" })
    }

    @Test func clockSkewIsFlagged() async throws {
        let m = try Self.signed().prepending([
            Self.received(
                "from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 2; Sun, 29 Nov 2026 08:50:00 +0000"),
            Self.received(
                "from c.example (c.example [192.0.2.2]) by a.example with ESMTP id 1; Sun, 29 Nov 2026 09:00:00 +0000"),
        ])
        let r = await trace(m, domain: "example.com")
        #expect(r.hops[1].clockSkew && r.hops[1].delay == -600)
        #expect(r.explanations.contains { $0.contains("600 s before the hop before it") })
    }
}
