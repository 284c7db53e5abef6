import MXRayAuth
import MXRayDNS
import Testing

/// The stub resolver against a real nsd on loopback (started by Scripts/integration-test.sh).
@Suite(.enabled(if: IntegrationEnvironment.available, "needs nsd: run Scripts/integration-test.sh"))
struct NSDResolverTests {
    let nsd = IntegrationEnvironment.nsd!

    @Test func everyRecordType() async {
        let r = resolver([nsd])
        let cases: [(String, RRType, String)] = [
            ("mx1.mxray.test", .a, "192.0.2.10"),
            ("mx1.mxray.test", .aaaa, "2001:db8::10"),
            ("mxray.test", .mx, "10 mx1.mxray.test."),
            ("mxray.test", .txt, "\"v=spf1 ip4:192.0.2.0/24\" \" -all\""),
            ("alias.mxray.test", .cname, "alias2.mxray.test."),
            ("10.2.0.192.in-addr.arpa", .ptr, "mx1.mxray.test."),
            ("mxray.test", .ns, "ns1.mxray.test."),
            ("mxray.test", .soa, "ns1.mxray.test. hostmaster.mxray.test. 1 7200 3600 1209600 60"),
            (
                "_25._tcp.mx1.mxray.test", .tlsa,
                "3 1 1 8D02536C887482BC34FF54E41D2BA659BF85B341A0A20AFADB5813DCFBCF286D"
            ),
            ("unknown.mxray.test", RRType(65280), "\\# 4 DEADBEEF"),
        ]
        for (qname, type, expected) in cases {
            let lookup = await r.lookup(name(qname), type)
            #expect(lookup.records.map(\.data.presentation).contains(expected), "\(qname) \(type): \(lookup.outcome)")
            #expect(lookup.source == nsd.description)
            #expect(lookup.transport == "udp")
        }
        let txt = await r.lookup(name("mxray.test"), .txt)
        #expect(txt.records.first?.data.joinedText == "v=spf1 ip4:192.0.2.0/24 -all")
        await r.shutdown()
    }

    @Test func largeAnswerForcesTCP() async {
        let r = resolver([nsd])
        let lookup = await r.lookup(name("big.mxray.test"), .txt)
        #expect(lookup.transport == "tcp")
        guard case .txt(let strings) = lookup.records.first?.data else {
            Issue.record("\(lookup.outcome)")
            return
        }
        #expect(strings.count == 8 && strings.allSatisfy { $0.count == 200 })
        await r.shutdown()
    }

    @Test func cnameChains() async {
        let r = resolver([nsd])
        let inZone = await r.lookup(name("alias.mxray.test"), .a)
        #expect(inZone.cnameChain.count == 2 && inZone.records.count == 2)
        let acrossZones = await r.lookup(name("outside.mxray.test"), .a)
        #expect(acrossZones.canonicalName == name("web.other.test") && acrossZones.records.count == 1)
        let dangling = await r.lookup(name("dangling.mxray.test"), .a)
        #expect(dangling.outcome == .nxdomain && dangling.canonicalName == name("missing.other.test"))
        // nsd gives only the CNAME; the resolver asks for the target, which nsd refuses.
        let away = await r.lookup(name("away.mxray.test"), .a)
        #expect(away.failure?.kind == .refused && away.cnameChain.count == 1)
        let loop = await r.lookup(name("loop1.mxray.test"), .a)
        #expect(loop.failure?.kind == .cnameChain)
        await r.shutdown()
    }

    @Test func nxdomainNodataAndReferralStayApart() async {
        let r = resolver([nsd])
        #expect(await r.lookup(name("nope.mxray.test"), .a).outcome == .nxdomain)
        #expect(await r.lookup(name("mxray.test"), .aaaa).outcome == .nodata)
        #expect(await r.lookup(name("_tls.mxray.test"), .txt).outcome == .nodata)
        #expect(await r.lookup(name("sub.mxray.test"), .a).failure?.kind == .referral)
        await r.shutdown()
    }

    @Test func answersAndNegativeAnswersAreCached() async {
        let r = resolver([nsd])
        let first = await r.lookup(name("mx1.mxray.test"), .a)
        let second = await r.lookup(name("MX1.mxray.test"), .a)
        #expect(!first.fromCache && second.fromCache)
        #expect(second.records.count == 2)
        #expect(second.question.name.description == "MX1.mxray.test.")
        _ = await r.lookup(name("nope.mxray.test"), .a)
        #expect(await r.lookup(name("nope.mxray.test"), .a).fromCache)
        // Failures are not cached: a referral is asked again.
        _ = await r.lookup(name("sub.mxray.test"), .a)
        #expect(await !r.lookup(name("sub.mxray.test"), .a).fromCache)
        await r.shutdown()
    }

    @Test func silentNameserverTimesOutThenTheNextIsTried() async throws {
        let silent = try await SilentNameserver()
        let r = resolver([silent.nameserver, nsd], timeout: .milliseconds(200), attempts: 2)
        let start = ContinuousClock.now
        let lookup = await r.lookup(name("mx1.mxray.test"), .a)
        let elapsed = ContinuousClock.now - start
        #expect(lookup.records.count == 2)
        #expect(lookup.source == nsd.description)
        #expect(elapsed >= .milliseconds(400) && elapsed < .seconds(3))
        await r.shutdown()

        let only = resolver([silent.nameserver], timeout: .milliseconds(150), attempts: 2)
        let failed = await only.lookup(name("mx1.mxray.test"), .a)
        #expect(failed.failure?.kind == .timeout)
        #expect(failed.failure?.detail.contains("no reply to 2 tries") == true)
        await only.shutdown()
        await silent.close()
    }

    @Test func closedPortIsAFailureNotAnAnswer() async throws {
        // Nothing listens here: ICMP port unreachable is not reported on unconnected UDP sockets,
        // so this ends in a bounded timeout.
        let silent = try await SilentNameserver()
        let port = silent.nameserver.port
        await silent.close()
        let r = resolver(
            [Nameserver(address: .v4(IPv4Address(127, 0, 0, 1)), port: port)], timeout: .milliseconds(100), attempts: 1)
        #expect(await r.lookup(name("mx1.mxray.test"), .a).failure != nil)
        await r.shutdown()
    }

    @Test(.enabled(if: IntegrationEnvironment.nsd6 != nil, "nsd listens on ::1 only where loopback has IPv6"))
    func ipv6Nameserver() async {
        let r = resolver([IntegrationEnvironment.nsd6!])
        let lookup = await r.lookup(name("mxray.test"), .mx)
        #expect(lookup.records.count == 2)
        #expect(lookup.source.hasPrefix("[::1]"))
        #expect(await r.lookup(name("big.mxray.test"), .txt).transport == "tcp")
        await r.shutdown()
    }

    @Test func identicalConcurrentQuestionsShareOneQuery() async throws {
        let relay = try await RecordingRelay(upstream: nsd)
        let r = resolver([relay.nameserver])
        let lookups = await withTaskGroup(of: DNSLookup.self) { group in
            for _ in 0..<50 { group.addTask { await r.lookup(name("mx1.mxray.test"), .a) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(lookups.allSatisfy { $0.records.count == 2 })
        #expect(relay.seen.count == 1)
        await r.shutdown()
        await relay.close()
    }

    @Test func queryIDsAndSourcePortsVary() async throws {
        let relay = try await RecordingRelay(upstream: nsd)
        let r = resolver([relay.nameserver], cache: false)
        for i in 0..<40 { _ = await r.lookup(name("h\(i).mxray.test"), .a) }
        let seen = relay.seen
        #expect(seen.count == 40)
        #expect(Set(seen.map(\.id)).count >= 38)
        #expect(Set(seen.map(\.sourcePort)).count >= 2)
        await r.shutdown()
        await relay.close()
    }

    @Test func forgedRepliesAreIgnored() async throws {
        let relay = try await RecordingRelay(upstream: nsd, forgeFirst: true)
        let r = resolver([relay.nameserver], cache: false)
        let lookup = await r.lookup(name("mx1.mxray.test"), .a)
        #expect(lookup.records.count == 2, "\(lookup.outcome)")
        await r.shutdown()
        await relay.close()
    }
}

/// SPF and DMARC through the stub resolver against nsd.
@Suite(.enabled(if: IntegrationEnvironment.available, "needs nsd: run Scripts/integration-test.sh"))
struct NSDAuthTests {
    @Test func spfWithIncludesOverTheNetwork() async {
        let r = resolver([IntegrationEnvironment.nsd!])
        let evaluator = SPFEvaluator(resolver: r)
        let pass = await evaluator.check(
            ip: IPAddress("192.0.2.11")!, mailFrom: "a@spf3.mxray.test", helo: "mx.example")
        #expect(pass.result == .pass && pass.lookups == 4, "\(pass.reason)")
        let v6 = await evaluator.check(
            ip: IPAddress("2001:db8:1::25")!, mailFrom: "a@spf3.mxray.test", helo: "mx.example")
        #expect(v6.result == .pass)
        let fail = await evaluator.check(
            ip: IPAddress("203.0.113.1")!, mailFrom: "a@spf3.mxray.test", helo: "mx.example")
        #expect(fail.result == .fail)
        await r.shutdown()
    }

    @Test func dmarcPolicyOverTheNetwork() async {
        let r = resolver([IntegrationEnvironment.nsd!])
        let verdict = await DMARCEvaluator(resolver: r).discover("mxray.test")
        #expect(verdict.result == .pass && verdict.policy == .reject, "\(verdict.reason)")
        #expect(verdict.organizationalDomain == "mxray.test")
        await r.shutdown()
    }
}
