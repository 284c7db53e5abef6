import Testing

@testable import MXRayDNS

@Suite struct ZoneFileTests {
    @Test func readsTheRFC1035Syntax() throws {
        let z = try zone(
            """
            $ORIGIN example.com.
            $TTL 1h
            @   IN  SOA ns1 hostmaster ( 1 ; serial
                        7200 3600 1209600
                        300 )
                    NS  ns1                  ; owner carried over
            ns1 600 IN A 192.0.2.1
            ns1 IN 700 AAAA 2001:db8::1      ; class before TTL
            www CNAME @
            @ MX 10 mail.example.net.
            txt TXT "one string; not a comment" "two \\"quoted\\"" unquoted
            sub.example.com. 1d TXT "absolute owner"
            """)
        #expect(z.origin == name("example.com"))
        let byType = Dictionary(grouping: z.records, by: \.type)
        #expect(byType[.soa]?.first?.ttl == 3600)
        #expect(byType[.ns]?.first?.name == name("example.com"))
        #expect(byType[.a]?.first?.ttl == 600)
        #expect(byType[.aaaa]?.first?.ttl == 700)
        #expect(byType[.cname]?.first?.data == .cname(name("example.com")))
        #expect(byType[.mx]?.first?.data == .mx(preference: 10, exchange: name("mail.example.net")))
        let txt = z.records.filter { $0.type == .txt }
        #expect(
            txt[0].data
                == .txt([Array("one string; not a comment".utf8), Array("two \"quoted\"".utf8), Array("unquoted".utf8)])
        )
        #expect(txt[1].name == name("sub.example.com") && txt[1].ttl == 86400)
    }

    @Test func multiStringTXTKeepsEveryString() throws {
        let z = try zone(
            """
            $ORIGIN example.com.
            @ 300 IN TXT ( "v=spf1 include:a.example "
                           "include:b.example -all" )
            """)
        #expect(z.records[0].data.joinedText == "v=spf1 include:a.example include:b.example -all")
        guard case .txt(let strings) = z.records[0].data else {
            Issue.record("no TXT")
            return
        }
        #expect(strings.count == 2)
    }

    @Test func genericFormForAnyType() throws {
        let z = try zone(
            """
            $ORIGIN example.com.
            a 60 IN TYPE1 \\# 4 C0000201
            b 60 IN CAA \\# 5 0005697373
            """)
        #expect(z.records[0].data == .a(IPv4Address(192, 0, 2, 1)))
        #expect(z.records[1].data == .unknown(type: RRType(257), data: [0, 5, 0x69, 0x73, 0x73]))
    }

    @Test func ttlDefaultsFollowRFC2308() throws {
        // No $TTL: the SOA minimum stands in until a record gives its own TTL.
        let z = try zone(
            """
            example.org. IN SOA ns.example.org. hm.example.org. 1 2 3 4 900
            example.org. IN A 192.0.2.1
            example.org. 120 IN AAAA 2001:db8::1
            example.org. IN MX 0 .
            """)
        #expect(z.records.map(\.ttl) == [900, 900, 120, 120])
        #expect(z.origin == name("example.org"))
    }

    @Test func otherClassesAreReportedNotLoaded() throws {
        let z = try zone("$ORIGIN example.com.\nversion 0 CH TXT \"x\"\n@ 0 IN A 192.0.2.1\n")
        #expect(z.records.count == 1)
        #expect(z.warnings.count == 1 && z.warnings[0].hasPrefix("line 2:"))
    }

    @Test(arguments: [
        ("$ORIGIN example.com.\n@ IN A 192.0.2.300\n", 2, "not an IPv4 address"),
        ("www IN A 192.0.2.1\n", 1, "no $ORIGIN"),
        ("$ORIGIN example.com.\n\n@ IN MX ten mail\n", 3, "preference"),
        ("$ORIGIN example.com.\n@ IN TXT \"unterminated\n", 2, "unterminated quoted string"),
        ("$ORIGIN example.com.\n@ IN SOA ns hm ( 1 2 3\n 4 5\n", 2, "'(' is never closed"),
        ("$ORIGIN example.com.\n@ IN A 192.0.2.1 )\n", 2, "without a matching"),
        ("$ORIGIN example.com.\n@ IN BOGUS 1\n", 2, "unknown record type"),
        ("$ORIGIN example.com.\n  IN A 192.0.2.1\n", 2, "no owner"),
        ("$INCLUDE other.zone\n", 1, "not supported"),
        ("$ORIGIN example.com.\n@ IN SRV 0 0 25 mx\n", 2, "generic form"),
        ("$ORIGIN example.com.\n@ IN TXT \"\(String(repeating: "x", count: 256))\"\n", 2, "longer than 255"),
        ("$ORIGIN example.com.\n@ IN TLSA 3 1 1 XYZ\n", 2, "not hex"),
        ("$TTL forever\n", 1, "$TTL"),
        ("$ORIGIN example.com.\n@ IN TYPE1 \\# 3 C00002\n", 2, "RDATA length"),
    ])
    func errorsNameTheLine(text: String, line: Int, fragment: String) {
        do throws(ZoneFileError) {
            let z = try zone(text)
            // Types mxray cannot read in text form are skipped with a warning, not an error.
            #expect(z.warnings.contains { $0.hasPrefix("line \(line):") && $0.contains(fragment) }, "\(z.warnings)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test func exampleZonesShippedWithTheRepositoryLoad() throws {
        for file in ["cold-backup.zone", "two-vendors-partial-mta-sts.zone", "healthy-two-vendor.zone"] {
            let path = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
            let z = try ZoneFile(contentsOf: "/" + path + "/Examples/" + file)
            #expect(z.records.contains { $0.type == .mx }, "\(file)")
            #expect(z.warnings.isEmpty)
        }
    }
}
