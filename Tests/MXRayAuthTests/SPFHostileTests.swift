import MXRayDNS
import Testing

@testable import MXRayAuth

/// Records built to make an SPF evaluator loop, recurse or allocate without bound.
@Suite struct SPFHostileTests {
    func check(_ records: [(String, String)], sender: String = "a@example.com", ip: String = "192.0.2.1") async
        -> SPFVerdict
    {
        await SPFEvaluator(resolver: txtResolver(records)).check(
            ip: IPAddress(ip)!, mailFrom: sender, helo: "mx.example.net")
    }

    @Test func includeLoopStopsAtTheLookupLimit() async {
        let v = await check([
            ("example.com", "v=spf1 include:loop.example.com -all"),
            ("loop.example.com", "v=spf1 include:example.com -all"),
        ])
        #expect(v.result == .permerror && v.reason.contains("more than 10"))
        #expect(v.lookups == SPFEvaluator.maxDNSTerms + 1)
    }

    @Test func longRedirectChain() async {
        var records: [(String, String)] = [("example.com", "v=spf1 redirect=r0.example.com")]
        for i in 0..<100 { records.append(("r\(i).example.com", "v=spf1 redirect=r\(i + 1).example.com")) }
        let v = await check(records)
        #expect(v.result == .permerror && v.reason.contains("more than 10"))
    }

    @Test func tenThousandTerms() async {
        let terms = (0..<10_000).map { "ip4:10.\($0 / 256).\($0 % 256).0/24" }.joined(separator: " ")
        let v = await check([("example.com", "v=spf1 \(terms) -all")])
        #expect(v.result == .permerror && v.reason.contains("over the limit of \(SPFRecord.maxTerms)"))
        let many = (0..<900).map { "ip4:10.\($0 / 256).\($0 % 256).0/24" }.joined(separator: " ")
        #expect(await check([("example.com", "v=spf1 \(many) ip4:192.0.2.0/24 -all")]).result == .pass)
    }

    @Test func macrosPast253BytesAreTruncatedOnTheLeft() async {
        let local =
            String(repeating: "a", count: 60) + "." + String(repeating: "b", count: 60) + "."
            + String(repeating: "c", count: 60)
            + "." + String(repeating: "d", count: 60)
        let v = await check(
            [("example.com", "v=spf1 exists:%{l}.%{l}.x.example.com -all")], sender: "\(local)@example.com")
        // The expanded name is cut to fit 253 octets, then queried: it does not exist, so no match.
        #expect(v.result == .fail)
        let query = v.trace.first { $0.event.hasPrefix("A ") }?.event ?? ""
        #expect(!query.isEmpty)
        let name = query.dropFirst(2).prefix { $0 != " " }
        #expect(name.utf8.count <= 254)
    }

    @Test func sixtyFourKilobyteTXTAnswer() async {
        let big = "v=spf1 " + String(repeating: "ip4:192.0.2.1 ", count: 4600) + "-all"
        #expect(big.utf8.count > 64_000)
        let v = await check([("example.com", big)])
        #expect(v.result == .permerror)  // over the term limit, refused before evaluation
    }

    @Test func multipleRecordsAndVoidLookups() async {
        let two = await check([("example.com", "v=spf1 -all"), ("example.com", "v=spf1 +all")])
        #expect(two.result == .permerror && two.reason.contains("2 SPF records"))
        let voids = await check([("example.com", "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all")])
        #expect(voids.result == .permerror && voids.voidLookups == 3)
    }

    @Test func dnsFailureIsTemperror() async {
        var config = ResolverConfiguration(nameservers: [Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)), port: 9)])
        config.timeout = .milliseconds(50)
        config.attempts = 1
        let stub = StubResolver(configuration: config)
        let v = await SPFEvaluator(resolver: stub).check(
            ip: IPAddress("192.0.2.1")!, mailFrom: "a@example.com", helo: "x.example")
        #expect(v.result == .temperror)
        await stub.shutdown()
    }

    @Test func traceNamesEveryQuery() async {
        let v = await check([
            ("example.com", "v=spf1 include:_spf.example.net mx -all"),
            ("_spf.example.net", "v=spf1 ip4:198.51.100.0/24 -all"),
        ])
        #expect(v.result == .fail)
        #expect(v.trace.map(\.event).contains("TXT _spf.example.net → 1 SPF record"))
        #expect(v.trace.contains { $0.term == "mx" && $0.event.hasPrefix("MX example.com") })
        #expect(v.trace.contains { $0.depth == 1 })
        #expect(v.explanation == "192.0.2.1 is not one of example.com's designated mail servers.")
    }
}
