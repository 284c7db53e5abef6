import ArgumentParser
import Crypto
import Foundation
import MXRayAudit
import MXRayAuth
import MXRayDNS
import MXRayInbound
import MXRayMessage
import MXRayProbe
import _CryptoExtras

/// Throughput benchmarks. Build in release mode:
///   swift build -c release --product mxray-bench
///   .build/release/mxray-bench dns-uncached --nameserver 127.0.0.1:PORT [--queries N] [--concurrency C]
///   .build/release/mxray-bench dns-cached --nameserver 127.0.0.1:PORT [--lookups N] [--names N]
///   .build/release/mxray-bench dkim-verify --algorithm rsa-sha256|ed25519-sha256 [--messages N] [--size BYTES]
///   .build/release/mxray-bench spf-evaluate --nameserver 127.0.0.1:PORT [--evaluations N]
///   .build/release/mxray-bench verify --nameserver 127.0.0.1:PORT [--messages N]
///   .build/release/mxray-bench audit --nameserver 127.0.0.1:PORT [--domains N] [--concurrency C]
///   .build/release/mxray-bench probe --nameserver 127.0.0.1:PORT --domain D --port SMTP_PORT [--ca-file PEM]
/// [--concurrency C]
/// Scripts/benchmark.sh starts nsd and runs them all.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("mxray-bench: \(message)\n".utf8))
    exit(2)
}

func format(_ value: Double) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.maximumFractionDigits = 0
    return formatter.string(from: NSNumber(value: value)) ?? String(Int(value))
}

/// Distinct names so that neither the cache nor coalescing can answer: every query hits nsd.
func uncached(_ nameserver: Nameserver, queries: Int, concurrency: Int) async {
    var configuration = ResolverConfiguration(nameservers: [nameserver])
    configuration.cacheEnabled = false
    configuration.timeout = .seconds(2)
    let resolver = StubResolver(configuration: configuration)
    let names = (0..<queries).map { try! DomainName("h\($0).bench.mxray.test") }
    // Warm up sockets and the event loop.
    for i in 0..<min(1000, queries) { _ = await resolver.lookup(names[i], .a) }
    let start = ContinuousClock.now
    let (answered, failed) = await withTaskGroup(of: (Int, Int).self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var ok = 0, bad = 0
                var i = worker
                while i < queries {
                    if case .records = await resolver.lookup(names[i], .a).outcome { ok += 1 } else { bad += 1 }
                    i += concurrency
                }
                return (ok, bad)
            }
        }
        return await group.reduce(into: (0, 0)) {
            $0.0 += $1.0
            $0.1 += $1.1
        }
    }
    let seconds = (ContinuousClock.now - start).seconds
    print(
        "dns-uncached: \(queries) queries, concurrency \(concurrency), \(String(format: "%.2f", seconds)) s, "
            + "\(format(Double(queries) / seconds)) queries/s (\(answered) answered, \(failed) failed)"
    )
    await resolver.shutdown()
}

/// Lookups answered from a warm cache: the cost of the resolver's own path, no network.
func cached(_ nameserver: Nameserver, lookups: Int, distinct: Int) async {
    let resolver = StubResolver(configuration: ResolverConfiguration(nameservers: [nameserver]))
    let names = (0..<distinct).map { try! DomainName("c\($0).bench.mxray.test") }
    for n in names {
        guard case .records = await resolver.lookup(n, .a).outcome else { fail("warm-up lookup of \(n) failed") }
    }
    var hits = 0
    let start = ContinuousClock.now
    for i in 0..<lookups {
        if await resolver.lookup(names[i % distinct], .a).fromCache { hits += 1 }
    }
    let seconds = (ContinuousClock.now - start).seconds
    print(
        "dns-cached: \(lookups) lookups over \(distinct) names, \(String(format: "%.2f", seconds)) s, "
            + "\(format(Double(lookups) / seconds)) lookups/s (\(hits) cache hits)"
    )
    await resolver.shutdown()
}

/// One core, one task: a message of `size` bytes signed once (relaxed/relaxed), verified `count`
/// times with its key cached; every verification canonicalizes and hashes the body and headers
/// and checks the signature.
func dkimVerify(algorithm: String, count: Int, size: Int) async {
    let key: PrivateKey =
        algorithm == "ed25519-sha256"
        ? .ed25519(Curve25519.Signing.PrivateKey())
        : .rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))
    let k = algorithm == "ed25519-sha256" ? "ed25519" : "rsa"
    let zone = ZoneFile(records: [
        ResourceRecord(
            name: try! DomainName("bench._domainkey.example.com"), ttl: 300,
            data: .txt(text: "v=DKIM1; k=\(k); p=\(key.publicKeyRecordValue)"))
    ])
    let resolver = ZoneResolver(zones: [zone])
    var text =
        "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nSubject: Benchmark\r\n"
        + "Date: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <bench@example.com>\r\n\r\n"
    let line = "The quick brown fox jumps over the lazy dog, again and again.  \r\n"
    while text.utf8.count < size { text += line }
    let message = try! DKIMSigner(domain: "example.com", selector: "bench", key: key).sign(
        try! Message(bytes: Array(text.utf8)))
    let verifier = DKIMVerifier(resolver: resolver, now: 1_800_000_000)
    guard await verifier.verify(message).first?.result == .pass else { fail("the benchmark message does not verify") }
    let start = ContinuousClock.now
    var passed = 0
    for _ in 0..<count {
        if await verifier.verify(message).first?.result == .pass { passed += 1 }
    }
    let seconds = (ContinuousClock.now - start).seconds
    print(
        "dkim-verify \(algorithm): \(count) messages of \(message.bytes.count) bytes, "
            + "\(String(format: "%.2f", seconds)) s, \(format(Double(count) / seconds)) messages/s (\(passed) passed)"
    )
}

/// SPF for a record with three includes, answered from the resolver's warm cache: every
/// evaluation walks the record and its includes and matches in the third include.
func spfEvaluate(_ nameserver: Nameserver, count: Int, trace: Bool) async {
    let resolver = StubResolver(configuration: ResolverConfiguration(nameservers: [nameserver]))
    var evaluator = SPFEvaluator(resolver: resolver, now: 1_800_000_000)
    evaluator.recordsTrace = trace
    let ip = IPAddress("192.0.2.10")!
    guard await evaluator.check(ip: ip, mailFrom: "a@spf3.mxray.test", helo: "mx.example").result == .pass else {
        fail("the benchmark record does not pass: is nsd serving Tests/IntegrationTests/zones?")
    }
    let start = ContinuousClock.now
    var passed = 0
    for _ in 0..<count
    where await evaluator.check(ip: ip, mailFrom: "a@spf3.mxray.test", helo: "mx.example").result == .pass {
        passed += 1
    }
    let seconds = (ContinuousClock.now - start).seconds
    print(
        "spf-evaluate: \(count) evaluations (3 includes, warm cache, trace \(trace ? "on" : "off")), "
            + "\(String(format: "%.2f", seconds)) s, \(format(Double(count) / seconds)) evaluations/s (\(passed) "
            + "passed)"
    )
    await resolver.shutdown()
}

/// Whole messages through the verify engine: SPF, DKIM (RSA-2048), ARC and DMARC, DNS answers
/// from the resolver's warm cache.
func verifyMessages(_ nameserver: Nameserver, count: Int) async {
    let key = PrivateKey.rsa(try! _RSA.Signing.PrivateKey(keySize: .bits2048))
    var text =
        "From: Alice <alice@mxray.test>\r\nTo: Bob <bob@example.net>\r\nSubject: Benchmark\r\n"
        + "Date: Sun, 29 Nov 2026 09:00:00 +0000\r\nMessage-ID: <bench@mxray.test>\r\n\r\n"
    while text.utf8.count < 10_240 { text += "The quick brown fox jumps over the lazy dog, again and again.\r\n" }
    let message = try! DKIMSigner(domain: "mxray.test", selector: "bench", key: key).sign(
        try! Message(bytes: Array(text.utf8)))
    // The key is not in nsd's zone: serve it from a zone in front of the stub resolver.
    let stub = StubResolver(configuration: ResolverConfiguration(nameservers: [nameserver]))
    let keyZone = ZoneResolver(zones: [
        ZoneFile(records: [
            ResourceRecord(
                name: try! DomainName("bench._domainkey.mxray.test"), ttl: 300,
                data: .txt(text: "v=DKIM1; k=rsa; p=\(key.publicKeyRecordValue)"))
        ])
    ])
    let resolver = KeyThenNetwork(keys: keyZone, network: stub)
    let verifier = MessageVerifier(resolver: resolver, now: 1_800_000_000, authservID: "bench")
    let connection = ConnectionFacts(
        ip: IPAddress("192.0.2.10")!, helo: "mx1.mxray.test", mailFrom: "alice@spf3.mxray.test")
    let first = await verifier.verify(message, connection: connection)
    guard first.dmarc.result == .pass, first.spf?.result == .pass else {
        fail("the benchmark message does not pass: \(first.dmarc.reason)")
    }
    let start = ContinuousClock.now
    for _ in 0..<count { _ = await verifier.verify(message, connection: connection) }
    let seconds = (ContinuousClock.now - start).seconds
    print(
        "verify: \(count) messages of \(message.bytes.count) bytes (SPF, DKIM rsa-sha256, ARC, DMARC), "
            + "\(String(format: "%.2f", seconds)) s, \(format(Double(count) / seconds)) messages/s"
    )
    await stub.shutdown()
}

/// DNS facts of `count` domains (d0.bench.test ...), audited `concurrency` at a time with the
/// stub resolver's cache on, as `mxray audit --offline` does: MX, addresses, TLSA, MTA-STS and
/// TLS-RPT records, SPF with its lookup count, DMARC discovery, findings.
func auditDomains(_ nameserver: Nameserver, count: Int, concurrency: Int) async {
    let resolver = StubResolver(configuration: ResolverConfiguration(nameservers: [nameserver]))
    let auditor = Auditor(gatherer: FactGatherer(resolver: resolver, policyFetcher: nil, overlapping: false))
    let check = await auditor.audit("d0.bench.test")
    guard check.facts.mxKind == .explicit, check.facts.dnsFailures.isEmpty else {
        fail("d0.bench.test does not audit cleanly (is the generated zone loaded?): \(check.facts.dnsFailures)")
    }
    let start = ContinuousClock.now
    let findings = await withTaskGroup(of: Int.self) { group in
        var next = 1, total = 0
        while next <= min(concurrency, count) {
            let d = "d\(next).bench.test"
            group.addTask { await auditor.audit(d).findings.count }
            next += 1
        }
        while let n = await group.next() {
            total += n
            if next <= count {
                let d = "d\(next).bench.test"
                group.addTask { await auditor.audit(d).findings.count }
                next += 1
            }
        }
        return total
    }
    let seconds = (ContinuousClock.now - start).seconds
    print(
        "audit: \(count) domains (DNS facts only), concurrency \(concurrency), "
            + "\(String(format: "%.2f", seconds)) s, \(format(Double(count) / seconds)) domains/s (\(findings) "
            + "findings)"
    )
    await resolver.shutdown()
}

/// Probes a domain's MX hosts over SMTP (servers on loopback) and reports the wall time and the
/// hosts probed per second.
func probeDomain(_ nameserver: Nameserver, domain: String, port: Int, caFile: String?, concurrency: Int, repeats: Int)
    async
{
    let resolver = StubResolver(configuration: ResolverConfiguration(nameservers: [nameserver]))
    let facts = await MXTierGatherer(resolver: resolver).gather(domain)
    guard !facts.hosts.isEmpty else { fail("\(domain) has no MX hosts (is the generated zone loaded?)") }
    var options = Prober.Options(
        recipients: ["bob@probe.test"], helo: "bench.mxray.test", now: Int64(Date().timeIntervalSince1970))
    options.port = port
    options.caFile = caFile
    options.concurrency = concurrency
    options.timeout = .seconds(5)
    var best = Double.infinity
    var reachable = 0
    for _ in 0..<repeats {
        let start = ContinuousClock.now
        let report = await Prober(options: options).probe(facts, policy: nil)
        best = min(best, (ContinuousClock.now - start).seconds)
        reachable = report.hosts.filter { $0.banner != nil }.count
    }
    print(
        "probe \(domain): \(facts.hosts.count) hosts, concurrency \(concurrency), best of \(repeats): "
            + "\(String(format: "%.3f", best)) s, \(format(Double(facts.hosts.count) / best)) hosts/s "
            + "(\(reachable) answered)"
    )
    await resolver.shutdown()
}

/// DKIM keys from a zone, everything else from the network.
struct KeyThenNetwork: DNSResolver {
    let keys: ZoneResolver
    let network: StubResolver
    func lookup(_ name: DomainName, _ type: RRType) async -> DNSLookup {
        name.text.contains("._domainkey.") ? await keys.lookup(name, type) : await network.lookup(name, type)
    }
}

/// `mxray-bench BENCHMARK [options]`: each benchmark is a subcommand.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mxray-bench", abstract: "Release-build throughput benchmarks (see BENCHMARKS.md).",
        subcommands: [
            DNSUncached.self, DNSCached.self, DKIMVerify.self, SPFEvaluate.self, Verify.self, Audit.self, Probe.self,
            MilterLoad.self, ReportsCorpus.self, DNSLab.self, JSONEncode.self,
        ])
}

/// The nameserver a benchmark asks (nsd on loopback, started by Scripts/benchmark.sh).
struct NameserverOption: ParsableArguments {
    @Option(help: "IP:PORT of the nameserver.") var nameserver: String

    func parsed() throws -> Nameserver {
        guard let server = try? Nameserver(parsing: nameserver) else {
            throw ValidationError("--nameserver \(nameserver) is not IP:PORT")
        }
        return server
    }
}

struct DNSUncached: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns-uncached")
    @OptionGroup var server: NameserverOption
    @Option var queries = 200_000
    @Option var concurrency = 64
    func run() async throws { await uncached(try server.parsed(), queries: queries, concurrency: concurrency) }
}

struct DNSCached: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns-cached")
    @OptionGroup var server: NameserverOption
    @Option var lookups = 5_000_000
    @Option var names = 1000
    func run() async throws { await cached(try server.parsed(), lookups: lookups, distinct: names) }
}

struct DKIMVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dkim-verify")
    @Option var algorithm = "rsa-sha256"
    @Option var messages = 50_000
    @Option var size = 10_240
    func run() async throws { await dkimVerify(algorithm: algorithm, count: messages, size: size) }
}

struct SPFEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spf-evaluate")
    @OptionGroup var server: NameserverOption
    @Option var evaluations = 500_000
    @Option(help: "on or off: record the trace of every term.") var trace = "on"
    func run() async throws { await spfEvaluate(try server.parsed(), count: evaluations, trace: trace != "off") }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify")
    @OptionGroup var server: NameserverOption
    @Option var messages = 20_000
    func run() async throws { await verifyMessages(try server.parsed(), count: messages) }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit")
    @OptionGroup var server: NameserverOption
    @Option var domains = 10_000
    @Option var concurrency = 64
    func run() async throws { await auditDomains(try server.parsed(), count: domains, concurrency: concurrency) }
}

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe")
    @OptionGroup var server: NameserverOption
    @Option var domain = "eight.probebench.test"
    @Option var port = 25
    @Option var caFile: String?
    @Option var concurrency = 32
    @Option var repeats = 3
    func run() async throws {
        await probeDomain(
            try server.parsed(), domain: domain, port: port, caFile: caFile, concurrency: concurrency, repeats: repeats)
    }
}
