import MXRayDNS
import Testing

@testable import MXRayMessage

/// Received fields in the formats each MTA family documents, written for these tests (never
/// copied from real mail), with the parse each must give.
@Suite struct ReceivedParsingTests {
    @Test func postfix() {
        let r = ReceivedField(
            parsing:
                "from mail.sender.example (mail.sender.example [192.0.2.10])\r\n\t(using TLSv1.3 with cipher "
                + "TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS "
                + "(2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)\r\n\tby "
                + "mx.example.com (Postfix) with ESMTPS id 4Q1x2Y3z4Hz9\r\n\tfor <bob@example.com>; "
                + "Sun, 29 Nov 2026 09:00:02 +0000 (UTC)"
        )
        #expect(
            r.helo == "mail.sender.example" && r.reverseName == "mail.sender.example" && r.ip == IPAddress("192.0.2.10")
        )
        #expect(r.by == "mx.example.com" && r.software == "Postfix" && r.with == "ESMTPS" && r.id == "4Q1x2Y3z4Hz9")
        #expect(r.tls == true && r.tlsVersion == "TLSv1.3" && r.tlsCipher == "TLS_AES_256_GCM_SHA384")
        #expect(r.recipient == "bob@example.com" && r.date == 1_795_942_802)
    }

    @Test func postfixUnknownClientWithoutTLS() {
        let r = ReceivedField(
            parsing:
                "from helo.example (unknown [2001:db8::25]) by mx.example.com (Postfix) with ESMTP id ABC123; "
                + "Sun, 29 Nov 2026 10:00:02 +0100"
        )
        #expect(r.helo == "helo.example" && r.reverseName == nil && r.ip == IPAddress("2001:db8::25"))
        #expect(r.tls == false && r.date == 1_795_942_802)
    }

    @Test func exim() {
        let r = ReceivedField(
            parsing:
                "from mail.sender.example ([192.0.2.10] helo=smtp.sender.example)\n\tby mx.example.com with "
                + "esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384\n\t(Exim 4.96)\n\t(envelope-from "
                + "<alice@sender.example>)\n\tid 1tABCd-0001Xy-2Z\n\tfor bob@example.com; Sun, 29 Nov "
                + "2026 09:00:02 +0000"
        )
        #expect(
            r.helo == "smtp.sender.example" && r.reverseName == "mail.sender.example" && r.ip == IPAddress("192.0.2.10")
        )
        #expect(r.by == "mx.example.com" && r.with == "esmtps" && r.tls == true && r.tlsVersion == "TLS1.3")
        #expect(r.tlsCipher == "TLS_AES_256_GCM_SHA384" && r.envelopeFrom == "alice@sender.example")
        #expect(r.id == "1tABCd-0001Xy-2Z" && r.recipient == "bob@example.com")
    }

    @Test func microsoft365() {
        let r = ReceivedField(
            parsing:
                "from mx0a-001.pphosted.com (198.51.100.21) by BN8NAM11FT012.mail.protection.outlook.com "
                + "(10.13.177.100) with Microsoft SMTP Server (version=TLS1_3, "
                + "cipher=TLS_AES_256_GCM_SHA384) id 15.20.7000.8 via Frontend Transport; Sun, 29 Nov "
                + "2026 09:00:03 +0000"
        )
        #expect(r.helo == "mx0a-001.pphosted.com" && r.ip == IPAddress("198.51.100.21"))
        #expect(r.by == "BN8NAM11FT012.mail.protection.outlook.com" && r.with == "Microsoft SMTP Server")
        #expect(
            r.tls == true && r.tlsVersion == "TLS1_3" && r.tlsCipher == "TLS_AES_256_GCM_SHA384"
                && r.id == "15.20.7000.8")
        #expect(r.software == nil, "an address in the by-comment is not software")
    }

    @Test func google() {
        let r = ReceivedField(
            parsing:
                "from mail-sor-f41.google.example (mail-sor-f41.google.example. [192.0.2.41])\n        by "
                + "mx.google.com with SMTPS id a1sor1234567qkb.12.2026.11.29.01.00.02\n        for "
                + "<bob@example.com>\n        (Google Transport Security);\n        Sun, 29 Nov 2026 "
                + "01:00:02 -0800 (PST)"
        )
        #expect(r.reverseName == "mail-sor-f41.google.example" && r.ip == IPAddress("192.0.2.41"))
        #expect(r.by == "mx.google.com" && r.with == "SMTPS" && r.tls == true && r.recipient == "bob@example.com")
        #expect(r.date == 1_795_942_802)
    }

    @Test func mimecast() {
        let r = ReceivedField(
            parsing:
                "from mail.sender.example (mail.sender.example [192.0.2.10]) by relay.mimecast.com with ESMTP "
                + "with both STARTTLS and AUTH (version=TLSv1.2, "
                + "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id us-mta-12-AbCdEfGh-1; Sun, 29 Nov "
                + "2026 04:00:02 -0500"
        )
        #expect(r.by == "relay.mimecast.com" && r.with == "ESMTP" && r.tls == true && r.tlsVersion == "TLSv1.2")
        #expect(r.id == "us-mta-12-AbCdEfGh-1" && r.date == 1_795_942_802)
    }

    @Test func proofpoint() {
        let r = ReceivedField(
            parsing:
                "from mail.sender.example (mail.sender.example [192.0.2.10]) by mx0a-001.pphosted.com (PPS) with "
                + "ESMTPS id 4abc123def-1 (version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256 "
                + "verify=NOT) for <bob@example.com>; Sun, 29 Nov 2026 04:00:02 -0500"
        )
        #expect(r.by == "mx0a-001.pphosted.com" && r.software == "PPS" && r.with == "ESMTPS" && r.tls == true)
        #expect(
            r.tlsVersion == "TLSv1.2" && r.tlsCipher == "ECDHE-RSA-AES256-GCM-SHA384"
                && r.recipient == "bob@example.com")
    }

    @Test func unparseableIsKeptRaw() {
        let r = ReceivedField(parsing: "garbage without the usual clauses")
        #expect(!r.parsed && r.raw == "garbage without the usual clauses")
        #expect(ReceivedField(parsing: "by local.host with LMTP; not a date").date == nil)
    }

    @Test(arguments: [
        ("Sun, 29 Nov 2026 09:00:02 +0000", Int64(1_795_942_802)), ("29 Nov 2026 09:00:02 GMT", 1_795_942_802),
        ("Sun, 29 Nov 26 04:00:02 EST", 1_795_942_802), ("Sun, 29 Nov 2026 09:00 +0000 (UTC)", 1_795_942_800),
    ])
    func dates(text: String, epoch: Int64) { #expect(MessageDate.parse(text) == epoch) }
}
