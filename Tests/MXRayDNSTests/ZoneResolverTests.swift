import Testing

@testable import MXRayDNS

@Suite struct ZoneResolverTests {
    static let text = """
        $ORIGIN example.com.
        $TTL 300
        @        IN SOA ns1 hostmaster 1 7200 3600 1209600 60
                 IN MX  10 mx1
        mx1      IN A   192.0.2.10
        www      IN CNAME web
        web      IN CNAME mx1
        off      IN CNAME elsewhere.example.
        loop1    IN CNAME loop2
        loop2    IN CNAME loop1
        _smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:t@example.com"
        *.wild   IN MX  20 mx1
        """

    func resolver() -> ZoneResolver { ZoneResolver(zones: [try! zone(Self.text)]) }

    @Test func recordsNXDOMAINAndNODATAStayApart() async throws {
        let r = try resolver()
        #expect(await r.lookup(name("example.com"), .mx).records.count == 1)
        #expect(await r.lookup(name("nope.example.com"), .a).outcome == .nxdomain)
        #expect(await r.lookup(name("example.com"), .aaaa).outcome == .nodata)
        // An empty non-terminal exists (RFC 8020): NODATA.
        #expect(await r.lookup(name("_tls.example.com"), .txt).outcome == .nodata)
        // Outside every loaded zone: NXDOMAIN, and names above the apex do not exist either.
        #expect(await r.lookup(name("example.net"), .mx).outcome == .nxdomain)
        #expect(await r.lookup(name("com"), .ns).outcome == .nxdomain)
    }

    @Test func caseInsensitiveButOwnerAsAsked() async throws {
        let lookup = await resolver().lookup(name("MX1.Example.COM"), .a)
        #expect(lookup.records.first?.name.description == "MX1.Example.COM.")
        #expect(lookup.transport == "zone")
    }

    @Test func cnameChainsAreFollowed() async throws {
        let lookup = await resolver().lookup(name("www.example.com"), .a)
        #expect(lookup.cnameChain.count == 2)
        #expect(lookup.canonicalName == name("mx1.example.com"))
        #expect(lookup.records.first?.data == .a(IPv4Address(192, 0, 2, 10)))
        // Asking for the CNAME itself does not follow it.
        #expect(
            await resolver().lookup(name("www.example.com"), .cname).records.first?.data
                == .cname(name("web.example.com")))
        let off = await resolver().lookup(name("off.example.com"), .a)
        #expect(off.outcome == .nxdomain && off.cnameChain.count == 1)
        let loop = await resolver().lookup(name("loop1.example.com"), .a)
        #expect(loop.failure?.kind == .cnameChain)
    }

    @Test func wildcardsAreSynthesised() async throws {
        let lookup = await resolver().lookup(name("anything.wild.example.com"), .mx)
        #expect(lookup.records.first?.name == name("anything.wild.example.com"))
        #expect(await resolver().lookup(name("anything.wild.example.com"), .a).outcome == .nodata)
        #expect(await resolver().lookup(name("wild.example.com"), .mx).outcome == .nodata)
    }

    @Test func severalZonesAnswerTogether() async throws {
        let second = try zone("$ORIGIN example.\n$TTL 60\n@ SOA ns hm 1 1 1 1 1\nelsewhere A 192.0.2.99\n")
        let r = ZoneResolver(zones: [try zone(Self.text), second])
        #expect(await r.lookup(name("off.example.com"), .a).records.first?.data == .a(IPv4Address(192, 0, 2, 99)))
    }
}
