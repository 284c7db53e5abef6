import Testing

@testable import MXRayDNS

@Suite struct WireCodecTests {
    static let owner = name("mxray.test")

    static let samples: [RData] = [
        .a(IPv4Address(192, 0, 2, 1)),
        .aaaa(IPv6Address("2001:db8::25")!),
        .mx(preference: 10, exchange: name("mx1.mxray.test")),
        .txt([Array("v=spf1 -all".utf8), [], Array("\u{0}\"\\ bytes".utf8), [0xff, 0x80]]),
        .cname(name("alias.other.test")),
        .ptr(name("mx1.mxray.test")),
        .ns(name("ns1.mxray.test")),
        .soa(
            SOAData(
                mname: name("ns1.mxray.test"), rname: name("host\\.master.mxray.test"), serial: 2026112901,
                refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)),
        .tlsa(TLSAData(usage: 3, selector: 1, matchingType: 1, associationData: Array(0..<32))),
        .unknown(type: RRType(65280), data: [0xde, 0xad, 0xbe, 0xef]),
        .unknown(type: .spf, data: []),
    ]

    @Test(arguments: samples, [true, false])
    func everyRecordTypeRoundTrips(data: RData, compress: Bool) throws {
        var m = DNSMessage()
        m.id = 0xBEEF
        m.isResponse = true
        m.authoritative = true
        m.questions = [DNSQuestion(name: Self.owner, type: data.type)]
        m.answers = [ResourceRecord(name: Self.owner, ttl: 300, data: data)]
        m.authorities = [ResourceRecord(name: Self.owner, ttl: 60, data: .ns(name("ns1.mxray.test")))]
        m.edns = EDNS()
        let bytes = try m.encoded(compress: compress)
        let decoded = try DNSMessage(decoding: bytes)
        #expect(decoded == m)
        // Presentation text parses back to the same RDATA.
        #expect(try RDataTextParser.parse(type: data.type, text: data.presentation, origin: nil) == data)
    }

    @Test func compressionShrinksRepeatedNames() throws {
        var m = DNSMessage.query(DNSQuestion(name: Self.owner, type: .mx), id: 1)
        m.answers = (1...5).map {
            ResourceRecord(
                name: Self.owner, ttl: 1, data: .mx(preference: UInt16($0), exchange: name("mx\($0).mxray.test")))
        }
        let compressed = try m.encoded(compress: true), plain = try m.encoded(compress: false)
        #expect(compressed.count < plain.count)
        #expect(try DNSMessage(decoding: compressed) == DNSMessage(decoding: plain))
    }

    @Test func queryAdvertisesEDNS1232() throws {
        let bytes = try DNSMessage.query(DNSQuestion(name: Self.owner, type: .txt), id: 7).encoded()
        let m = try DNSMessage(decoding: bytes)
        #expect(m.edns?.udpPayloadSize == 1232)
        #expect(m.recursionDesired)
        #expect(m.additionals.isEmpty)
    }

    @Test func extendedRCodeCombinesWithHeader() throws {
        var m = DNSMessage()
        m.isResponse = true
        m.rcode = ResponseCode(16)  // BADVERS needs the EDNS extension bits
        m.edns = EDNS()
        #expect(try DNSMessage(decoding: m.encoded()).rcode == ResponseCode(16))
    }

    // MARK: Malformed input

    static let header: [UInt8] = [0x12, 0x34, 0x81, 0x80]

    @Test func emptyAndShortInputsAreTruncated() {
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: []) }
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: Self.header) }
    }

    @Test func countsThatLieAreTruncation() throws {
        // Header promises one question and 300 answers; the bytes hold only the question.
        let bytes = Self.header + [0, 1, 0x01, 0x2C, 0, 0, 0, 0] + [1, 0x61, 0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.truncated(reading: "name", offset: 19)) { try DNSMessage(decoding: bytes) }
    }

    @Test func compressionLoopIsRejected() {
        // The question name is a pointer to itself at offset 12.
        let bytes = Self.header + [0, 1, 0, 0, 0, 0, 0, 0] + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badPointer(offset: 12, target: 12)) { try DNSMessage(decoding: bytes) }
    }

    @Test func twoPointerLoopIsRejected() {
        // Offset 12: label "a" then pointer to 17; offset 17: pointer back to 12.
        let bytes = Self.header + [0, 2, 0, 0, 0, 0, 0, 0] + [1, 0x61, 0xC0, 17, 0] + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: bytes) }
    }

    @Test func pointerPastTheEndIsRejected() {
        let bytes = Self.header + [0, 1, 0, 0, 0, 0, 0, 0] + [0xC0, 0xFF, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badPointer(offset: 12, target: 255)) { try DNSMessage(decoding: bytes) }
        let cut = Self.header + [0, 1, 0, 0, 0, 0, 0, 0] + [0xC0]
        #expect(throws: DNSWireError.truncated(reading: "compression pointer", offset: 12)) {
            try DNSMessage(decoding: cut)
        }
    }

    @Test func reservedLabelTypesAreRejected() {
        let bytes = Self.header + [0, 1, 0, 0, 0, 0, 0, 0] + [0x41, 0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.badLabelType(offset: 12)) { try DNSMessage(decoding: bytes) }
    }

    @Test func overlongNamesAreRejected() {
        // 5 labels of 63 octets: 320 octets, over the 255 limit, without any pointer.
        var name: [UInt8] = []
        for _ in 0..<5 { name += [63] + Array(repeating: 0x61, count: 63) }
        let bytes = Self.header + [0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: bytes) }
    }

    @Test func rdataLengthMustMatchTheType() throws {
        var m = DNSMessage()
        m.answers = [ResourceRecord(name: Self.owner, ttl: 1, data: .a(IPv4Address(192, 0, 2, 1)))]
        var bytes = try m.encoded()
        // RDLENGTH sits 2 octets before the 4-octet address at the end; claim 5.
        bytes[bytes.count - 5] = 5
        bytes.append(0)
        #expect(throws: DNSWireError.rdataLength(type: .a, expected: 5, consumed: 4)) {
            try DNSMessage(decoding: bytes)
        }
        // An MX whose RDLENGTH ends inside the exchange name.
        var mx = DNSMessage()
        mx.answers = [ResourceRecord(name: Self.owner, ttl: 1, data: .mx(preference: 1, exchange: name("a.b")))]
        var mxBytes = try mx.encoded(compress: false)
        mxBytes[mxBytes.count - 8] = 3
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: mxBytes) }
    }

    @Test func txtCharacterStringOverrunningRDATA() throws {
        var m = DNSMessage()
        m.answers = [ResourceRecord(name: Self.owner, ttl: 1, data: .txt([Array("abc".utf8)]))]
        var bytes = try m.encoded()
        bytes[bytes.count - 4] = 9  // the string claims 9 octets inside a 4-octet RDATA
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: bytes) }
    }

    /// Every captured reply, cut at every length and with every single byte flipped, decodes or
    /// throws; it never traps. (About 40,000 decodes.)
    @Test func mutatedRepliesNeverCrash() throws {
        var decoded = 0, rejected = 0
        for file in Captured.all {
            let original = try Captured.bytes(file)
            for cut in 0..<original.count {
                if (try? DNSMessage(decoding: Array(original[..<cut]))) != nil { decoded += 1 } else { rejected += 1 }
            }
            for i in 0..<original.count {
                for flip: UInt8 in [0x01, 0x40, 0x80, 0xC0, 0xFF] {
                    var bytes = original
                    bytes[i] ^= flip
                    if (try? DNSMessage(decoding: bytes)) != nil { decoded += 1 } else { rejected += 1 }
                }
            }
        }
        #expect(rejected > 0 && decoded > 0)
    }
}
