import Testing

@testable import MXRayDNS

@Suite struct DomainNameTests {
    @Test func parsesAndPrintsPresentationFormat() throws {
        let n = try DomainName("Mail.Example.COM")
        #expect(n.labelCount == 3)
        #expect(n.description == "Mail.Example.COM.")
        #expect(n.text == "Mail.Example.COM")
        #expect(try DomainName("mail.example.com.") == n)
        #expect(DomainName.root.description == ".")
        #expect(try DomainName(".") == .root)
    }

    @Test func comparisonAndHashingIgnoreASCIICaseOnly() throws {
        let a = try DomainName("EXAMPLE.com"), b = try DomainName("example.COM")
        #expect(a == b)
        #expect(Set([a, b]).count == 1)
        #expect(try DomainName("ex\\200mple.com") != DomainName("ex\\232mple.com"))
    }

    @Test func escapesRoundTrip() throws {
        let n = try DomainName("a\\.b.c\\032d.\\\\e")
        #expect(n.labels.map { Array($0) } == [Array("a.b".utf8), Array("c d".utf8), Array("\\e".utf8)])
        #expect(n.description == "a\\.b.c\\032d.\\\\e.")
        #expect(try DomainName(n.description) == n)
    }

    @Test func enforcesRFC1035Limits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(throws: Never.self) { try DomainName("\(label63).com") }
        #expect(throws: DNSNameError.labelTooLong(64)) { try DomainName("\(label63)a.com") }
        let long = Array(repeating: label63, count: 4).joined(separator: ".")  // 4*64 + 1 = 257 octets
        #expect(throws: DNSNameError.nameTooLong(257)) { try DomainName(long) }
        #expect(throws: DNSNameError.emptyLabel) { try DomainName("a..b") }
        #expect(throws: DNSNameError.emptyLabel) { try DomainName("") }
        #expect(throws: DNSNameError.badEscape("a\\25")) { try DomainName("a\\25") }
        #expect(throws: DNSNameError.badEscape("a\\256")) { try DomainName("a\\256") }
    }

    @Test func subdomainsRespectLabelBoundaries() throws {
        let apex = name("example.com")
        #expect(name("mx.example.com").isSubdomain(of: apex))
        #expect(apex.isSubdomain(of: apex))
        #expect(!name("xexample.com").isSubdomain(of: apex))
        #expect(!name("com").isSubdomain(of: apex))
        #expect(apex.isSubdomain(of: .root))
        #expect(name("a.b.example.com").parent == name("b.example.com"))
        #expect(DomainName.root.parent == nil)
    }

    @Test func reverseNames() {
        #expect(IPAddress("192.0.2.10")!.reverseName == name("10.2.0.192.in-addr.arpa"))
        #expect(
            IPAddress("2001:db8::1")!.reverseName
                == name("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"))
    }

    @Test func ipAddressesParseStrictly() {
        #expect(IPv4Address("192.0.2.1")?.description == "192.0.2.1")
        #expect(IPv4Address("192.0.2") == nil)
        #expect(IPv4Address("192.0.2.256") == nil)
        #expect(IPv6Address("2001:DB8:0:0:0:0:0:1")?.description == "2001:db8::1")
        #expect(IPv6Address("2001:db8::1::2") == nil)
        #expect(IPAddress("::ffff:192.0.2.1") != nil)
    }

    @Test func canonicalOrder() {
        let sorted = [name("z.example"), name("example"), name("a.example"), name("yljkjljk.a.example")].sorted()
        #expect(sorted == [name("example"), name("a.example"), name("yljkjljk.a.example"), name("z.example")])
    }
}
