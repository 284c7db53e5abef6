import Testing

@testable import MXRayDNS

/// Replies captured from a real nsd (see Resources/captured/README.md), decoded and classified.
@Suite struct CapturedReplyTests {
    func decode(_ file: String) throws -> DNSMessage {
        let m = try DNSMessage(decoding: Captured.bytes(file))
        #expect(m.id == 0x1234)
        #expect(m.isResponse)
        return m
    }

    func classify(_ file: String, _ qname: String, _ type: RRType) throws -> ResponseClassifier.Verdict {
        ResponseClassifier.classify(
            try decode(file), question: DNSQuestion(name: name(qname), type: type),
            server: "nsd", maxChain: 8)
    }

    @Test func mxWithCompressedNames() throws {
        let m = try decode("mxray.test-MX.bin")
        #expect(m.authoritative)
        #expect(m.edns?.udpPayloadSize == 1232)
        #expect(
            m.answers.map(\.data) == [
                .mx(preference: 10, exchange: name("mx1.mxray.test")),
                .mx(preference: 20, exchange: name("mx2.other.test")),
            ])
        // nsd adds the glue it has for mx1 in the additional section.
        #expect(m.additionals.contains { $0.data == .a(IPv4Address(192, 0, 2, 10)) })
        guard case .final(.records(let records), _, 300) = try classify("mxray.test-MX.bin", "mxray.test", .mx) else {
            Issue.record("expected records")
            return
        }
        #expect(records.count == 2)
    }

    @Test func truncatedUDPThenWholeOverTCP() throws {
        let udp = try decode("big.mxray.test-TXT.bin")
        #expect(udp.truncated)
        #expect(udp.answers.isEmpty)
        let tcp = try decode("big.mxray.test-TXT-tcp.bin")
        #expect(!tcp.truncated)
        guard case .txt(let strings) = tcp.answers.first?.data else {
            Issue.record("no TXT")
            return
        }
        #expect(strings.count == 8)
        #expect(strings.allSatisfy { $0.count == 200 })
        #expect(tcp.answers[0].data.joinedText?.count == 1600)
    }

    @Test func nxdomainCarriesTheSOAForNegativeCaching() throws {
        let m = try decode("nope.mxray.test-A.bin")
        #expect(m.rcode == .nameError)
        #expect(
            try classify("nope.mxray.test-A.bin", "nope.mxray.test", .a) == .final(.nxdomain, chain: [], cacheTTL: 60))
    }

    @Test func nodataIsNotNXDOMAIN() throws {
        let m = try decode("mxray.test-AAAA.bin")
        #expect(m.rcode == .noError)
        #expect(try classify("mxray.test-AAAA.bin", "mxray.test", .aaaa) == .final(.nodata, chain: [], cacheTTL: 60))
    }

    @Test func inZoneCNAMEChainIsFollowed() throws {
        guard
            case .final(.records(let records), let chain, _) = try classify(
                "alias.mxray.test-A.bin", "alias.mxray.test", .a)
        else {
            Issue.record("expected records")
            return
        }
        #expect(chain.map(\.name) == [name("alias.mxray.test"), name("alias2.mxray.test")])
        #expect(records.map(\.data) == [.a(IPv4Address(192, 0, 2, 10)), .a(IPv4Address(192, 0, 2, 11))])
    }

    @Test func chainAcrossZonesOfTheSameServer() throws {
        // nsd chases a CNAME into another zone it serves and answers the whole chain at once.
        guard
            case .final(.records(let records), let chain, _) = try classify(
                "outside.mxray.test-A.bin", "outside.mxray.test", .a)
        else {
            Issue.record("expected records")
            return
        }
        #expect(chain.count == 2)
        #expect(records.first?.name == name("web.other.test"))
    }

    @Test func cnameOutOfTheServersDataAsksForTheTarget() throws {
        // The target lies in no zone nsd serves: only the CNAME comes back, without an SOA, and the
        // stub resolver must ask for the target itself (RFC 1034 §5.3.3).
        let verdict = try classify("away.mxray.test-A.bin", "away.mxray.test", .a)
        guard case .followCNAME(let target, let chain) = verdict else {
            Issue.record("\(verdict)")
            return
        }
        #expect(target == name("host.unserved.test"))
        #expect(chain.count == 1)
        // Asked directly, a server that is not authoritative and does not recurse refuses.
        let refused = try classify("host.unserved.test-A.bin", "host.unserved.test", .a)
        guard case .tryNextServer(let failure) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(failure.kind == .refused)
    }

    @Test func referralIsAFailureNotNodata() throws {
        let verdict = try classify("sub.mxray.test-A.bin", "sub.mxray.test", .a)
        guard case .tryNextServer(let failure) = verdict else {
            Issue.record("\(verdict)")
            return
        }
        #expect(failure.kind == .referral)
    }

    @Test func recordTypesDecode() throws {
        #expect(
            try decode("_25._tcp.mx1.mxray.test-TLSA.bin").answers.first?.data.presentation
                == "3 1 1 8D02536C887482BC34FF54E41D2BA659BF85B341A0A20AFADB5813DCFBCF286D")
        #expect(try decode("10.2.0.192.in-addr.arpa-PTR.bin").answers.first?.data == .ptr(name("mx1.mxray.test")))
        #expect(
            try decode("unknown.mxray.test-TYPE65280.bin").answers.first?.data
                == .unknown(type: RRType(65280), data: [0xDE, 0xAD, 0xBE, 0xEF]))
        #expect(try decode("mxray.test-NS.bin").answers.first?.data == .ns(name("ns1.mxray.test")))
        guard case .soa(let soa) = try decode("mxray.test-SOA.bin").answers.first?.data else {
            Issue.record("no SOA")
            return
        }
        #expect(soa.minimum == 60 && soa.rname == name("hostmaster.mxray.test"))
        guard case .txt(let strings) = try decode("quoted.mxray.test-TXT.bin").answers.first?.data else {
            Issue.record("no TXT")
            return
        }
        #expect(
            strings == [
                Array("semi;colon".utf8), Array("quote\"d".utf8), Array("back\\slash".utf8),
                [200, 255] + Array(" bytes".utf8),
            ])
    }

    @Test func reencodingKeepsEveryRecord() throws {
        for file in Captured.all {
            let m = try decode(file)
            #expect(try DNSMessage(decoding: m.encoded()) == m, "\(file)")
        }
    }
}
